"""Issue 21: render throughput, per frame and with temporal consistency, as ratios measured in the same rounds.

    python scripts/reports/render_speed.py CLIP [--fps 24] [--rounds 3] [--frames 60] [--variant NAME='ARGS' ...]
        [--root DIR]

Each round runs every variant once, in turn (``stylecam render CLIP OUT.mp4 --quiet ARGS``, from the
checkout at ``--root``: the default is this one, another lets a before/after run in the same rounds),
and reads the fps ``render`` prints on its last line (frames ÷ seconds from the first frame: the
network's load and compilation are not in it). Prints each variant's median fps and, per variant, the
median of its per-round ratio to the first variant's fps.
"""

from __future__ import annotations

import argparse
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout these reports are in
DEFAULT = ["per-frame=--no-temporal", "temporal=", "live per-frame=--tier live --no-temporal",
           "live temporal=--tier live"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clip")
    ap.add_argument("--fps", type=float, default=24.0, help="frame rate of an image-sequence clip")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--variant", action="append", help="NAME=ARGS (default: per-frame and temporal, fast and live)")
    ap.add_argument("--root", action="append", default=None,
                    help="NAME=CHECKOUT to run a variant's command from (default: this checkout)")
    args = ap.parse_args(argv)
    variants = [v.split("=", 1) for v in (args.variant or DEFAULT)]
    roots = dict(r.split("=", 1) for r in (args.root or []))
    fps: dict[str, list[float]] = {name: [] for name, _ in variants}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for name, extra in variants:
                root = Path(roots.get(name, ROOT))
                out = Path(tmp) / f"{r}.mp4"
                seq = ["--fps", str(args.fps)] if "%" in args.clip else []
                cmd = [str(root / ".venv" / "bin" / "python"), "-m", "stylecam", "render", args.clip, str(out),
                       "--quiet", *seq, *shlex.split(extra)]
                done = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
                line = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
                m = re.search(r"\(([\d.]+) fps\)", line)
                if done.returncode != 0 or not m:
                    print(f"{name}: failed: {line}", file=sys.stderr)
                    return 1
                fps[name].append(float(m.group(1)))
                print(f"round {r + 1} {name:<20} {fps[name][-1]:.2f} fps", flush=True)
    first = variants[0][0]
    print(f"{'variant':<20} {'median fps':>10} {'runs':>24} {'÷ ' + first:>14}")
    for name, _ in variants:
        ratio = statistics.median(a / b for a, b in zip(fps[name], fps[first]))
        runs = " ".join(f"{v:.2f}" for v in fps[name])
        print(f"{name:<20} {statistics.median(fps[name]):>10.2f} {runs:>24} {ratio:>13.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
