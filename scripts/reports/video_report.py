"""Temporal stability on real footage: per-frame vs temporal rendering, against the input's own error.

    python scripts/reports/video_report.py --style starry=PAINTING.jpg --clips CLIP_OR_PATTERN... \
        [--fps 24] [--work out/video] [--json out/video/report.json]

For each clip it runs ``stylecam render`` twice (``--no-temporal`` and the default
``--temporal``), then prints the warping error (../shared/QUALITY.md) of both outputs and of
the input, and the style distance of the frames (every 10th frame at a 256 px short side,
the geometric mean over relu1_1…relu5_1 of temporal ÷ per-frame): consistency must not cost
the style. Render throughput (frames per second) comes from the render runs themselves.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for scripts.reports

from models.images import read_rgb, resize_short_side
from models.nets.vgg import VGG19Features
from models.quality import distances
from scripts.reports.common import write_json
from stylecam.cli import main as stylecam
from video.metrics import video_frames, warping_errors


def style_distances(vgg, frames, painting, every: int = 10) -> list[tuple[float, ...]]:
    out = []
    for i, frame in enumerate(frames):
        if i % every == 0:
            small = resize_short_side(frame, 256)
            out.append(distances(vgg, small, small, painting).style)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--style", required=True, help="NAME=PAINTING")
    ap.add_argument("--clips", nargs="+", required=True)
    ap.add_argument("--fps", type=float, default=24.0, help="frame rate of image-sequence clips")
    ap.add_argument("--work", default="out/video", type=Path)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    name, painting_path = args.style.split("=", 1)
    painting = resize_short_side(read_rgb(painting_path), 256)
    vgg = VGG19Features()
    rows = []
    for clip in args.clips:
        label = Path(clip).parent.name if "%" in clip else Path(clip).stem
        fps = args.fps if "%" in clip else None
        row = {"clip": label}
        outputs = {}
        for mode, flags in (("per_frame", ["--no-temporal"]), ("temporal", [])):
            out = args.work / f"{label}_{name}_{mode}.mp4"
            out.parent.mkdir(parents=True, exist_ok=True)
            extra = ["--fps", str(fps)] if fps else []
            t0 = time.monotonic()
            if stylecam(["render", clip, str(out), "--style", name, "--quiet", "--crf", "12", *extra, *flags]) != 0:
                return 1
            outputs[mode] = out
            frames = sum(1 for _ in video_frames(str(out)))
            row[f"{mode}_render_fps"] = round(frames / (time.monotonic() - t0), 2)
            row["frames"] = frames
        for mode, out in outputs.items():
            err, input_err, _ = warping_errors(video_frames(clip, fps), video_frames(str(out)))
            row[f"{mode}_error"], row["input_error"] = err, input_err
        s_pf = style_distances(vgg, video_frames(str(outputs["per_frame"])), painting)
        s_t = style_distances(vgg, video_frames(str(outputs["temporal"])), painting)
        logs = [math.log(b / a) for fa, fb in zip(s_pf, s_t) for a, b in zip(fa, fb)]
        row["style_rise"] = math.exp(sum(logs) / len(logs)) - 1.0
        row["error_ratio"] = row["temporal_error"] / row["per_frame_error"]
        rows.append(row)
        print(f"{label:<16} {row['frames']:4d} frames  warping error: input {row['input_error']:.5f}  "
              f"per-frame {row['per_frame_error']:.5f}  temporal {row['temporal_error']:.5f} "
              f"(x{row['error_ratio']:.2f})  style distance {row['style_rise']:+.1%}  "
              f"render {row['per_frame_render_fps']:.1f} / {row['temporal_render_fps']:.1f} fps", flush=True)
    print(f"median temporal/per-frame error x{statistics.median(r['error_ratio'] for r in rows):.2f}, "
          f"median style distance change {statistics.median(r['style_rise'] for r in rows):+.1%}")
    if args.json:
        write_json(args.json, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
