"""What travels through the live pipeline: a frame plus when it was captured."""

from __future__ import annotations

import threading
import time
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
