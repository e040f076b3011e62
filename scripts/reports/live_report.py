"""Live against the full frame (../shared/QUALITY.md): is what a live viewer sees as good as the network
run on the whole frame? With a contact sheet per style.

    python scripts/reports/live_report.py --photos P1.jpg P2.jpg ... --style starry=PAINTING.jpg \
        [--style wave=OTHER.jpg ...] --live-tier live --full-tier fast --work out/live_q \
        [--frames 150] [--model-size auto] [--force]

For every photo and style: the photo is cropped to 4:3 (centre) and resized to 640×480 (bicubic),
written to WORK/photos; ``stylecam live --source PHOTO.png --no-window --frames N --record L.mp4``
runs on it and the live output is the recording's last frame; ``stylecam image`` stylizes the same
frame at full resolution and that output is recorded by the recorder's own H.264 encoder for as many
frames as the live command showed, and the last one decoded back, so that codec loss is on both sides
and the same (a recording's last frame, not a lone keyframe: see ``through_recorder``). Both are
measured against the photo and the painting (its short side at 480 px): live ratio = live ÷ full
frame (style: geometric mean over relu1_1…relu5_1; content: relu4_2). Prints a table per style,
writes WORK/report.json and WORK/sheet_STYLE.png (photo | live | full frame | painting). Finished outputs in WORK
are reused unless --force. A tier of ``default`` leaves ``--tier`` out (the command's own default).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for scripts.reports

from models.errors import UserError
from models.images import read_rgb, resize_short_side, write_rgb
from models.quality import Distances, distances, ratios
from scripts.reports.common import LIVE_FRAME, ROOT, contact_sheet, crop_aspect, live_frame, write_json

FRAME_SIZE = LIVE_FRAME  # width, height: QUALITY.md's live frame (--size changes it)
PAINTING_SHORT = 480
SOURCE_FPS = 30.0  # what `stylecam live` records a still image at
TIERS = ("live", "fast", "quality", "default")


def crop_4_3(image: np.ndarray) -> np.ndarray:
    """The largest centred 4:3 (width:height) part of an ``H×W×C`` image."""
    return crop_aspect(image, 4, 3)


def parse_style(spec: str) -> tuple[str, str]:
    name, sep, painting = spec.partition("=")
    if not sep or not name or not painting:
        raise UserError(f"--style wants NAME=PAINTING, got {spec!r}")
    return name, painting


def settled_size(summary: str) -> int | None:
    """The network's short side that a live summary line reports (``net 256 px``), if it does."""
    m = re.search(r"\b(?:net|network|model)(?:[ _-]size)?(?: settled)?(?: at)?:?\s*(\d+)\s*px", summary)
    return int(m.group(1)) if m else None


def painted_at_frame_size(summary: str) -> bool:
    """Whether the live network painted the frame's own pixels (a painter: its lattice keeps the 8-px period)."""
    return "painted at the frame's size" in summary


def tier_flag(tier: str) -> list[str]:
    return [] if tier == "default" else ["--tier", tier]


def stylecam(*args: str) -> str:
    """Run the ``stylecam`` CLI of this Python; its stdout, or one line about why it failed."""
    cmd = [sys.executable, "-m", "stylecam", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()] or ["(no message)"]
        raise UserError(f"stylecam {args[0]} failed (exit {done.returncode}): {lines[-1]}")
    return done.stdout


def last_frames(video: Path, count: int = 1) -> list[np.ndarray]:
    """The last ``count`` decoded frames of a video file, ``H×W×3 uint8 RGB``, oldest first."""
    from collections import deque

    import av

    frames: deque = deque(maxlen=count)
    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            frames.append(frame)
    if not frames:
        raise UserError(f"{video}: no video frames")
    return [f.to_ndarray(format="rgb24") for f in frames]


def last_frame(video: Path) -> np.ndarray:
    """The last decoded frame of a video file, ``H×W×3 uint8 RGB``."""
    return last_frames(video)[0]


SHARPNESS_FRAMES = 30  # QUALITY.md: each metric's median over the last 30 recorded frames


def picture_measures(live_frames: list[np.ndarray], full: np.ndarray, photo: np.ndarray, period: float) -> dict:
    """Sharpness (QUALITY.md) of each of the live recording's last frames against the full-frame output, its
    median and lowest; the photo-edge excess and the lattice prominence at ``period`` px against the full
    frame's, on the last frame."""
    from models.quality import edge_correlation, lattice_prominence, sharpness_ratio

    ratios = [sharpness_ratio(f, full) for f in live_frames]
    live = live_frames[-1]
    return {"sharpness": statistics.median(ratios), "sharpness_lowest_frame": min(ratios),
            "photo_edges_excess": edge_correlation(live, photo) - edge_correlation(full, photo),
            "lattice_period": period,
            "lattice_ratio": lattice_prominence(live, period) / lattice_prominence(full, period)}


def through_recorder(image: np.ndarray, video: Path, frames: int = 1) -> np.ndarray:
    """``image`` recorded ``frames`` times by the live recorder (its H.264 settings) into ``video``; the last frame
    decoded back. The live output is the last of ``--frames`` recorded frames, so the full-frame output is
    measured at the same place in a recording of the same length: a still's 150th frame is a P-frame, coded
    at x264's P-frame quality from the frames before it, and measured ×1.20 further from the painting in style
    than the same picture as a recording's only frame (an I-frame; the udnie fast-tier output of a validation
    photo at the recorder's crf 20). Against one frame, the live side paid that and the full frame did not."""
    from realtime.sinks import recording_writer

    rec = recording_writer(video, SOURCE_FPS, (image.shape[1], image.shape[0]))
    for i in range(frames):
        rec.write(image, i / SOURCE_FPS)
    rec.close()
    return last_frame(video)


def prepare_photo(path: str, work: Path, force: bool) -> tuple[str, Path, np.ndarray]:
    """(stem, WORK/photos/STEM.png, the camera frame; STEM__WxH.png at sizes other than 640×480)."""
    stem = Path(path).stem
    tag = "" if FRAME_SIZE == (640, 480) else f"__{FRAME_SIZE[0]}x{FRAME_SIZE[1]}"
    out = work / "photos" / f"{stem}{tag}.png"
    if force or not out.is_file():
        write_rgb(out, live_frame(read_rgb(path), FRAME_SIZE))
    return stem, out, read_rgb(out)


def live_output(photo: Path, style: str, tag: str, args: argparse.Namespace, work: Path) -> tuple[np.ndarray, str]:
    """(the recording's last frame, the live command's summary line), cached as WORK/live/TAG.{mp4,txt}."""
    video, text = work / "live" / f"{tag}.mp4", work / "live" / f"{tag}.txt"
    if args.force or not (video.is_file() and text.is_file()):
        video.parent.mkdir(parents=True, exist_ok=True)
        stdout = stylecam("live", "--source", str(photo.resolve()), "--no-window", "--frames", str(args.frames),
                          "--record", str(video.resolve()), "--style", style, *tier_flag(args.live_tier),
                          "--model-size", args.model_size, "--out", str(video.parent.resolve()))
        summary = next((line for line in stdout.splitlines() if " fps" in line), stdout.strip().split("\n")[0])
        picture = next((line for line in stdout.splitlines() if line.startswith("picture:")), "")
        text.write_text(summary + (" | " + picture if picture else "") + "\n")
    return last_frames(video, SHARPNESS_FRAMES), text.read_text().strip()


def full_output(photo: Path, style: str, tag: str, args: argparse.Namespace, work: Path) -> np.ndarray:
    """The full-frame output recorded as the live output was (``--frames`` frames of it) and the last frame decoded
    back, cached as WORK/full/TAG.png and TAG__fFRAMES.mp4."""
    still, video = work / "full" / f"{tag}.png", work / "full" / f"{tag}__f{args.frames}.mp4"
    if args.force or not still.is_file():
        still.parent.mkdir(parents=True, exist_ok=True)
        decoder = ["--decoder", args.full_decoder] if args.full_decoder else []
        stylecam("image", str(photo.resolve()), str(still.resolve()), "--style", style, *tier_flag(args.full_tier),
                 *decoder)
        video.unlink(missing_ok=True)
    if not video.is_file():
        return through_recorder(read_rgb(still), video, args.frames)
    return last_frame(video)


def as_dict(d: Distances) -> dict:
    return {"style": list(d.style), "content": d.content}


def measure_photo(vgg, photo_path: str, style: str, painting: np.ndarray, args: argparse.Namespace,
                  work: Path) -> tuple[dict, list[np.ndarray]]:
    """One photo's numbers (a JSON-ready dict) and its contact sheet row."""
    stem, png, photo = prepare_photo(photo_path, work, args.force)
    name = Path(style).stem
    size_tag = "" if FRAME_SIZE == (640, 480) else f"__{FRAME_SIZE[0]}x{FRAME_SIZE[1]}"
    live_frames, summary = live_output(png, style, f"{name}__{args.live_tier}__m{args.model_size}__f{args.frames}"
                                       f"{size_tag}__{stem}", args, work)
    live = live_frames[-1]
    print(f"{name} {stem}: {summary}", flush=True)
    decoder = f"__{args.full_decoder}" if args.full_decoder else ""
    full_style = args.full_style or style
    full = full_output(png, full_style, f"{Path(full_style).stem}__{args.full_tier}{decoder}{size_tag}__{stem}", args,
                       work)
    d_live, d_full = distances(vgg, live, photo, painting), distances(vgg, full, photo, painting)
    r_style, r_content = ratios(d_live, d_full)
    row = {"photo": stem, "source": photo_path, "style_ratio": r_style, "content_ratio": r_content,
           "live_summary": summary, "live": as_dict(d_live), "full": as_dict(d_full)}
    size = settled_size(summary)
    if size is not None:
        row["live_net_size"] = size
    period = 8.0 if size is None or painted_at_frame_size(summary) else 8.0 * photo.shape[0] / size
    row.update(picture_measures(live_frames, full, photo, period))
    return row, [photo, live, full, painting]


def markdown_table(style: str, rows: list[dict], med_style: float, med_content: float) -> str:
    lines = [f"**{style}** (live ÷ full frame)", "", "| photo | network | style ratio | content ratio | sharpness "
             "(lowest frame) | photo edges | lattice |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['photo']} | {r.get('live_net_size', '?')} px | ×{r['style_ratio']:.2f} "
                     f"| ×{r['content_ratio']:.2f} | ×{r['sharpness']:.2f} (×{r['sharpness_lowest_frame']:.2f}) "
                     f"| {r['photo_edges_excess']:+.2f} | ×{r['lattice_ratio']:.2f} |")
    sharp = [r["sharpness"] for r in rows]
    lattice = [r["lattice_ratio"] for r in rows]
    lines.append(f"| **median** | | **×{med_style:.2f}** | **×{med_content:.2f}** "
                 f"| **×{statistics.median(sharp):.2f}** | | ×{statistics.median(lattice):.2f} |")
    worst_s, worst_c = max(r["style_ratio"] for r in rows), max(r["content_ratio"] for r in rows)
    lines.append(f"| worst | | ×{worst_s:.2f} | ×{worst_c:.2f} | ×{min(sharp):.2f} | | ×{max(lattice):.2f} |")
    return "\n".join(lines)


def report_style(vgg, spec: str, args: argparse.Namespace, work: Path) -> dict:
    style, painting_path = parse_style(spec)
    painting = resize_short_side(read_rgb(painting_path), PAINTING_SHORT)
    rows, sheet = [], []
    for photo_path in args.photos:
        row, images = measure_photo(vgg, photo_path, style, painting, args, work)
        rows.append(row)
        sheet.append(images)
    med_s = statistics.median(r["style_ratio"] for r in rows)
    med_c = statistics.median(r["content_ratio"] for r in rows)
    print(markdown_table(style, rows, med_s, med_c) + "\n", flush=True)
    path = write_rgb(work / f"sheet_{Path(style).stem}.png", contact_sheet(sheet, height=240))
    print(f"contact sheet (photo | live | full frame | painting): {path}\n", flush=True)
    return {"style": style, "painting": painting_path, "median_style_ratio": med_s, "median_content_ratio": med_c,
            "median_sharpness": statistics.median(r["sharpness"] for r in rows), "photos": rows}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", nargs="+", required=True)
    ap.add_argument("--style", action="append", required=True, metavar="NAME=PAINTING")
    ap.add_argument("--live-tier", default="live", choices=TIERS, help="tier of `stylecam live` (default: live)")
    ap.add_argument("--full-tier", default="fast", choices=TIERS, help="tier of `stylecam image` (default: fast)")
    ap.add_argument("--full-decoder", help="picture styles: the AdaIN decoder of `stylecam image` (light: the "
                                           "network live runs, at the full frame; default: image's own choice)")
    ap.add_argument("--full-style", help="the full frame's style, where it differs from the live one (a candidate "
                                         "live network's file against the shipped style's fast tier)")
    ap.add_argument("--work", default="out/live_q")
    ap.add_argument("--frames", type=int, default=150, help="frames the live command shows (default: 150)")
    ap.add_argument("--model-size", default="auto", help="the live command's --model-size (default: auto)")
    ap.add_argument("--force", action="store_true", help="redo finished outputs in WORK")
    ap.add_argument("--size", default="640x480", help="the camera frame, WxH (default: 640x480; the painting's short "
                                                      "side is the frame's)")
    args = ap.parse_args(argv)
    if args.frames < 1:
        ap.error("--frames must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    global FRAME_SIZE, PAINTING_SHORT
    args = parse_args(argv)
    work = Path(args.work)
    try:
        w, h = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        print(f"live_report: --size wants WxH, got {args.size!r}", file=sys.stderr)
        return 1
    FRAME_SIZE, PAINTING_SHORT = (w, h), h
    try:
        for spec in args.style:  # bad input ends before minutes of work, not after
            read_rgb(parse_style(spec)[1])
        for photo in args.photos:
            read_rgb(photo)
        from models.nets.vgg import VGG19Features

        vgg = VGG19Features()
        report = {"live_tier": args.live_tier, "full_tier": args.full_tier, "frames": args.frames,
                  "model_size": args.model_size, "frame_size": list(FRAME_SIZE), "painting_short_side": PAINTING_SHORT,
                  "styles": [report_style(vgg, spec, args, work) for spec in args.style]}
    except UserError as exc:
        print(f"live_report: {exc}", file=sys.stderr)
        return 1
    out = work / "report.json"
    write_json(out, report)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
