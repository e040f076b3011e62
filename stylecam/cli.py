"""The ``stylecam`` command: argparse subcommands, heavy imports inside each one.

Errors a user can cause (:class:`models.errors.UserError`) end as one line on stderr and
exit code 2; Ctrl-C exits with 130.
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from stylecam import __version__
from stylecam.commands import (
    bank,
    bench,
    demo,
    distill_adain,
    gallery,
    image,
    learn,
    live,
    render,
    styles,
    temporal_error,
    train,
    train_adain,
)

COMMANDS = (live, render, demo, image, styles, gallery, learn, train, bank, train_adain, distill_adain, bench,
            temporal_error)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stylecam", description="Real-time webcam and video style transfer.")
    parser.add_argument("--version", action="version", version=f"stylecam {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    from models.errors import UserError
    from models.inference.memory import keep_freed_memory
    from stylecam.commands.options import stop_on_signals

    keep_freed_memory()  # frame-sized temporaries reused, not faulted in afresh each frame
    try:
        with stop_on_signals() if getattr(args, "stop_signals", False) else contextlib.nullcontext():
            return int(args.func(args) or 0)
    except UserError as exc:
        print(f"stylecam: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stylecam: interrupted", file=sys.stderr)
        return 130
