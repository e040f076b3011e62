"""The one stylize → temporal-smoothing step that ``live`` and ``render`` share (../shared/STYLE.md).

1. The network, at the network's size: ``stylizer.stylize_small(frame)`` → ``(network_in, network_out)``.
2. :func:`smooth_then_finish`: ``network_out`` made consistent with the previous output at that size
   (the smoother's flow comes from the input frames: computed here from ``network_in``, or ahead of
   time from the frame, as render's pipeline does), then ``stylizer.finish``: scaled to the frame
   (bicubic; a painter network paints the frame's size itself), the photo's colours kept if asked, blended by strength.

Smoothing before the scale-up is cheaper (the network's size) and leaves the strength blend a blend
with this frame, not with frames warped from the past. The live loop runs the two halves in its
stylize and smooth stages (:mod:`realtime.app`, :mod:`realtime.smoothing`); ``render`` in its
pipeline (:mod:`video.render_pipeline`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

_NOT_GIVEN = object()


class FrameStylizer(Protocol):
    """What the live loop and render get from ``models`` for one style (:class:`models.inference.runtime.Stylizer`
    and a bank's entries are such). Frames are ``H×W×3 uint8 RGB``.

    The step's first half runs only :meth:`stylize_small` (the network at ``model_size``, which the live
    auto-size controller sets from the time this call takes) and its second half :meth:`finish` (the
    scale-up to the frame and the blend by ``strength``); ``__call__`` is both in one."""

    strength: float
    model_size: int | None  # the short side the network runs at; None: the frame's own

    def __call__(self, frame: np.ndarray) -> np.ndarray: ...

    def stylize_small(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the frame at the network's size, its stylization at that size)."""
        ...

    def finish(self, small_out: np.ndarray, frame: np.ndarray, small_in: np.ndarray | None = None) -> np.ndarray:
        """``small_out`` scaled to ``frame``'s size (bicubic), blended by ``strength``."""
        ...


def smooth_then_finish(network_out: np.ndarray, original: np.ndarray, network_in: np.ndarray, smoother=None,
                       finish: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None,
                       motion=_NOT_GIVEN) -> np.ndarray:
    """The second half of the step: ``network_out`` (``h×w×3 uint8``, the network's size) smoothed by
    ``smoother`` (``None``: not smoothed) and finished to ``original``'s size by ``finish(out, original,
    network_in)`` (``None``: ``network_out`` is the frame's own size and strength). ``motion``: the
    smoother's :class:`~video.temporal.Motion` for this frame, computed ahead (``None``: the first frame
    of a run); not given: from ``network_in`` here."""
    out = network_out
    if smoother is not None:
        out = smoother(network_in, out) if motion is _NOT_GIVEN else smoother.apply(out, motion)
    if finish is not None:
        out = finish(out, original, network_in)
    return out


class PerFrame:
    """A plain ``frame → frame`` function as a frame stylizer for the step: the "network" runs at the frame's
    size and leaves nothing to finish (filters, test doubles)."""

    def __init__(self, fn: Callable[[np.ndarray], np.ndarray]) -> None:
        self.fn = fn
        self.strength, self.model_size = 1.0, None

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        return self.fn(frame)

    def stylize_small(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return frame, self.fn(frame)

    def finish(self, small_out: np.ndarray, frame: np.ndarray, small_in: np.ndarray | None = None) -> np.ndarray:
        return small_out
