"""Issue 34's motion check: the live loop's stylize → smooth step on moving frames, at a camera size and a
network size, against the input's own warping error (../shared/QUALITY.md "Temporal stability").

    python scripts/reports/motion_report.py --data ../shared/data --style starry --size 640x480 --model-size 360 \
        [--live-style out/painters/starry.safetensors] [--frames 60]

Two clips, made at the camera size: ``face``, scikit-image's astronaut (a face no split uses) under a handheld
camera's shake (a smooth random walk of shift, rotation and zoom, exact and repeatable), and ``handheld``, DAVIS
``dog`` (a handheld tracking shot, cropped to the frame's aspect; it tuned the render path's temporal settings
before, so it is not held out). Each frame goes through the live app's two stages in order
(:meth:`realtime.app.LiveApp.process`, smoothing on, the network at ``--model-size``), so outputs pair with
inputs exactly; prints the warping error of the output and of the input, and the sharpness of the output frames
against the style's fast tier run on each whole input frame (median, lowest).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for scripts.reports

from models.images import read_rgb
from scripts.reports.common import live_frame


def face_clip(size: tuple[int, int], frames: int, seed: int = 0) -> list[np.ndarray]:
    """The astronaut's portrait under a handheld shake: ``frames`` frames of ``size`` = (width, height)."""
    import cv2
    from skimage import data

    w, h = size
    base = live_frame(data.astronaut(), (int(w * 1.25), int(h * 1.25)))
    rng = np.random.default_rng(seed)
    steps = rng.normal(0, 1, (frames, 4)) * (1.5, 1.5, 0.15, 0.002)  # px, px, degrees, zoom per frame
    path = np.cumsum(steps, axis=0)
    out = []
    centre = (base.shape[1] / 2, base.shape[0] / 2)
    for dx, dy, angle, zoom in path:
        m = cv2.getRotationMatrix2D(centre, angle, 1.0 + zoom)
        m[:, 2] += (dx - (base.shape[1] - w) / 2, dy - (base.shape[0] - h) / 2)
        out.append(cv2.warpAffine(base, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT))
    return out


def davis_clip(folder: Path, size: tuple[int, int], frames: int) -> list[np.ndarray]:
    files = sorted(folder.glob("*.jpg"))[:frames]
    return [live_frame(read_rgb(f), size) for f in files]


def run_live(frames: list[np.ndarray], style: str, model_size: int | None) -> list[np.ndarray]:
    """Each frame through the live app's stylize and smooth stages, in order (smoothing on)."""
    from models.inference.runtime import Stylizer
    from realtime.app import LiveApp
    from realtime.frames import Frame
    from realtime.sources import SyntheticSource
    from video.device_smoother import live_smoother

    stylizer = Stylizer(style, model_size=model_size, tier="live" if Path(style).suffix == "" else None,
                        prefer_tier="live")
    h, w = frames[0].shape[:2]
    app = LiveApp(SyntheticSource((w, h)), [(stylizer.name, stylizer)], smoother=live_smoother(stylizer.device),
                  adapt_smoothing=False)
    return [app.process(Frame(f, i, original=f)).image for i, f in enumerate(frames)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--style", default="starry", help="the named style (its fast tier is the sharpness reference)")
    ap.add_argument("--live-style", help="the live network to run (default: the style's live tier)")
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--model-size", type=int, help="the network's short side (default: the frame's)")
    ap.add_argument("--frames", type=int, default=60)
    args = ap.parse_args(argv)
    from models.inference.runtime import Stylizer
    from models.quality import sharpness_ratio
    from video.metrics import warping_errors

    size = tuple(int(v) for v in args.size.lower().split("x"))
    clips = {"face": face_clip(size, args.frames),
             "handheld": davis_clip(args.data / "video" / "davis2016_val_480p" / "dog", size, args.frames)}
    reference = Stylizer(args.style, tier="fast")
    for name, frames in clips.items():
        outputs = run_live(frames, args.live_style or args.style, args.model_size)
        err, err_in, pairs = warping_errors(frames, outputs)
        sharp = [sharpness_ratio(o, reference(f)) for o, f in list(zip(outputs, frames))[::5]]
        print(f"{name} {args.size} network {args.model_size or 'full'} ({args.live_style or args.style}): warping "
              f"error {err:.4f} (input {err_in:.4f}, {pairs} pairs); sharpness ×{statistics.median(sharp):.2f} "
              f"(lowest ×{min(sharp):.2f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
