"""Train the live tier's painters (issue 34): each style's shipped live network warm-starts a
:class:`models.nets.live.FramePainter`, distilled from the style's fast tier on the whole frame with its trunk at
a random scale in [0.5, 1] and the lattice loss.

    python scripts/recipes/train_painters.py --data ../shared/data --out out/painters [--styles starry wave ...]
        [--steps 400] [--jobs 2] [--recipe E] [--flat-head]

Runs ``stylecam train --tier painter`` per style, ``--jobs`` at a time with one thread each (resumable: a
finished style is skipped, an interrupted one resumes from its checkpoint). The recipe was chosen on the
validation photos of scripts/splits/live_sizes.json (explore_upscale ``--painter``: docs/explorations.md).
``--flat-head``: the head's phases made to answer a constant feature alike (models.nets.live.flat_phase_head), the
lattice gone by construction; warm-started from the shipped painter and taught by the style's shipped fast tier.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # scripts.recipes.training_jobs, run as a file
SPLIT = ROOT / "scripts" / "splits" / "live_sizes.json"

# Measured on starry and the five validation photos (explore_upscale --painter, docs/explorations.md; live ratio
# against the fast tier, trunk at 0.75 of a 640×480 frame): A, the painting's summed style terms at weight 20,
# drowns the distillation and the lattice terms (style ×1.38, sharpness ×1.33, lattice ×6.2 the fast tier's); B, pure
# distillation with the lattice loss (×1.80, ×0.95, ×2.0); D, B with one block on the frame's grid (×1.74); E, D
# with the painting's log style terms at weight 2 (×1.26, ×1.01, ×2.1; at the full size ×0.61): E ships.
RECIPES = {
    "A": ["--style-weight", "20", "--content-weight", "2", "--lattice-weight", "300"],
    "B": ["--style-weight", "0", "--content-weight", "0", "--lattice-weight", "300"],
    "E": ["--style-loss", "log", "--style-weight", "2", "--content-weight", "0", "--lattice-weight", "300"],
}
COMMON = ["--size", "128", "--batch", "4", "--photo-scale", "480", "--min-scale", "0.53", "--pixel-weight", "10",
          "--feature-weight", "1", "--texture-weight", "12", "--lr", "5e-4", "--checkpoint-minutes", "2", "--quiet",
          "--threads", "1"]


def command(style: str, painting: Path, data: list[Path], out: Path, steps: int, recipe: str, resume: bool,
            flat_head: bool = False) -> list[str]:
    run_dir = out / "runs" / style
    return [sys.executable, "-m", "stylecam", "train", "--tier", "painter", "--teacher", style, "--style",
            str(painting), "--data", *map(str, data), "--name", style, "--steps", str(steps), *COMMON,
            *RECIPES[recipe], *(["--flat-head"] if flat_head else []),
            "--init-from", str(ROOT / "models" / "weights" / "live" / f"{style}.safetensors"),
            "--out", str(out / f"{style}.safetensors"), "--run-dir", str(run_dir), *(["--resume"] if resume else [])]


def main(argv: list[str] | None = None) -> int:
    split = json.loads(SPLIT.read_text())
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path("out/painters"))
    ap.add_argument("--styles", nargs="+", default=list(split["paintings"]))
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--recipe", choices=sorted(RECIPES), default="E")
    ap.add_argument("--flat-head", action="store_true",
                    help="a phase-flat head (no 8-px lattice), warm-started from the shipped painter")
    ap.add_argument("--install", action="store_true",
                    help="copy the finished painters over the shipped live tier (models/weights/live/)")
    args = ap.parse_args(argv)
    if args.install:
        for style in args.styles:
            src = args.out / f"{style}.safetensors"
            dst = ROOT / "models" / "weights" / "live" / f"{style}.safetensors"
            if src.is_file():
                before = dst.stat().st_size if dst.is_file() else 0
                shutil.copyfile(src, dst)
                print(f"{style}: {before} → {dst.stat().st_size} bytes")
        return 0
    from scripts.recipes.training_jobs import run_jobs

    data = [args.data / d for d in split["training"]]
    todo = [s for s in args.styles if not (args.out / f"{s}.safetensors").is_file()]
    jobs = []
    for style in todo:
        resume = (args.out / "runs" / style / "checkpoint.pt").is_file()
        cmd = command(style, args.data / split["paintings"][style], data, args.out, args.steps, args.recipe, resume,
                      args.flat_head)
        jobs.append((f"{style}{' (resumed)' if resume else ''}", cmd, args.out / f"{style}.log"))
    return 1 if run_jobs(jobs, args.jobs, cwd=ROOT) else 0

if __name__ == "__main__":
    sys.exit(main())
