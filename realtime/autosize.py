"""Adaptive network resolution for the live loop: the largest size that keeps up with the camera.

The processing thread reports how long each frame took; every ``window`` frames the median
is compared with the frame budget (a share of the camera's frame interval). Too slow: the
network's short side steps down the ladder; comfortably fast: it steps up again. Steps are
one rung at a time with a cool-down, so the size settles instead of oscillating.
"""

from __future__ import annotations

import statistics

from models.errors import UserError

LADDER = (96, 112, 128, 144, 160, 176, 192, 224, 256, 320, 384, 448, 512)


class AutoSize:
    """``update(ms)`` after each frame; returns the new short side when it changes, else ``None``.

    A window's median over the budget is a trend only when it lasts: the first ``settle`` windows
    (compilation, caches, the other stages starting) are not judged, and a step down needs two windows
    in a row over budget, or one over ``clear_share`` of it. A step up needs ``confirm`` windows in a row in
    which the next rung is predicted under ``up_share`` of the budget: the dead band between the two keeps
    an uneven load (an encoder's keyframes, a load that swings) from see-sawing the size. The prediction is the
    pixel count's ratio, or, for a rung a step down has measured, the ratio that step measured (the too-slow
    rung's median over the first judged window's at the rung below, at most the pixel count's: a painter's
    full-size head costs the same at every trunk size, so the pixel count overstates what a step changes).
    A rung that proved too slow is retried after ``retry`` windows, twice as long each time it fails again: a
    passing load costs the picture a few seconds, not the rest of the session. Beside a simulated encoder
    (``tests/realtime/test_autosize.py``) the rules before these (a 0.9 share, one window, the pixel count)
    changed the size six times a minute; these, at most twice after the first descent.
    """

    def __init__(self, camera_fps: float, start: int = 160, max_size: int = 512, budget_share: float = 0.9,
                 window: int = 15, ladder: tuple[int, ...] = LADDER, settle: int = 2, clear_share: float = 1.5,
                 retry: int = 20, confirm: int = 2, up_share: float = 0.75) -> None:
        if camera_fps <= 0:
            raise ValueError("camera fps must be positive")
        self.ladder = tuple(s for s in ladder if s <= max_size) or (min(ladder),)
        self.index = min(range(len(self.ladder)), key=lambda i: abs(self.ladder[i] - start))
        self.budget_ms = 1000.0 * budget_share / camera_fps
        self.window, self.settle, self.clear_share, self.retry = window, settle, clear_share, retry
        self.confirm, self.up_share = confirm, up_share
        self._times: list[float] = []
        self._cooldown = 0
        self._windows = 0
        self._over = 0  # windows in a row over budget at this size
        self._under = 0  # windows in a row in which the next rung was predicted to fit
        self._too_slow: dict[int, tuple[int, int]] = {}  # size → (window it last proved too slow, times it did)
        self._slow_ms: dict[int, float] = {}  # size → its median in the window that proved it too slow
        self._ratio: dict[int, float] = {}  # size → its measured cost over the rung below's
        self._measuring: int | None = None  # the size just left, whose ratio the next judged window gives

    @property
    def size(self) -> int:
        return self.ladder[self.index]

    def _blocked(self, size: int) -> bool:
        when, strikes = self._too_slow.get(size, (-10**9, 0))
        return self._windows - when < self.retry * 2 ** max(0, strikes - 1)

    def update(self, ms: float) -> int | None:
        self._times.append(ms)
        if len(self._times) < self.window:
            return None
        median = statistics.median(self._times)
        self._times.clear()
        self._windows += 1
        if self._windows <= self.settle:
            return None
        self._over = self._over + 1 if median > self.budget_ms else 0
        if self._cooldown:
            self._cooldown -= 1
            return None
        if self._measuring is not None:
            # never above the pixel count's ratio (no rung costs more than its pixels' share: a larger ratio
            # means the load fell as the size stepped down) nor below 1
            pixels = (self._measuring / self.size) ** 2
            self._ratio[self._measuring] = min(max(self._slow_ms[self._measuring] / max(median, 1e-6), 1.0), pixels)
            self._measuring = None
        step = 0
        if self.index > 0 and (self._over >= 2 or median > self.clear_share * self.budget_ms):
            step = -1
            self._too_slow[self.size] = (self._windows, self._too_slow.get(self.size, (0, 0))[1] + 1)
            self._slow_ms[self.size] = median
            self._measuring = self.size
        elif not self._over and self.index + 1 < len(self.ladder):
            # step up only when the next rung would still fit with room to spare (its measured cost over this
            # rung's where a step down measured it, else cost ∝ pixels), and it has not just proved too slow
            # (hysteresis: no see-saw between two rungs)
            nxt = self.ladder[self.index + 1]
            grow = self._ratio.get(nxt, (nxt / self.size) ** 2)
            fits = median * grow < self.up_share * self.budget_ms and not self._blocked(nxt)
            self._under = self._under + 1 if fits else 0
            if self._under >= self.confirm:
                step = 1
        if not step:
            return None
        self.index += step
        self._over = self._under = 0
        self._cooldown = 1 if step < 0 else 3  # after a step up, wait longer before the next one
        return self.size


def parse_model_size(text: str) -> int | None:
    """``--model-size``: ``auto`` (``None``: adapt to the machine) or a short side in px."""
    if text == "auto":
        return None
    try:
        return int(text)
    except ValueError:
        raise UserError(f"--model-size must be 'auto' or a size in px, got {text!r}") from None


SHARP_FPS = 24.0  # film rate: the controller keeps at least this (or the camera's rate) and spends the rest on pixels
HD_SIDE, HD_SHARP_FPS = 480, 15.0  # frames larger than 640×480: the network keeps the frame's 480 px down to 15 fps
PAINTER_MIN_SCALE = 0.5  # a painter's trunk never runs below this share of the frame's short side


def for_source(model_size: int | None, camera_fps: float, frame_size: tuple[int, int] | None = None,
               device: str = "cpu", full_start: bool = False, start: int | None = None,
               paints_full_size: bool = False) -> AutoSize | None:
    """The live loop's sizing: ``None`` for a fixed ``model_size``; else adaptive over the ladder's rungs below
    the frame's short side plus that side itself (the frame's full resolution is the top rung), starting at
    the top on a GPU or with ``full_start`` (a network made for full resolution on this device: the live
    tier), else at ``start`` (160 px by default). Sharpness over the last few frames a second: the network
    keeps its size as long as it holds :data:`SHARP_FPS` (a blurred 30 fps preview is worse than a sharp 25 fps one).
    Above 640×480 it holds only :data:`HD_SHARP_FPS` where a smaller network means a blurred picture; a network that
    paints the frame's own pixels whatever its trunk's size (``paints_full_size``: a painter) keeps
    :data:`SHARP_FPS` at every size, since shrinking its trunk leaves the strokes sharp, but its trunk never goes
    below :data:`PAINTER_MIN_SCALE` of the frame: its full-size head costs the same at every trunk size (at
    1280×720 on two cores the trunk went down to 96 px and the frame rate hardly moved) and below half the frame
    its picture drifts from the full-frame one (starry, validation photos: style ×1.26 at 0.75, ×1.65 at 0.5)."""
    if model_size is not None:
        return None
    cap = min(frame_size) if frame_size else 512
    ladder = tuple(sorted({s for s in LADDER if s < cap} | {cap} | ({HD_SIDE} if cap > HD_SIDE else set())))
    if paints_full_size:
        ladder = tuple(s for s in ladder if s >= PAINTER_MIN_SCALE * cap) or (cap,)
    start = cap if full_start or device != "cpu" else min(start or 160, cap)
    floor = HD_SHARP_FPS if cap > HD_SIDE and not paints_full_size else SHARP_FPS
    return AutoSize(min(camera_fps, floor), start=start, max_size=cap, ladder=ladder)


LIGHT_PICTURE_START = 256  # px: the light picture network's training size, ~21 ms a 4:3 frame there on 2 cores (ONNX)


def for_stylizer(model_size: int | None, camera_fps: float, frame_size: tuple[int, int] | None, stylizer
                 ) -> AutoSize | None:
    """:func:`for_source` started where the stylizer's network belongs: the live tier at the frame's full
    resolution, a picture style on the light AdaIN network at :data:`LIGHT_PICTURE_START` (from 160 px the
    controller's cautious steps took over 150 frames to get there), anything else at 160 px."""
    inner = getattr(stylizer, "stylizer", stylizer)  # a live wrapper around a Stylizer
    device = getattr(getattr(inner, "device", None), "type", "cpu")
    meta = getattr(inner, "meta", None) or {}
    light_picture = meta.get("kind") == "image" and meta.get("encoder") == "light"
    return for_source(model_size, camera_fps, frame_size, device, full_start=getattr(inner, "tier", None) == "live",
                      start=LIGHT_PICTURE_START if light_picture else None,
                      paints_full_size=bool(getattr(inner, "painter", False)))
