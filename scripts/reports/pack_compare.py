"""Issue 35: a retrained fast tier against the shipped one, on the same photos and paintings, at several sizes.

    python scripts/reports/pack_compare.py --data ../shared/data --new out/pack_log [--old models/weights] \
        [--set validation|heldout] [--styles scream minotaur] [--sizes 256,384,512,768] [--work out/pack_compare]

For each style, photo (scripts/splits/pack_val.json's ``--set``) and size: the photo at that short side (area),
both networks' outputs at that size (eager, on the CPU), and the painting at that short side. Printed per style and
size, medians over the photos (worst photo in brackets): new ÷ old style distance (QUALITY.md's geometric mean
over relu1_1…relu5_1; below 1: the new network is nearer the painting), new ÷ old content distance (relu4_2), the
colour distance to the painting (QUALITY.md "Colour") of old and new, and the new output's detail over the old's
(sharpness). Against Gatys no optimisation is needed for a choice between two networks: the reference divides both
sides alike. Writes WORK/sheet_STYLE_SIZE.png (photo | old | new | painting per photo) and WORK/report.json.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for scripts.reports

from models.images import read_rgb, resize_short_side, write_rgb
from models.inference.runtime import Stylizer
from models.nets.vgg import VGG19Features
from models.quality import colour_distance, distances, ratios, sharpness_ratio
from scripts.reports.common import ROOT, SPLITS, contact_sheet, read_json, write_json


def compare(vgg, old: Stylizer, new: Stylizer, photo, painting) -> dict:
    """One photo at one size: the ratios new ÷ old, both colour distances, and the detail ratio."""
    outs = {"old": old(photo), "new": new(photo)}
    d = {k: distances(vgg, v, photo, painting) for k, v in outs.items()}
    style, content = ratios(d["new"], d["old"])
    return {"style": style, "content": content, "outputs": outs,
            "colour_old": colour_distance(outs["old"], painting), "colour_new": colour_distance(outs["new"], painting),
            "detail": sharpness_ratio(outs["new"], outs["old"])}


def main(argv: list[str] | None = None) -> int:
    split = read_json(SPLITS / "pack_val.json")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--new", type=Path, required=True, help="folder of the retrained STYLE.safetensors")
    ap.add_argument("--old", type=Path, default=ROOT / "models" / "weights")
    ap.add_argument("--set", choices=("validation", "heldout"), default="validation")
    ap.add_argument("--styles", nargs="+", default=sorted(split["paintings"]))
    ap.add_argument("--sizes", default="256,384,512,768")
    ap.add_argument("--work", type=Path, default=ROOT / "out" / "pack_compare")
    args = ap.parse_args(argv)
    photos = [args.data / p for p in split[f"{args.set}_photos"]]
    vgg, report = VGG19Features(), {}
    for style in args.styles:
        if not (args.new / f"{style}.safetensors").is_file():
            print(f"{style}: no retrained network in {args.new}")
            continue
        old = Stylizer(args.old / f"{style}.safetensors", device="cpu", compiled=False)
        new = Stylizer(args.new / f"{style}.safetensors", device="cpu", compiled=False)
        painting_full = read_rgb(args.data / split["paintings"][style])
        for size in (int(s) for s in args.sizes.split(",")):
            painting = resize_short_side(painting_full, size)
            rows, sheet = {}, []
            for path in photos:
                photo = resize_short_side(read_rgb(path), size)
                row = compare(vgg, old, new, photo, painting)
                outs = row.pop("outputs")
                sheet.append([photo, outs["old"], outs["new"], painting])
                rows[path.stem] = row
            med = {k: statistics.median(r[k] for r in rows.values()) for k in next(iter(rows.values()))}
            worst = max(r["style"] for r in rows.values())
            print(f"{style} @ {size}: style new÷old ×{med['style']:.2f} (worst ×{worst:.2f}, geometric mean "
                  f"×{math.exp(statistics.fmean(math.log(r['style']) for r in rows.values())):.2f}), content "
                  f"×{med['content']:.2f}, colour old {med['colour_old']:.1f} → new {med['colour_new']:.1f}, "
                  f"detail ×{med['detail']:.2f}", flush=True)
            report[f"{style}@{size}"] = {"photos": rows, "median": med, "worst_style": worst}
            if size in (256, 512):
                write_rgb(args.work / f"sheet_{style}_{size}.png", contact_sheet(sheet, height=size))
    args.work.mkdir(parents=True, exist_ok=True)
    write_json(args.work / f"report_{args.set}.json", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
