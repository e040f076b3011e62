"""Issue 18: refine the shipped live-tier networks with the painting's own style loss, chosen on validation photos.

    python scripts/refine_live_pack.py --data ../shared/data [--styles wave,scream] [--style-weights 60,150]
        [--steps 300] [--work out/refine] [--install]

The live tier was distilled from each painting's fast-tier network (pixel, feature and texture
distances to the teacher's picture). At 256 px its 8×8 patches then trail the teacher on style
(×1.1–1.3 of the fast tier's distance to the painting). Here each shipped live network is trained
on for ``--steps`` more steps with the same distillation plus the teacher's own Gatys style loss to
the painting (``--style-weight``), as ``stylecam train`` does (the command goes into the file).

Every candidate (one per style weight) and the shipped network are compared with the fast tier at
256 px on the split's **validation** photos (``scripts/splits/live_tier.json``; never the held-out
or report photos): style and content distance ratios (QUALITY.md), medians over the photos. The
choice per style: the lowest style ratio whose content ratio stays within ``--max-content`` (the
shipped network's median content ratio if that is higher). ``--install`` copies the chosen files
into ``models/weights/live/`` (the shipped network stays where it wins). Writes WORK/choice.json.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.images import read_rgb, resize_short_side  # noqa: E402
from models.inference.runtime import Stylizer  # noqa: E402
from models.nets.vgg import VGG19Features  # noqa: E402
from models.quality import distances, ratios  # noqa: E402

SHORT = 256
SPLIT = ROOT / "scripts" / "splits" / "live_tier.json"
# the shipped live networks' own training recipe (their metadata), with the painting's style loss added
RECIPE = ["--steps", "{steps}", "--size", "128", "--batch", "4", "--photo-scale", "480", "--min-scale", "0.53",
          "--content-weight", "2", "--pixel-weight", "10", "--feature-weight", "1", "--texture-weight", "12",
          "--lr", "5e-4", "--checkpoint-minutes", "5", "--quiet"]


def train(style: str, painting: Path, data: list[Path], weight: float, steps: int, work: Path) -> Path:
    out = work / f"{style}_sw{weight:g}.safetensors"
    if out.is_file():
        return out
    shipped = ROOT / "models" / "weights" / "live" / f"{style}.safetensors"
    argv = [sys.executable, "-m", "stylecam", "train", "--tier", "live", "--teacher", style, "--style", str(painting),
            "--data", *map(str, data), "--name", style, "--style-weight", f"{weight:g}",
            *[a.format(steps=steps) for a in RECIPE], "--init-from", str(shipped.relative_to(ROOT)),
            "--out", str(out), "--run-dir", str(work / "runs" / out.stem)]
    print(" ".join(argv[2:]), flush=True)
    subprocess.run(argv, check=True, cwd=ROOT)
    return out


def compare(vgg, network: str | Path, photos: list, painting, reference: list) -> dict:
    """``network`` against the fast tier's ``reference`` distances on the same photos."""
    ours = Stylizer(str(network), device="cpu")
    rs, rc = zip(*(ratios(distances(vgg, ours(p), p, painting), ref) for p, ref in zip(photos, reference)))
    return {"style_vs_fast": statistics.median(rs), "content_vs_fast": statistics.median(rc),
            "per_photo": [[round(a, 3), round(b, 3)] for a, b in zip(rs, rc)]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="../shared/data")
    ap.add_argument("--styles", default="wave,composition,hat,udnie,lilies,scream")
    ap.add_argument("--style-weights", default="60,150")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--max-content", type=float, default=1.10)
    ap.add_argument("--work", default="out/refine")
    ap.add_argument("--install", action="store_true")
    args = ap.parse_args(argv)
    os.chdir(ROOT)
    data, work = Path(os.path.relpath(Path(args.data).resolve(), ROOT)), Path(args.work)  # paths as typed in ROOT
    work.mkdir(parents=True, exist_ok=True)
    split = json.loads(SPLIT.read_text())
    folders = [data / p for p in split["training"]]
    photos = [resize_short_side(read_rgb(data / p), SHORT) for p in split["validation"]]
    vgg = VGG19Features()
    choice_path = work / "choice.json"
    choices = json.loads(choice_path.read_text()) if choice_path.is_file() else {}
    for style in args.styles.split(","):
        painting_path = data / split["paintings"][style]
        painting = resize_short_side(read_rgb(painting_path), SHORT)
        shipped = ROOT / "models" / "weights" / "live" / f"{style}.safetensors"
        fast = Stylizer(style, device="cpu", tier="fast")  # the reference, measured once per painting
        reference = [distances(vgg, fast(p), p, painting) for p in photos]
        rows = {"shipped": compare(vgg, shipped, photos, painting, reference)}
        for w in (float(x) for x in args.style_weights.split(",")):
            path = train(style, painting_path, folders, w, args.steps, work)
            rows[path.name] = compare(vgg, path, photos, painting, reference)
        limit = max(args.max_content, rows["shipped"]["content_vs_fast"])
        ok = {k: r for k, r in rows.items() if r["content_vs_fast"] <= limit}
        best = min(ok, key=lambda k: ok[k]["style_vs_fast"])
        for k, r in rows.items():
            print(f"{style:<12} {k:<28} live/fast on validation: style x{r['style_vs_fast']:.3f} "
                  f"content x{r['content_vs_fast']:.3f}{'   <- chosen' if k == best else ''}", flush=True)
        choices[style] = {"chosen": best, "content_limit": limit, "candidates": rows}
        choice_path.write_text(json.dumps(choices, indent=2))
        if args.install and best != "shipped":
            shutil.copyfile(work / best, shipped)
            print(f"installed {best} as {shipped.relative_to(ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
