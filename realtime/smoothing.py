"""The live loop's smooth stage, and the controller that keeps it up with the camera.

The stylize stage runs the network and nothing else, so :class:`~realtime.autosize.AutoSize`
sizes the network by the network's own time. Temporal smoothing and the upscale to the
frame run here, in their own thread; when they are too slow for the camera they give up
their own quality, rung by rung, never the network's resolution:

====  =========================================================
rung  smoothing
====  =========================================================
0     the smoother as built (live: flow 160 px wide, bicubic warp, texture restored)
1     bilinear warp (at 640×480: −4 ms; 2 % less stroke detail on a pan)
2     flow at most 120 px wide
3     no texture restoration (−15 ms at 640×480; the plain blend softens the strokes)
4     flow at most 96 px wide
5     smooth every other frame, pass the others through as stylized
====  =========================================================
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from dataclasses import dataclass

from realtime.frames import Frame, Stylized
from video.stylize_step import smooth_then_finish


@dataclass(frozen=True)
class SmoothingLevel:
    """One rung: caps and switches applied on top of the smoother's own settings."""

    max_flow_width: int = 160
    cubic: bool = True
    keep_texture: bool = True
    every: int = 1  # smooth one frame in ``every``

    def describe(self) -> str:
        """What this rung gives up, for the status line (``""`` at the top)."""
        parts = [f"flow {self.max_flow_width} px"] if self.max_flow_width < LADDER[0].max_flow_width else []
        parts += [] if self.cubic else ["bilinear warp"]
        parts += [] if self.keep_texture else ["no texture"]
        parts += [f"1 frame in {self.every}"] if self.every > 1 else []
        return ", ".join(parts)


# Texture restoration is given up last: without it, a blend warped again and again (a still scene) loses its
# strokes (measured: live ÷ full-frame style ×3.7–4.4 on still photos where it had been dropped), while smoothing
# every other frame only lets half the frames flicker as much as a per-frame stylization does.
LADDER = (
    SmoothingLevel(),
    SmoothingLevel(cubic=False),
    SmoothingLevel(max_flow_width=120, cubic=False),
    SmoothingLevel(max_flow_width=96, cubic=False),
    SmoothingLevel(max_flow_width=96, cubic=False, every=2),
    SmoothingLevel(max_flow_width=96, cubic=False, keep_texture=False, every=2),
)


class SmoothingControl:
    """``update(ms)`` after each frame of the smooth stage; returns the new rung's
    :class:`SmoothingLevel` when it changes, else ``None``.

    Every ``window`` frames the stage's mean time (its one slowest frame left out: a hiccup
    is not a trend) is compared with the budget, ``budget_share`` of the interval at which
    frames come: the camera's, or the stylize stage's time per frame (``pace``, its median over
    the window) when the network is slower than the camera. Smoothing faster than the frames
    that reach it buys nothing; at 1280×720 on two cores, where the network sets the pace,
    it keeps its texture. Over it: one rung down. Under ``up_share`` of it (room for a rung that costs
    up to twice as much): one rung up, unless that rung proved too slow in the last
    ``memory`` windows (hysteresis: no see-saw between two rungs).
    """

    def __init__(self, camera_fps: float, budget_share: float = 0.9, window: int = 10, up_share: float = 0.5,
                 memory: int = 40, ladder: tuple[SmoothingLevel, ...] = LADDER) -> None:
        if camera_fps <= 0:
            raise ValueError("camera fps must be positive")
        if window < 2:
            raise ValueError("the window needs at least two frames")
        self.ladder = ladder
        self.index = 0
        self.budget_ms = 1000.0 * budget_share / camera_fps
        self.budget_share = budget_share
        self.window, self.up_share, self.memory = window, up_share, memory
        self._times: list[float] = []
        self._paces: list[float] = []
        self._windows = 0
        self._too_slow: dict[int, int] = {}  # rung → the window in which it last proved too slow

    @property
    def level(self) -> SmoothingLevel:
        return self.ladder[self.index]

    def update(self, ms: float, pace: float = 0.0) -> SmoothingLevel | None:
        self._times.append(ms)
        self._paces.append(pace)
        if len(self._times) < self.window:
            return None
        cost = (sum(self._times) - max(self._times)) / (len(self._times) - 1)
        budget = max(self.budget_ms, self.budget_share * statistics.median(self._paces))
        self._times.clear()
        self._paces.clear()
        self._windows += 1
        if cost > budget and self.index + 1 < len(self.ladder):
            self._too_slow[self.index] = self._windows
            self.index += 1
            return self.level
        recent = self._windows - self._too_slow.get(self.index - 1, -self.memory) < self.memory
        if self.index > 0 and cost < self.up_share * budget and not recent:
            self.index -= 1
            return self.level
        return None


class SmoothStage:
    """The smooth stage: :class:`~realtime.frames.Stylized` in, the :class:`Frame` to show out; the second half
    of the stylize → smooth step that ``render`` shares (:func:`video.stylize_step.smooth_then_finish`).

    Smooths ``network_out`` (``smoother(network_in, network_out)``, with ``reset()``) when
    the item asks for it, then ``finish``-es it to the frame's size. ``control``: a
    :class:`SmoothingControl` fed with this stage's time per frame, whose rung sets the
    smoother's ``flow_width``, ``cubic`` and ``keep_texture`` (where it has them; capped by
    its settings when built) and how many frames pass unsmoothed. A skipped frame leaves
    the smoother's state alone, so the next smoothed frame continues from the last smoothed
    output and its own input frame. ``None``: always the smoother as built.
    """

    def __init__(self, smoother=None, control: SmoothingControl | None = None) -> None:
        self.smoother, self.control = smoother, control
        self.last: Frame | None = None
        self.ms: deque[float] = deque(maxlen=60)
        self._epoch: int | None = None
        self._count = 0  # frames that asked for smoothing since the last reset
        self._base = {knob: getattr(smoother, knob) for knob in ("flow_width", "cubic", "keep_texture")
                      if hasattr(smoother, knob)}
        if control is not None:
            self._apply(control.level)

    @property
    def level(self) -> SmoothingLevel | None:
        return self.control.level if self.control is not None else None

    def _apply(self, level: SmoothingLevel) -> None:
        if "flow_width" in self._base:
            base = self._base["flow_width"]
            self.smoother.flow_width = level.max_flow_width if base is None else min(base, level.max_flow_width)
        if "cubic" in self._base:
            self.smoother.cubic = self._base["cubic"] and level.cubic
        if "keep_texture" in self._base:
            self.smoother.keep_texture = self._base["keep_texture"] and level.keep_texture

    def __call__(self, item: Stylized) -> Frame:
        if item.held and self.last is not None:
            return Frame(self.last.image, item.index, item.captured, original=self.last.original, epoch=self.last.epoch)
        t0 = time.perf_counter()
        if item.epoch != self._epoch:
            if self.smoother is not None:
                self.smoother.reset()
            self._epoch, self._count = item.epoch, 0
        smoothing = item.smooth and self.smoother is not None
        smoother = None
        if smoothing:
            every = self.control.level.every if self.control is not None else 1
            smoother = self.smoother if self._count % every == 0 else None
            self._count += 1
        out = smooth_then_finish(item.network_out, item.original, item.network_in, smoother, item.finish)
        ms = 1000 * (time.perf_counter() - t0)
        self.ms.append(ms)
        if smoothing and self.control is not None:
            level = self.control.update(ms, item.stylize_ms)
            if level is not None:
                self._apply(level)
        self.last = Frame(out, item.index, item.captured, original=item.original, epoch=item.epoch)
        return self.last
