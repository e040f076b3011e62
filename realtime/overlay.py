"""Drawing on preview frames: the status line (HUD), the help overlay, the compare view.

All functions take and return ``H×W×3 uint8 RGB`` frames and never modify their input.
"""

from __future__ import annotations

import numpy as np

FONT_SCALE = 0.5
LINE_PX = 18


def _text(image: np.ndarray, text: str, org: tuple[int, int], scale: float = FONT_SCALE) -> None:
    import cv2

    cv2.putText(image, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(image, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)


def _shade(image: np.ndarray, y0: int, y1: int, x0: int, x1: int, amount: float = 0.55) -> None:
    region = image[y0:y1, x0:x1]
    region[:] = (region.astype(np.float32) * (1 - amount)).astype(np.uint8)


def draw_hud(image: np.ndarray, lines: list[str]) -> np.ndarray:
    """Status lines in the top-left corner on a darkened band."""
    out = image.copy()
    if not lines:
        return out
    height = min(out.shape[0], 8 + LINE_PX * len(lines))
    _shade(out, 0, height, 0, out.shape[1])
    for i, line in enumerate(lines):
        _text(out, line, (8, 16 + LINE_PX * i))
    return out


def draw_help(image: np.ndarray, lines: list[str], title: str = "stylecam keys") -> np.ndarray:
    """The help overlay, centred, one line per key binding."""
    out = image.copy()
    h, w = out.shape[:2]
    box_h = min(h, 16 + LINE_PX * (len(lines) + 1))
    y0 = max(0, (h - box_h) // 2)
    x0, x1 = max(0, w // 2 - 190), min(w, w // 2 + 190)
    _shade(out, y0, y0 + box_h, x0, x1, 0.7)
    _text(out, title, (x0 + 12, y0 + 20), 0.55)
    for i, line in enumerate(lines):
        _text(out, line, (x0 + 12, y0 + 20 + LINE_PX * (i + 1)))
    return out


def compare_view(original: np.ndarray, stylized: np.ndarray) -> np.ndarray:
    """Left half from the original, right half from the stylized frame, with a divider."""
    if original.shape != stylized.shape:
        raise ValueError("compare view needs frames of the same size")
    out = stylized.copy()
    mid = out.shape[1] // 2
    out[:, :mid] = original[:, :mid]
    out[:, max(0, mid - 1) : mid + 1] = 255
    return out
