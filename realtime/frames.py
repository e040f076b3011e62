"""What travels through the live pipeline: a frame plus when it was captured, and between the
stylize and smooth stages, the network's result still to be smoothed and scaled up."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np


@dataclass
class Frame:
    """``image``: ``H×W×3 uint8 RGB``; ``captured``: ``time.monotonic()`` when it left the source."""

    image: np.ndarray
    index: int
    captured: float = field(default_factory=time.monotonic)
    original: np.ndarray | None = None  # the camera frame a stylized image was made from
    epoch: int = -1  # the live app's epoch it was stylized in (a style switch starts a new one)


@dataclass
class Stylized:
    """The stylize stage's result, the smooth stage's input: one camera frame through the network.

    ``network_in``/``network_out``: the frame at the network's size and its stylization (both
    ``h×w×3 uint8 RGB``; the frame's own size when the network runs at it); the smoother works
    on these. ``finish``: ``finish(smoothed network_out, original, network_in)`` scales up to the frame and
    blends by strength (``None``: ``network_out`` is already the picture to show). ``smooth``:
    temporal smoothing is wanted. ``epoch``: changes whenever the previous output must not be
    blended in (another style or network size, smoothing switched, the original shown).
    ``held``: paused, show the last output again (stamped with this frame's index and time).
    ``stylize_ms``: how long the stylize stage took for it (the pace the smooth stage must keep).
    """

    index: int
    captured: float
    original: np.ndarray
    network_in: np.ndarray
    network_out: np.ndarray
    finish: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    smooth: bool = False
    epoch: int = 0
    held: bool = False
    stylize_ms: float = 0.0


class Closing:
    """Context-manager support for sources and sinks: ``with`` calls ``close()`` on the way out."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        pass


T = TypeVar("T")


class LatestSlot(Generic[T]):
    """A one-slot buffer where the latest item wins: ``put`` never blocks, it replaces.

    A reader waits (on a condition, without spinning) for an item newer than the last one
    it took. ``dropped`` counts items that were replaced before anyone took them.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._fresh = False
        self._closed = False
        self.dropped = 0
        self.put_count = 0

    def put(self, item: T) -> None:
        with self._cond:
            if self._fresh:
                self.dropped += 1
            self._item, self._fresh = item, True
            self.put_count += 1
            self._cond.notify_all()

    def get(self, timeout: float | None = None) -> T | None:
        """The newest item not yet taken, waiting up to ``timeout`` s; ``None`` on timeout or close."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._fresh or self._closed, timeout=timeout):
                return None
            if not self._fresh:
                return None
            self._fresh = False
            return self._item

    def close(self) -> None:
        """Wake every waiting reader; later ``get`` calls return at once."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed
