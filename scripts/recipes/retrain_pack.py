"""Issue 35: the pack's fast tiers retrained with learn's recipe, longer: each shipped network fine-tuned on its own
painting with the log of each VGG layer's Gram distance against the content distance's log (weight 2), the
quality measure's own terms, on scripts/splits/pack_val.json's training photos without its held-out ones.

    python scripts/recipes/retrain_pack.py --data ../shared/data [--styles scream minotaur ...] [--minutes 60] \
        [--style-weight 1] [--style-scale 256] [--jobs 2] [--tag log] [--dry-run]

The order is the issue's: the styles furthest from their paintings first (scream, minotaur, composition, lilies),
then the rest. Each run writes out/pack_TAG/STYLE.safetensors (a finished one is skipped, an interrupted one
resumes from its checkpoint), one thread each, ``--jobs`` at a time; the command is in each file's metadata.
Candidates (``--style-weight``, ``--style-scale``: the painting's short side when its Grams are taken) are
compared on the split's validation photos (scripts/reports/quality_report.py) before any is installed over
models/weights/ (``--install``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # scripts.recipes.training_jobs and models, run as a file
SPLIT = ROOT / "scripts" / "splits" / "pack_val.json"
ORDER = ("scream", "minotaur", "composition", "lilies", "starry", "wave", "udnie", "hat")
# learn's fast tier (models.training.learn.fast_config): its content weight and learning rate
CONTENT_WEIGHT, LR = 2.0, 1e-3


def command(style: str, split: dict, data: Path, out: Path, minutes: float, style_weight: float,
            style_scale: int | None, resume: bool) -> list[str]:
    """The ``stylecam train`` command that fine-tunes the shipped ``style`` with the recipe."""
    from models.inference.registry import read_metadata

    shipped = ROOT / "models" / "weights" / f"{style}.safetensors"
    meta = read_metadata(shipped)
    painting = str(data / split["paintings"][style])
    cmd = [sys.executable, "-m", "stylecam", "train", "--tier", "fast", "--style", painting,
           "--data", *(str(data / d) for d in split["training"]), "--exclude", *split["exclude_from_training"],
           "--name", style, "--minutes", f"{minutes:g}", "--style-loss", "log", "--style-weight", f"{style_weight:g}",
           "--content-weight", f"{CONTENT_WEIGHT:g}", "--lr", f"{LR:g}", "--init-from", str(shipped),
           "--artist", str(meta.get("artist", "")), "--title", str(meta.get("title", "")),
           "--year", str(meta.get("year", "")), "--threads", "1", "--checkpoint-minutes", "2", "--quiet",
           "--out", str(out / f"{style}.safetensors"), "--run-dir", str(out / "runs" / style)]
    if style_scale:
        cmd += ["--style-scale", str(style_scale)]
    return cmd + (["--resume"] if resume else [])


def recipe_line(style: str, args: argparse.Namespace) -> str:
    """This script's command that made ``style``'s network (the recipe a shipped file cites)."""
    line = (f"python scripts/recipes/retrain_pack.py --data {args.data} --styles {style} --minutes {args.minutes:g} "
            f"--style-weight {args.style_weight:g} --tag {args.tag}")
    return line + (f" --style-scale {args.style_scale}" if args.style_scale else "")


def install(src: Path, dst: Path, recipe: str) -> None:
    """``src`` over ``dst`` with the recipe and the network it replaced (its digest) added to the metadata."""
    import hashlib

    from safetensors.torch import load_file

    from models.inference.style_files import read_metadata, write_file

    meta = read_metadata(src)
    meta["recipe"] = recipe
    meta["replaced_sha256"] = hashlib.sha256(dst.read_bytes()).hexdigest() if dst.is_file() else None
    write_file(load_file(str(src)), meta, dst)


def main(argv: list[str] | None = None) -> int:
    split = json.loads(SPLIT.read_text())
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--styles", nargs="+", default=list(ORDER), choices=ORDER)
    ap.add_argument("--minutes", type=float, default=60.0, help="each style's training time (default: 60)")
    ap.add_argument("--style-weight", type=float, default=1.0, help="learn's default: 1")
    ap.add_argument("--style-scale", type=int, help="the painting's short side for its Grams (default: train's)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--tag", default="log", help="out/pack_TAG/ (one folder a candidate recipe)")
    ap.add_argument("--dry-run", action="store_true", help="print the commands only")
    ap.add_argument("--install", action="store_true", help="copy the finished networks over models/weights/")
    args = ap.parse_args(argv)
    out = ROOT / "out" / f"pack_{args.tag}"
    if args.install:
        for style in args.styles:
            src, dst = out / f"{style}.safetensors", ROOT / "models" / "weights" / f"{style}.safetensors"
            if src.is_file():
                before = dst.stat().st_size
                install(src, dst, recipe_line(style, args))
                print(f"{style}: {before} → {dst.stat().st_size} bytes")
        return 0
    jobs = []
    for style in args.styles:
        if (out / f"{style}.safetensors").is_file():
            print(f"{style}: done", flush=True)
            continue
        resume = (out / "runs" / style / "checkpoint.pt").is_file()
        cmd = command(style, split, args.data, out, args.minutes, args.style_weight, args.style_scale, resume)
        jobs.append((style, cmd, out / f"{style}.log"))
        if args.dry_run:
            print(" ".join(cmd))
    if args.dry_run:
        return 0
    from scripts.recipes.training_jobs import run_jobs

    return 1 if run_jobs(jobs, args.jobs, cwd=ROOT) else 0


if __name__ == "__main__":
    sys.exit(main())
