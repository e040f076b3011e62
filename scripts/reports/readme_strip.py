"""The README's animated strip: the synthetic scene rendered per frame beside the same frames with temporal
consistency (flicker shows only in motion).

    python scripts/reports/readme_strip.py [--out docs/temporal.webp] [--frames 40] [--size 256x192] [--style starry]

Each frame of :class:`realtime.sources.SyntheticSource` (a slow pan over photos that ship with
scikit-image) goes through the style's fast-tier network; the right half is what ``stylecam render``
writes with its default temporal smoothing (:func:`video.temporal.render_smoother`), the left half the
same network with ``--no-temporal``. Written as an animated WebP (lossy).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root

from models.inference.runtime import Stylizer
from realtime.sources import SyntheticSource, parse_size
from video.metrics import warping_errors
from video.temporal import render_smoother


def label(image: np.ndarray, text: str) -> np.ndarray:
    out = image.copy()
    cv2.putText(out, text, (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(out, text, (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def main(argv: list[str] | None = None) -> int:
    from PIL import Image

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="docs/temporal.webp")
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--size", default="256x192")
    ap.add_argument("--style", default="starry")
    ap.add_argument("--fps", type=float, default=12.0, help="the strip's playback rate")
    ap.add_argument("--quality", type=int, default=50, help="WebP quality (lossy)")
    args = ap.parse_args(argv)
    w, h = parse_size(args.size)
    source = SyntheticSource((w, h), fps=30.0, realtime=False)
    stylizer = Stylizer(args.style, device="cpu", tier="fast")
    smoother = render_smoother()
    tiles, inputs, plain, smooth = [], [], [], []
    for _ in range(args.frames):
        frame = source.read()
        per_frame = stylizer(frame)
        smoothed = smoother(frame, per_frame)
        inputs.append(frame)
        plain.append(per_frame)
        smooth.append(smoothed)
        tiles.append(np.concatenate([label(per_frame, "per frame"), label(smoothed, "temporal")],
                                    axis=1))
    images = [Image.fromarray(t) for t in tiles]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(out, save_all=True, append_images=images[1:], duration=round(1000 / args.fps), loop=0,
                   quality=args.quality, method=6)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB, {len(images)} frames)")
    e_plain, e_input, _ = warping_errors(inputs, plain)
    e_smooth, _, _ = warping_errors(inputs, smooth)
    print(f"warping error (QUALITY.md): per frame {e_plain:.4f}, temporal {e_smooth:.4f} "
          f"(x{e_smooth / e_plain:.2f}), the input itself {e_input:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
