"""Issue 22: a blind check of learn's far weight (``models.training.learn.far_weight``) on a print no choice saw.

    python scripts/reports/far_check.py --data ../shared/data [--source content/nst_classics/cysmith_taj_mahal.jpg] \
        [--name taj_bw] [--minutes 5] [--work out/blind_far] [--threads 2]

The far weight was worked out on training paintings cut to black and white and its one constant set by a
validation painting; its only held-out witness (Vallotton's woodcut) was seen failing before the change. No
painting in ../shared/data is left unused, so this makes a far "painting" from a photo that no split uses: the
source cut to pure black and white (Otsu), a stark print. ``stylecam learn`` then runs twice on the split's
training photos, as it now does (the far weight) and with ``--style-weight 1`` (the weight it had before), and
both fast-tier networks are measured on the held-out photos of ``scripts/splits/any_painting.json`` at 256 px
against Gatys references (../shared/QUALITY.md; made in WORK/gatys, about 10 CPU minutes each, kept there).
Prints learn's own lines when it runs (the start distance and the factor), then per-photo style and content
ratios to Gatys, their medians and the worst photo; writes WORK/sheet.png (photo | weight 1 | far weight |
Gatys | print). Learned styles live in WORK/home and are not learned again on a rerun.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for scripts.reports

from models.images import read_rgb, resize_short_side, write_rgb
from scripts.reports.common import SPLITS, contact_sheet, learn, photo_and_reference, read_json, summarise

SPLIT = SPLITS / "any_painting.json"

RUNS = {"weight 1": ("w1", ("--style-weight", "1")), "far weight": ("far", ())}


def black_and_white(rgb: np.ndarray) -> np.ndarray:
    """The picture cut to pure black and white at Otsu's threshold, as RGB."""
    import cv2

    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    _, cut = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return np.repeat(cut[..., None], 3, axis=2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="../shared/data")
    ap.add_argument("--source", default="content/nst_classics/cysmith_taj_mahal.jpg",
                    help="a photo under --data that no split uses")
    ap.add_argument("--name", default="taj_bw")
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--work", type=Path, default=Path("out/blind_far"))
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    split = read_json(SPLIT)
    used = {p for paths in split.values() if isinstance(paths, list) for p in paths}
    if any(args.source == p or args.source.startswith(p.rstrip("/") + "/") for p in used):
        raise SystemExit(f"far_check: {args.source} is in {SPLIT.name}; give a photo no split uses")
    data = Path(args.data)
    work = args.work.resolve()
    printed = write_rgb(work / f"{args.name}.png", black_and_white(read_rgb(data / args.source)))
    training = [data / p for p in split["training_photos"]]
    for suffix, options in RUNS.values():
        learn(printed, f"{args.name}_{suffix}", args.minutes, training, work / "home", args.threads, options)

    os.environ["STYLECAM_HOME"] = str(work / "home")
    from models.inference.runtime import Stylizer
    from models.nets.vgg import VGG19Features
    from models.quality import distances, ratios

    vgg = VGG19Features()
    painting = resize_short_side(read_rgb(printed), 256)
    nets = {label: Stylizer(f"{args.name}_{suffix}", device="cpu", tier="fast") for label, (suffix, _) in RUNS.items()}
    rows: dict[str, list[tuple[float, float]]] = {label: [] for label in RUNS}
    sheet = []
    for photo_path in (data / p for p in split["heldout_photos"]):
        photo, stem, ref = photo_and_reference(str(photo_path), str(printed), painting, work / "gatys")
        reference = read_rgb(ref)
        d_ref = distances(vgg, reference, photo, painting)
        outs = {}
        for label, stylize in nets.items():
            outs[label] = stylize(photo)
            rows[label].append(ratios(distances(vgg, outs[label], photo, painting), d_ref))
        print(f"{stem:28s} " + "   ".join(f"{label}: style x{rows[label][-1][0]:.2f} content x{rows[label][-1][1]:.2f}"
                                            for label in RUNS), flush=True)
        sheet.append([photo, *outs.values(), reference, painting])
    for label, rs in rows.items():
        e = summarise(rs)
        print(f"{args.name} {label:10s} style x{e['style_median']:.2f} (worst x{e['style_worst']:.2f})  "
              f"content x{e['content_median']:.2f} (worst x{e['content_worst']:.2f})")
    path = write_rgb(work / "sheet.png", contact_sheet(sheet))
    print(f"contact sheet (photo | {' | '.join(RUNS)} | Gatys | print): {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
