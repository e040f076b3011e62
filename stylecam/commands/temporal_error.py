"""``stylecam temporal-error INPUT STYLIZED``: the warping error of a stylized video and of its input."""

from __future__ import annotations

import argparse
import json

from models.errors import UserError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("temporal-error", help="warping error (Lai et al. 2018) of a stylized video")
    p.add_argument("input", help="the original video (or image sequence)")
    p.add_argument("stylized", help="the stylized video (or image sequence), frame for frame")
    p.add_argument("--flow", choices=("dis", "farneback", "raft"), default="dis")
    p.add_argument("--fps", type=float, help="frame rate of image-sequence inputs")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from video.metrics import video_frames, warping_errors

    try:
        stylized, floor, pairs = warping_errors(video_frames(args.input, args.fps),
                                                video_frames(args.stylized, args.fps), args.flow)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if args.json:
        print(json.dumps({"stylized": stylized, "input": floor, "pairs": pairs, "flow": args.flow}))
    else:
        print(f"warping error: stylized {stylized:.5f}, input {floor:.5f} (the floor), over {pairs} frame pairs, "
              f"{args.flow} flow")
    return 0
