"""Issue 21: how much flow does render's temporal consistency need? Candidates on the same stylized frames.

    python scripts/explore_render_flow.py --style starry=PAINTING.jpg --clips CLIP_OR_PATTERN... [--frames 40]

Each clip's frames are stylized once (the style's network for the CPU, per frame); then every
candidate smoother (flow method, preset and width) runs over the same stylized frames, and the table
gives the warping error (../shared/QUALITY.md) of its output ÷ the per-frame one's, the style
distance's change against per-frame (every 10th frame at 256 px, geometric mean over the five style
layers, as ``scripts/video_report.py``) and the smoother's median milliseconds per frame (motion and
apply together, on whatever else the machine is doing: compare within one run).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.images import read_rgb, resize_short_side  # noqa: E402
from models.inference.runtime import Stylizer  # noqa: E402
from models.nets.vgg import VGG19Features  # noqa: E402
from scripts.video_report import style_distances  # noqa: E402
from video.metrics import video_frames, warping_errors  # noqa: E402
from video.temporal import RENDER_STRENGTH, TemporalSmoother  # noqa: E402

CANDIDATES = {  # name: (preset, flow width as a fraction of the frame's)
    "medium, full size (before)": ("medium", 1.0),
    "medium, half size": ("medium", 0.5),
    "fast, full size": ("fast", 1.0),
    "fast, half size": ("fast", 0.5),
    "medium, third size": ("medium", 1 / 3),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--style", required=True, help="NAME=PAINTING")
    ap.add_argument("--clips", nargs="+", required=True)
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--fps", type=float, default=24.0)
    ap.add_argument("--only", default="", help="comma-separated candidate names (default: all)")
    args = ap.parse_args(argv)
    name, painting_path = args.style.split("=", 1)
    painting = resize_short_side(read_rgb(painting_path), 256)
    stylizer = Stylizer(name, device="cpu")
    vgg = VGG19Features()
    chosen = [c for c in CANDIDATES if not args.only or c in args.only.split(",")]
    for clip in args.clips:
        frames = [f for _, f in zip(range(args.frames), video_frames(clip, args.fps if "%" in clip else None))]
        per_frame = [stylizer(f) for f in frames]
        base_err, input_err, _ = warping_errors(frames, per_frame)
        base_style = style_distances(vgg, per_frame, painting)
        label = Path(clip).parent.name if "%" in clip else Path(clip).stem
        print(f"{label}: {len(frames)} frames {frames[0].shape[1]}x{frames[0].shape[0]}, warping error input "
              f"{input_err:.5f}, per-frame {base_err:.5f}", flush=True)
        for cand in chosen:
            preset, frac = CANDIDATES[cand]
            width = None if frac == 1.0 else round(frames[0].shape[1] * frac)
            smoother = TemporalSmoother(RENDER_STRENGTH, "dis", preset, flow_width=width, both_directions_at_once=True)
            outs, ms = [], []
            for f, s in zip(frames, per_frame):
                t0 = time.perf_counter()
                outs.append(smoother.apply(s, smoother.motion(f)))
                ms.append(1000 * (time.perf_counter() - t0))
            err, _, _ = warping_errors(frames, outs)
            style = style_distances(vgg, outs, painting)
            logs = [math.log(b / a) for fa, fb in zip(base_style, style) for a, b in zip(fa, fb)]
            print(f"  {cand:<28} error x{err / base_err:.3f}  style {math.exp(sum(logs) / len(logs)) - 1:+.1%}  "
                  f"{statistics.median(ms[1:]):6.1f} ms a frame", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
