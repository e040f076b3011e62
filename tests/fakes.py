"""Fakes for pipeline tests: a list source, slow and identity stylizers, a slow smoother."""

from __future__ import annotations

import time

import numpy as np


def numbered_frame(i: int, size: tuple[int, int] = (32, 24)) -> np.ndarray:
    """A frame whose pixels encode its number (red channel), ``H×W×3 uint8 RGB``."""
    w, h = size
    frame = np.zeros((h, w, 3), np.uint8)
    frame[..., 0] = i % 256
    frame[..., 1] = np.linspace(0, 255, w, dtype=np.uint8)[None, :]
    return frame


class ListSource:
    """Delivers given frames (or ``None`` gaps, like a camera hiccup) at ``fps``, then ends."""

    def __init__(self, frames: list, fps: float = 200.0) -> None:
        self.frames, self.fps, self.name = list(frames), fps, "fake"
        self.reads = 0

    def read(self):
        time.sleep(1.0 / self.fps)
        self.reads += 1
        return self.frames.pop(0) if self.frames else None

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


class FakeStylizer:
    """Inverts (or tints) frames after ``delay`` seconds; has a settable ``strength``."""

    def __init__(self, delay: float = 0.0, tint: int | None = None) -> None:
        self.delay, self.tint, self.strength, self.calls = delay, tint, 1.0, 0

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        self.calls += 1
        if self.delay:
            time.sleep(self.delay)
        out = 255 - frame if self.tint is None else np.full_like(frame, self.tint)
        return np.ascontiguousarray(out)


class SlowSmoother:
    """A temporal smoother that takes ``delay`` seconds a frame and returns the stylization as is;
    counts its calls and resets."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay, self.calls, self.resets = delay, 0, 0

    def __call__(self, frame: np.ndarray, stylized: np.ndarray) -> np.ndarray:
        self.calls += 1
        time.sleep(self.delay)
        return stylized

    def reset(self) -> None:
        self.resets += 1
