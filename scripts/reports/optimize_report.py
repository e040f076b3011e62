"""`stylecam image --optimize` against the `pastiche` command: objective after the same number of steps.

    python scripts/reports/optimize_report.py --photos P1.jpg ... --style starry --painting PAINTING.jpg \
        --steps 300 --work out/optimize

For every photo (256 px short side, as in ../shared/QUALITY.md): pastiche with QUALITY.md's flags
and ``stylecam image --optimize`` with the same step count, both timed. Both get the same painting
file, already at its 256 px short side (area interpolation, QUALITY.md), so that neither resizes it
and both minimise the same objective: pastiche's own bilinear resize of the full painting moves
the Gram targets by 10-14 %, which alone is worth ×10 pastiche's objective after 100 steps. Both PNGs
(and our fast start) are then scored by pastiche's own code: ``PasticheArtist(..., init=PNG).loss``
is pastiche's objective of that image with its default layers and weights. pastiche's results are
cached in WORK/pasticheSTEPS.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for scripts.reports

from models.images import read_rgb, resize_short_side, write_rgb
from models.quality import pastiche_command
from scripts.reports.common import write_json


def pastiche_loss(photo: Path, painting: Path, image: Path, long_side: int, painting_long: int) -> float:
    from pastiche.pastiche import PasticheArtist

    artist = PasticheArtist(str(photo), [str(painting)], init=str(image), size=long_side,
                            style_size=painting_long, device="cpu")
    return float(artist.loss)


def timed(cmd: list[str]) -> float:
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", nargs="+", required=True)
    ap.add_argument("--style", required=True, help="the fast start: a style name or a picture (AdaIN)")
    ap.add_argument("--painting", required=True)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--work", default="out/optimize")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    work = Path(args.work)
    scaled = resize_short_side(read_rgb(args.painting), 256)
    painting = write_rgb(work / "paintings" / f"{Path(args.painting).stem}.png", scaled)
    painting_long = max(scaled.shape[:2])
    rows = []
    for photo_path in args.photos:
        stem = Path(photo_path).stem
        photo = resize_short_side(read_rgb(photo_path), 256)
        photo256 = write_rgb(work / "photos" / f"{stem}.png", photo)
        long_side = max(photo.shape[:2])
        ref = work / f"pastiche{args.steps}" / f"{painting.stem}__{stem}.png"
        t_ref = None
        if not ref.is_file():
            ref.parent.mkdir(parents=True, exist_ok=True)
            t_ref = timed([pastiche_command(), "--content", str(photo256), "--styles", str(painting),
                           "--output", str(ref), "--size", str(long_side), "--style-size", str(painting_long),
                           "--num-steps", str(args.steps), "--seed", "0"])
        fast = work / "ours" / f"{stem}_fast.png"
        ours = work / "ours" / f"{stem}_optimized{args.steps}.png"
        ours.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["stylecam", "image", str(photo256), str(fast), "--style", args.style], check=True,
                       stdout=subprocess.DEVNULL)
        t_ours = timed(["stylecam", "image", str(photo256), str(ours), "--style", args.style, "--optimize",
                        "--steps", str(args.steps), "--painting", str(painting)])
        row = {"photo": stem, "steps": args.steps, "seconds_stylecam": round(t_ours, 1),
               "seconds_pastiche": None if t_ref is None else round(t_ref, 1)}
        for key, image in (("fast_start", fast), ("stylecam", ours), ("pastiche", ref)):
            row[f"objective_{key}"] = pastiche_loss(photo256, painting, image, long_side, painting_long)
        rows.append(row)
        print(f"{stem:<24} pastiche {row['objective_pastiche']:.4g} ({row['seconds_pastiche'] or 'cached'} s)  "
              f"stylecam --optimize {row['objective_stylecam']:.4g} ({row['seconds_stylecam']} s)  "
              f"fast start {row['objective_fast_start']:.4g}  "
              f"ratio {row['objective_stylecam'] / row['objective_pastiche']:.3f}", flush=True)
    if args.json:
        write_json(args.json, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
