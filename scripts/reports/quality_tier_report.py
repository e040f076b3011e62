"""Quality-tier networks against the same paintings' fast-tier ones at 512 px (issue 19; QUALITY.md "At 512 px").

    python scripts/reports/quality_tier_report.py --data ../shared/data --set validation \
        --candidates out/q1/starry-c2.safetensors,out/q1/starry-c6.safetensors,... [--work out/quality_tier]

For each candidate (a weights file whose name starts with the style's name, ``STYLE-...``) and each photo
of the split's set: the photo at a 512 px short side (area), the candidate's and the shipped fast-tier
network's outputs at that size (the whole frame, on the CPU), their distances to the painting (its short
side at 512 px) and to the photo, and the ratios candidate ÷ fast (style: geometric mean over
relu1_1…relu5_1 of the per-layer Gram distances; content: relu4_2). The bar: style ≤ ×0.8, content ≤ ×1.
Prints a table; writes WORK/report_SET.json and WORK/sheet_SET_CANDIDATE.png (photo | candidate | fast | painting).
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

SHORT = 512


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="the data folder the split's paths are relative to")
    ap.add_argument("--split", default=str(SPLITS / "quality_tier.json"))
    ap.add_argument("--set", choices=("validation", "heldout"), default="validation")
    ap.add_argument("--candidates", required=True, help="comma-separated weights files named STYLE-*.safetensors")
    ap.add_argument("--work", default="out/quality_tier")
    args = ap.parse_args(argv)
    data, work = Path(args.data), Path(args.work)
    split = read_json(args.split)
    photos = [data / p for p in split[args.set]]
    work.mkdir(parents=True, exist_ok=True)
    vgg = VGG19Features()
    pictures = {p.stem: resize_short_side(read_rgb(p), SHORT) for p in photos}
    fast_out: dict[str, dict] = {}
    report = []
    for cand in (Path(c) for c in args.candidates.split(",")):
        style = cand.stem.split("-")[0]
        painting = resize_short_side(read_rgb(data / split["paintings"][style]), SHORT)
        ours = Stylizer(str(cand), device="cpu")
        if style not in fast_out:
            fast = Stylizer(style, device="cpu", tier="fast")
            fast_out[style] = {k: fast(v) for k, v in pictures.items()}
        rows, sheet = [], []
        for name, photo in pictures.items():
            a, b = ours(photo), fast_out[style][name]
            rs, rc = ratios(distances(vgg, a, photo, painting), distances(vgg, b, photo, painting))
            rows.append({"photo": name, "style": rs, "content": rc})
            sheet.append([photo, a, b, painting])
            print(f"{cand.stem:<16} {name:<32} quality/fast style x{rs:.3f} content x{rc:.3f}", flush=True)
        write_rgb(work / f"sheet_{args.set}_{cand.stem}.png", contact_sheet(sheet))
        med = {k: statistics.median(r[k] for r in rows) for k in ("style", "content")}
        report.append({"candidate": cand.stem, "file": str(cand), "median": med, "photos": rows})
        print(f"{cand.stem:<16} {'MEDIAN':<32} quality/fast style x{med['style']:.3f} content x{med['content']:.3f}"
              f"   {'meets' if med['style'] <= 0.8 and med['content'] <= 1.0 else 'misses'} the bar", flush=True)
    write_json(work / f"report_{args.set}.json", report)
    print("\n" + ratio_table("candidate", list(pictures), [
        (r["candidate"], {x["photo"]: (x["style"], x["content"]) for x in r["photos"]},
         (r["median"]["style"], r["median"]["content"])) for r in report]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
