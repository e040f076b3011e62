"""Temporal consistency: keep each stylized frame close to the previous output where motion is reliable.

Per pixel, the output minimises ``|o − s|² + λ·m·|o − w|²`` (``s``: this frame's
stylization, ``w``: the previous output warped along the optical flow, ``m``: 1 where the
flow passes the forward–backward and motion-boundary checks of Ruder et al. 2016), whose
closed form is a blend with weight ``λm / (1 + λm)`` on ``w``. Applied frame after frame it
is an exponential average along motion trajectories: still parts stop flickering, moving
objects follow the new stylization, occluded pixels (and pixels whose motion comes from
outside the frame) take it as is.

A plain blend averages two sets of brush strokes that do not line up, and the repeated
resampling of the warp softens them further: the frames lose the painting's texture (on
DAVIS blackswan, a 0.5 blend raised the style distance by 58 %). So the blend is followed by
``restore_texture``: the blend's detail layer (the image minus its Gaussian blur, σ = 3 px)
is scaled up to the local detail energy of the current stylization. Colours and stroke
positions follow the motion; stroke contrast stays that of a single stylized frame (first
24 frames of blackswan and dog, weight 0.8: warping error ÷10 and ÷11, style distance −3 %
and +2 %; σ = 2 px: +2 % and +7 %, larger σ overshoots the painting's contrast).

The same smoother serves the live loop (ultrafast DIS at a low resolution, a few ms) and
``render`` (DIS medium or Farnebäck at full resolution).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from video.flow import FlowEstimator, inside_frame, reliable_mask, resize_flow, to_gray, warp


def blend_with_previous(current: np.ndarray, warped_prev: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``weight·warped_prev + (1 − weight)·current`` per pixel, rounded; ``weight`` is ``H×W`` in [0, 1]."""
    import cv2

    w = np.ascontiguousarray(weight, dtype=np.float32)
    return cv2.blendLinear(np.ascontiguousarray(current), np.ascontiguousarray(warped_prev), 1.0 - w, w)


def _blur(image: np.ndarray, sigma: float) -> np.ndarray:
    import cv2

    return cv2.GaussianBlur(image, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)


def _blur_to_float(image: np.ndarray, sigma: float) -> np.ndarray:
    """``_blur`` of a ``uint8`` image into ``float32``: the same numbers as blurring ``image.astype(float32)``
    (OpenCV's kernel for σ, 8σ + 1 taps), without the float copy."""
    import cv2

    kernel = cv2.getGaussianKernel(int(round(sigma * 8 + 1)) | 1, sigma, cv2.CV_32F)
    return cv2.sepFilter2D(image, cv2.CV_32F, kernel, kernel, borderType=cv2.BORDER_REFLECT)


ENERGY_MIN_SIDE = 64  # below this the detail energies are blurred at full resolution


def _detail_energy(detail: np.ndarray, sigma: float) -> np.ndarray:
    """The detail layer's squared norm summed over colour and blurred by ``sigma``, ``float32``;
    at half resolution (``sigma`` halved) when the frame is big enough: a blur this wide leaves
    nothing that the half-size map cannot hold, for a quarter of the cost."""
    import cv2

    energy = cv2.transform(cv2.multiply(detail, detail), np.ones((1, 3), np.float32))
    h, w = energy.shape
    if min(h, w) < ENERGY_MIN_SIDE:
        return _blur(energy, sigma)
    return _blur(cv2.resize(energy, (w // 2, h // 2), interpolation=cv2.INTER_AREA), sigma / 2)


LOW_PASS_HALF_MIN_SIDE = 600  # from this short side up (720p, 1080p) the σ = 3 px low-pass runs at half size


def _low_pass(image: np.ndarray, sigma: float) -> np.ndarray:
    """``_blur_to_float``; on frames of :data:`LOW_PASS_HALF_MIN_SIDE` px and more, at half size (σ halved)
    and scaled back up (bilinear): a σ = 3 px blur keeps nothing that a half-size image cannot hold.
    Measured at 1280×720 on 2 busy cores: ``restore_texture`` 17.5 instead of 24.1 ms, within 2 levels."""
    import cv2

    h, w = image.shape[:2]
    if min(h, w) < LOW_PASS_HALF_MIN_SIDE:
        return _blur_to_float(image, sigma)
    half = cv2.resize(image, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    return cv2.resize(_blur_to_float(half, sigma / 2), (w, h), interpolation=cv2.INTER_LINEAR)


def restore_texture(blended: np.ndarray, current: np.ndarray, sigma: float = 3.0, max_gain: float = 3.0) -> np.ndarray:
    """``blended`` with its detail layer rescaled to the local detail energy of ``current`` (both
    ``H×W×3 uint8``): ``low + detail·g`` with ``g = clip(E_current / E_blended, 1, max_gain)``,
    ``E`` the detail layer's RMS over a window of 4σ. Never reduces detail; where the blend
    equals ``current`` it returns ``current``.

    The energies and the gain are computed at half resolution and the gain upsampled
    (bilinear): the same result within one grey level of the full-resolution formula, about
    four times faster at 640×480 together with OpenCV's fused multiply, add and rounding."""
    import cv2

    low_b = _low_pass(blended, sigma)
    detail_b = cv2.subtract(blended, low_b, dtype=cv2.CV_32F)
    energy_b = _detail_energy(detail_b, 4 * sigma)
    energy_c = _detail_energy(cv2.subtract(current, _low_pass(current, sigma), dtype=cv2.CV_32F), 4 * sigma)
    gain = cv2.sqrt(cv2.divide(energy_c + 1e-3, energy_b + 1e-3))
    np.clip(gain, 1.0, max_gain, out=gain)
    h, w = blended.shape[:2]
    if gain.shape != (h, w):
        gain = cv2.resize(gain, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.add(low_b, cv2.multiply(detail_b, cv2.merge((gain, gain, gain))), dtype=cv2.CV_8U)


def blend_weight(mask: np.ndarray, lam: float) -> np.ndarray:
    """The closed-form weight of the warped previous output: ``λm / (1 + λm)``."""
    m = mask.astype(np.float32)
    return lam * m / (1.0 + lam * m)


MIN_FLOW_SIDE = 16  # DIS needs 12 px; a smaller frame passes through unsmoothed


@dataclass(frozen=True)
class Motion:
    """How one input frame moved from the previous one, at the flow's size: ``back`` (``h×w×2 float32``,
    where each pixel was in the previous frame) and ``weight`` (``h×w float32``, the warped previous
    output's share: 0 where the flow is unreliable). It depends on the input frames only, so it can be
    computed ahead of the network (``render``'s pipeline)."""

    back: np.ndarray
    weight: np.ndarray
    reliable: float  # the fraction of reliable pixels


class TemporalSmoother:
    """Call with (input frame, its stylization) in order; returns the consistent output.

    The call is two halves that may run in different threads: :meth:`motion` (the input frames only: the
    flow from the previous frame, its reliability) and :meth:`apply` (the stylization blended with the
    previous output warped along that motion). ``strength``: the weight on the warped previous output
    where the flow is reliable (λ = strength / (1 − strength)). ``flow_width``: compute the flow at this
    width (None: full resolution). ``keep_texture``: restore the current stylization's detail energy after
    the blend (``restore_texture``); off: the plain blend. ``cubic``: warp the previous output bicubically
    (off: bilinear, cheaper and a little softer). The three may be changed between calls (the live loop
    trades quality for time with them); the next call still continues from the previous output.
    ``both_directions_at_once``: the backward and forward flows in two threads (render's pipeline).
    """

    def __init__(self, strength: float = 0.6, method: str = "dis", preset: str = "ultrafast",
                 flow_width: int | None = 160, keep_texture: bool = True, cubic: bool = True,
                 both_directions_at_once: bool = False) -> None:
        if not 0.0 <= strength < 1.0:
            raise ValueError("smoothing strength must be in [0, 1)")
        self.lam = strength / (1.0 - strength)
        self.flow_width = flow_width
        self.keep_texture = keep_texture
        self.cubic = cubic
        self._flow = FlowEstimator(method, preset)
        self._pool = None
        if both_directions_at_once and method != "raft":  # one estimator per direction: DIS keeps state
            from concurrent.futures import ThreadPoolExecutor

            self._flow_fwd = FlowEstimator(method, preset)
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="stylecam-flow")
        self._prev_luma: np.ndarray | None = None  # the previous frame's luma at full size
        self._prev_gray: np.ndarray | None = None  # ... at the flow's size
        self._prev_out: np.ndarray | None = None
        self.reliable_fraction = 1.0

    def reset(self) -> None:
        self._prev_luma = self._prev_gray = self._prev_out = None

    def _flow_size(self, luma: np.ndarray) -> np.ndarray:
        import cv2

        h, w = luma.shape
        if self.flow_width and self.flow_width < w:
            return cv2.resize(luma, (self.flow_width, max(8, round(self.flow_width * h / w))),
                              interpolation=cv2.INTER_AREA)
        return luma

    def prime(self, frame: np.ndarray, output: np.ndarray) -> None:
        """Continue after ``frame`` whose consistent output was ``output`` (a resumed render)."""
        self._prev_luma = to_gray(frame)
        self._prev_gray, self._prev_out = self._flow_size(self._prev_luma), output

    def __call__(self, frame: np.ndarray, stylized: np.ndarray) -> np.ndarray:
        return self.apply(stylized, self.motion(frame))

    def motion(self, frame: np.ndarray) -> Motion | None:
        """The motion from the previous frame given here to ``frame`` (``None`` for the first, or after a
        change of size); remembers ``frame`` for the next call."""
        luma = to_gray(frame)
        gray = self._flow_size(luma)
        prev_gray = self._prev_gray
        if prev_gray is not None and prev_gray.shape != gray.shape and self._prev_luma.shape == luma.shape:
            prev_gray = self._flow_size(self._prev_luma)  # the flow's width changed since the last frame
        motion = None
        if prev_gray is not None and prev_gray.shape == gray.shape and min(gray.shape) >= MIN_FLOW_SIDE:
            if self._pool is not None:
                fwd_job = self._pool.submit(self._flow_fwd, prev_gray, gray)
                back = self._flow(gray, prev_gray)  # where each pixel of this frame was in the previous one
                fwd = fwd_job.result()
            else:
                back, fwd = self._flow(gray, prev_gray), self._flow(prev_gray, gray)
            mask = reliable_mask(back, fwd) & inside_frame(back)
            motion = Motion(back, blend_weight(mask, self.lam), float(mask.mean()))
        self._prev_luma, self._prev_gray = luma, gray
        return motion

    def apply(self, stylized: np.ndarray, motion: Motion | None) -> np.ndarray:
        """``stylized`` made consistent with the previous output along ``motion`` (from :meth:`motion` of its
        input frame); as it is when there is no motion or no previous output of its size."""
        if motion is not None and self._has_previous(stylized.shape):
            self.reliable_fraction = motion.reliable
            return self._blend(stylized, motion.back, motion.weight)
        return self._first(stylized)

    # The full-resolution half: the previous output warped along ``back`` (at the flow's size), blended with
    # the new stylization by ``weight`` (ditto), its texture restored. :class:`DeviceSmoother` runs it on a GPU.
    def _has_previous(self, shape: tuple[int, ...]) -> bool:
        return self._prev_out is not None and self._prev_out.shape == shape

    def _first(self, stylized: np.ndarray) -> np.ndarray:
        self._prev_out = stylized
        return stylized

    def _blend(self, stylized: np.ndarray, back: np.ndarray, weight: np.ndarray) -> np.ndarray:
        import cv2

        h, w = stylized.shape[:2]
        if weight.shape != (h, w):
            weight = cv2.resize(weight, (w, h), interpolation=cv2.INTER_LINEAR)
            back = resize_flow(back, (w, h))
        out = blend_with_previous(stylized, warp(self._prev_out, back, cubic=self.cubic), weight)
        if self.keep_texture:
            out = restore_texture(out, stylized)
        self._prev_out = out
        return out


# render's default: on DAVIS kite-surf (50 frames, water in motion) 0.6 left the warping error at
# x0.26 of per-frame and the style distance +5 %; 0.8: x0.14 but +11 %
RENDER_STRENGTH = 0.6


def render_smoother(method: str = "dis", strength: float = RENDER_STRENGTH) -> TemporalSmoother:
    """For offline rendering: flow at full resolution (DIS medium, as QUALITY.md measures, or Farnebäck), both
    directions at once."""
    return TemporalSmoother(strength=strength, method=method, preset="medium", flow_width=None,
                            both_directions_at_once=True)
