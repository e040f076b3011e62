"""Temporal consistency: keep each stylized frame close to the previous output where motion is reliable.

Per pixel, the output minimises ``|o − s|² + λ·m·|o − w|²`` (``s``: this frame's
stylization, ``w``: the previous output warped along the optical flow, ``m``: 1 where the
flow passes the forward–backward and motion-boundary checks of Ruder et al. 2016), whose
closed form is a blend with weight ``λm / (1 + λm)`` on ``w``. Applied frame after frame it
is an exponential average along motion trajectories: still parts stop flickering, moving
objects follow the new stylization, occluded pixels take it as is.

The same smoother serves the live loop (ultrafast DIS at a low resolution, a few ms) and
``render`` (DIS medium or Farnebäck at full resolution).
"""

from __future__ import annotations

import numpy as np

from video.flow import FlowEstimator, reliable_mask, resize_flow, to_gray, warp


def blend_with_previous(current: np.ndarray, warped_prev: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``weight·warped_prev + (1 − weight)·current`` per pixel, rounded; ``weight`` is ``H×W`` in [0, 1]."""
    import cv2

    w = np.ascontiguousarray(weight, dtype=np.float32)
    return cv2.blendLinear(np.ascontiguousarray(current), np.ascontiguousarray(warped_prev), 1.0 - w, w)


def blend_weight(mask: np.ndarray, lam: float) -> np.ndarray:
    """The closed-form weight of the warped previous output: ``λm / (1 + λm)``."""
    m = mask.astype(np.float32)
    return lam * m / (1.0 + lam * m)


MIN_FLOW_SIDE = 16  # DIS needs 12 px; a smaller frame passes through unsmoothed


class TemporalSmoother:
    """Call with (input frame, its stylization) in order; returns the consistent output.

    ``strength``: the weight on the warped previous output where the flow is reliable
    (λ = strength / (1 − strength)). ``flow_width``: compute the flow at this width (None:
    full resolution).
    """

    def __init__(self, strength: float = 0.6, method: str = "dis", preset: str = "ultrafast",
                 flow_width: int | None = 160) -> None:
        if not 0.0 <= strength < 1.0:
            raise ValueError("smoothing strength must be in [0, 1)")
        self.lam = strength / (1.0 - strength)
        self.flow_width = flow_width
        self._flow = FlowEstimator(method, preset)
        self._prev_gray: np.ndarray | None = None
        self._prev_out: np.ndarray | None = None
        self.reliable_fraction = 1.0

    def reset(self) -> None:
        self._prev_gray = self._prev_out = None

    def __call__(self, frame: np.ndarray, stylized: np.ndarray) -> np.ndarray:
        import cv2

        h, w = frame.shape[:2]
        gray = to_gray(frame)
        if self.flow_width and self.flow_width < w:
            gray = cv2.resize(gray, (self.flow_width, max(8, round(self.flow_width * h / w))),
                              interpolation=cv2.INTER_AREA)
        out = stylized
        if self._prev_gray is not None and self._prev_out is not None and self._prev_out.shape == stylized.shape \
                and self._prev_gray.shape == gray.shape and min(gray.shape) >= MIN_FLOW_SIDE:
            back = self._flow(gray, self._prev_gray)  # where each pixel of this frame was in the previous one
            fwd = self._flow(self._prev_gray, gray)
            mask = reliable_mask(back, fwd)
            self.reliable_fraction = float(mask.mean())
            weight = blend_weight(mask, self.lam)
            if weight.shape != (h, w):
                weight = cv2.resize(weight, (w, h), interpolation=cv2.INTER_LINEAR)
                back = resize_flow(back, (w, h))
            out = blend_with_previous(stylized, warp(self._prev_out, back, cubic=True), weight)
        self._prev_gray, self._prev_out = gray, out
        return out


def live_smoother() -> TemporalSmoother:
    """Cheap enough for the live loop: ultrafast DIS on a 160 px wide copy."""
    return TemporalSmoother(strength=0.6, method="dis", preset="ultrafast", flow_width=160)


def render_smoother(method: str = "dis", strength: float = 0.8) -> TemporalSmoother:
    """For offline rendering: flow at full resolution (DIS medium, as QUALITY.md measures, or Farnebäck)."""
    return TemporalSmoother(strength=strength, method=method, preset="medium", flow_width=None)
