"""Temporal consistency: keep each stylized frame close to the previous output where motion is reliable.

:class:`LiveSmoother` is the cheap online version for the live loop: flow at a low
resolution between consecutive *input* frames, the previous *output* warped along it and
blended in wherever the forward–backward check trusts the flow, so that still parts of
the picture stop flickering while moving ones follow the new stylization.
"""

from __future__ import annotations

import numpy as np

from video.flow import FlowEstimator, reliable_mask, resize_flow, to_gray, warp


def blend_with_previous(current: np.ndarray, warped_prev: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``weight·warped_prev + (1 − weight)·current`` per pixel; ``weight`` is ``H×W`` in [0, 1]."""
    w = weight[..., None].astype(np.float32)
    out = current.astype(np.float32) * (1.0 - w) + warped_prev.astype(np.float32) * w
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


class LiveSmoother:
    """Online smoothing of a stylized stream. Call with (input frame, its stylization) in order.

    ``strength``: weight of the warped previous output where the flow is reliable (0: off).
    ``flow_width``: width in px at which the flow is computed (height follows the aspect).
    """

    def __init__(self, strength: float = 0.6, flow_width: int = 160) -> None:
        if not 0.0 <= strength < 1.0:
            raise ValueError("smoothing strength must be in [0, 1)")
        self.strength = strength
        self.flow_width = flow_width
        self._flow = FlowEstimator("dis", "ultrafast")
        self._prev_gray: np.ndarray | None = None
        self._prev_out: np.ndarray | None = None

    def reset(self) -> None:
        self._prev_gray = self._prev_out = None

    def __call__(self, frame: np.ndarray, stylized: np.ndarray) -> np.ndarray:
        import cv2

        h, w = frame.shape[:2]
        small = (self.flow_width, max(8, round(self.flow_width * h / w)))
        gray = cv2.resize(to_gray(frame), small, interpolation=cv2.INTER_AREA)
        out = stylized
        if self._prev_gray is not None and self._prev_out is not None and self._prev_out.shape == stylized.shape:
            back = self._flow(gray, self._prev_gray)  # where each pixel of this frame was before
            fwd = self._flow(self._prev_gray, gray)
            mask = reliable_mask(back, fwd).astype(np.float32)
            weight = cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR) * self.strength
            warped = warp(self._prev_out, resize_flow(back, (w, h)))
            out = blend_with_previous(stylized, warped, weight)
        self._prev_gray, self._prev_out = gray, out
        return out
