"""Issue 18: refine the shipped live-tier networks with the painting's own style loss, chosen on validation photos.

    python scripts/recipes/refine_live_pack.py --data ../shared/data [--styles wave,scream] [--style-weights 60,150]
        [--weights-for composition=20,60 ...] [--steps 300] [--threads 2] [--work out/refine] [--install]

The live tier was distilled from each painting's fast-tier network (pixel, feature and texture
distances to the teacher's picture). At 256 px its 8×8 patches then trail the teacher on style
(×1.1–1.3 of the fast tier's distance to the painting). Here each shipped live network is trained
on for ``--steps`` more steps with the same distillation plus the teacher's own Gatys style loss to
the painting (``--style-weight``), as ``stylecam train`` does (the command goes into the file).

A shipped network written before the overlapping head (``models.nets.live``) is warm-started into
the live tier as it is now (the same picture to begin with), so the refinement also teaches the
head to blend neighbouring patches.

Every candidate (one per style weight) and the shipped network are compared with the fast tier on
the split's **validation** photos (``scripts/splits/live_tier.json``; never the held-out or report
photos) at both sizes the issue measures: at 256 px (photo and painting short side 256) and as a
live frame (the photo's centre 4:3 at 640×480, the painting at 480, both networks on the whole
frame): style and content distance ratios (QUALITY.md), medians over the photos. The choice per
style: the lowest worse-of-the-two style ratio among the candidates whose content ratio stays within
``--max-content`` at both sizes (the shipped network's, if that is higher) and whose style ratio is
at most ``--max-style-regression`` times the shipped network's; the shipped network only where no
candidate stays within both (it is the reference, and an old one lacks the blending head). The first refinement
chose at 256 px only, and two choices (composition, udnie) moved away from the painting at 640×480.
``--style-scale 480`` puts the painting in the style loss at the live frame's scale (its short side at
480 px, as QUALITY.md measures a 640×480 frame) instead of the default 256: the photos are already
cropped at up to 480 px (``--photo-scale 480``), so at 256 the network learned the painting's marks at
about half the size the live frame is measured against. ``--install`` copies the chosen files into
``models/weights/live/`` (the shipped network stays where it wins). Writes WORK/choice.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from models.images import read_rgb, resize_short_side  # noqa: E402
from models.inference.runtime import Stylizer  # noqa: E402
from models.nets.vgg import VGG19Features  # noqa: E402
from models.quality import distances, ratios  # noqa: E402
from models.training.learn import LIVE_RECIPE  # noqa: E402
from scripts.reports.common import live_frame  # noqa: E402

SHORT = 256
LIVE_PAINTING_SHORT = 480  # QUALITY.md's live frame: 640×480, the painting's short side at 480
SPLIT = ROOT / "scripts" / "splits" / "live_tier.json"
# the shipped live networks' own training recipe (models.training.learn.LIVE_RECIPE, as `stylecam train` flags),
# with the painting's style loss added
FLAGS = {"size": "--size", "batch": "--batch", "content_short": "--photo-scale", "min_scale": "--min-scale",
         "content_weight": "--content-weight", "pixel_weight": "--pixel-weight", "feature_weight": "--feature-weight",
         "texture_weight": "--texture-weight", "lr": "--lr"}
RECIPE = ["--steps", "{steps}", *(x for k, v in LIVE_RECIPE.items() for x in (FLAGS[k], f"{v:g}")),
          "--checkpoint-minutes", "5", "--quiet"]


def train(style: str, painting: Path, data: list[Path], weight: float, steps: int, work: Path, threads: int,
          style_scale: int = 256) -> Path:
    scale = "" if style_scale == 256 else f"_ss{style_scale}"
    out = work / f"{style}_sw{weight:g}{scale}.safetensors"
    if out.is_file():
        return out
    shipped = ROOT / "models" / "weights" / "live" / f"{style}.safetensors"
    argv = [sys.executable, "-m", "stylecam", "train", "--tier", "live", "--teacher", style, "--style", str(painting),
            "--data", *map(str, data), "--name", style, "--style-weight", f"{weight:g}",
            *[a.format(steps=steps) for a in RECIPE], "--style-scale", str(style_scale),
            "--init-from", str(shipped.relative_to(ROOT)),
            "--out", str(out), "--run-dir", str(work / "runs" / out.stem), "--threads", str(threads)]
    print(" ".join(argv[2:]), flush=True)
    subprocess.run(argv, check=True, cwd=ROOT)
    return out


def compare(vgg, network: str | Path, sizes: dict, reference: dict) -> dict:
    """``network`` against the fast tier's ``reference`` distances, per size (``256``, ``640x480``), on the same
    photos: ``sizes[size] = (photos, painting)``."""
    ours = Stylizer(str(network), device="cpu")
    row = {}
    for size, (photos, painting) in sizes.items():
        rs, rc = zip(*(ratios(distances(vgg, ours(p), p, painting), ref) for p, ref in zip(photos, reference[size])))
        row[size] = {"style_vs_fast": statistics.median(rs), "content_vs_fast": statistics.median(rc),
                     "per_photo": [[round(a, 3), round(b, 3)] for a, b in zip(rs, rc)]}
    return row


def worst(row: dict, key: str) -> float:
    return max(r[key] for r in row.values())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="../shared/data")
    ap.add_argument("--styles", default="wave,composition,hat,udnie,lilies,scream")
    ap.add_argument("--style-weights", default="60,150", help="the candidates' style weights")
    ap.add_argument("--weights-for", action="append", default=[], metavar="STYLE=W1,W2",
                    help="other style weights for one style")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--style-scale", type=int, default=256,
                    help="the painting's short side in the style loss (480: the live frame's scale)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-content", type=float, default=1.20)
    ap.add_argument("--max-style-regression", type=float, default=1.10,
                    help="a candidate's worse style ratio may exceed the shipped network's by this factor at most")
    ap.add_argument("--work", default="out/refine")
    ap.add_argument("--install", action="store_true")
    args = ap.parse_args(argv)
    os.chdir(ROOT)
    data, work = Path(os.path.relpath(Path(args.data).resolve(), ROOT)), Path(args.work)  # paths as typed in ROOT
    work.mkdir(parents=True, exist_ok=True)
    split = json.loads(SPLIT.read_text())
    folders = [data / p for p in split["training"]]
    originals = [read_rgb(data / p) for p in split["validation"]]
    weights_for = {k: v for k, v in (item.split("=", 1) for item in args.weights_for)}
    vgg = VGG19Features()
    choice_path = work / "choice.json"
    choices = json.loads(choice_path.read_text()) if choice_path.is_file() else {}
    for style in args.styles.split(","):
        painting_path = data / split["paintings"][style]
        painting = read_rgb(painting_path)
        sizes = {"256": ([resize_short_side(p, SHORT) for p in originals], resize_short_side(painting, SHORT)),
                 "640x480": ([live_frame(p) for p in originals], resize_short_side(painting, LIVE_PAINTING_SHORT))}
        shipped = ROOT / "models" / "weights" / "live" / f"{style}.safetensors"
        fast = Stylizer(style, device="cpu", tier="fast")  # the reference, measured once per painting
        reference = {size: [distances(vgg, fast(p), p, paint) for p in photos]
                     for size, (photos, paint) in sizes.items()}
        rows = {"shipped": compare(vgg, shipped, sizes, reference)}
        for w in (float(x) for x in weights_for.get(style, args.style_weights).split(",")):
            path = train(style, painting_path, folders, w, args.steps, work, args.threads, args.style_scale)
            rows[path.name] = compare(vgg, path, sizes, reference)
        limit = max(args.max_content, worst(rows["shipped"], "content_vs_fast"))
        style_limit = args.max_style_regression * worst(rows["shipped"], "style_vs_fast")
        ok = {k: r for k, r in rows.items() if k != "shipped" and worst(r, "content_vs_fast") <= limit
              and worst(r, "style_vs_fast") <= style_limit}
        best = min(ok, key=lambda k: worst(ok[k], "style_vs_fast")) if ok else "shipped"
        for k, r in rows.items():
            cells = "  ".join(f"{size}: style x{v['style_vs_fast']:.3f} content x{v['content_vs_fast']:.3f}"
                              for size, v in r.items())
            print(f"{style:<12} {k:<28} live/fast on validation  {cells}{'   <- chosen' if k == best else ''}",
                  flush=True)
        choices[style] = {"chosen": best, "content_limit": limit, "candidates": rows}
        choice_path.write_text(json.dumps(choices, indent=2))
        if args.install and best != "shipped":
            shutil.copyfile(work / best, shipped)
            print(f"installed {best} as {shipped.relative_to(ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
