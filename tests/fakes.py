"""The tests' fakes, in one place: sources (a list, a camera that unplugs), stylizers, smoothers, a display
that presses keys, and virtual-camera backends for pyvirtualcam (registered by the tests that use them)."""

from __future__ import annotations

import time

import numpy as np

from realtime.sinks import NullSink


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
    """A :class:`video.stylize_step.FrameStylizer` that inverts (or tints) frames after ``delay`` seconds, at the
    frame's own size whatever ``model_size`` says."""

    def __init__(self, delay: float = 0.0, tint: int | None = None) -> None:
        self.delay, self.tint, self.strength, self.calls = delay, tint, 1.0, 0
        self.model_size: int | None = None

    def stylize_small(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return frame, self(frame)

    def finish(self, small_out: np.ndarray, frame: np.ndarray, small_in: np.ndarray | None = None) -> np.ndarray:
        return small_out

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


class ScriptedSink(NullSink):
    """A display that 'presses' keys at given frame counts."""

    def __init__(self, keys: dict[int, int]) -> None:
        super().__init__()
        self.keys = keys
        self.polls = 0
        self.pictures: set[bytes] = set()  # every distinct picture shown

    def write(self, frame) -> None:
        super().write(frame)
        self.pictures.add(frame.tobytes())

    def poll_key(self, wait_ms: int = 1) -> int:
        key = self.keys.pop(self.frames, -1) if self.frames in self.keys else -1
        return key


class RecordingSmoother:
    """Returns ``stylized + 1`` (an output the test can recognise) after ``delay`` s; records the
    frames it was called with; has the live smoother's knobs."""

    def __init__(self, flow_width: int | None = 160, delay: float = 0.0) -> None:
        self.flow_width, self.cubic, self.keep_texture = flow_width, True, True
        self.delay = delay
        self.calls: list[int] = []
        self.resets = 0

    def __call__(self, frame: np.ndarray, stylized: np.ndarray) -> np.ndarray:
        self.calls.append(int(frame[0, 0, 0]))
        time.sleep(self.delay)
        return stylized + 1

    def reset(self) -> None:
        self.resets += 1


class UnpluggedCamera(ListSource):
    """Delivers frames, drops out (reads fail) until it is reopened, then delivers again."""

    def __init__(self, before: int, after: int) -> None:
        super().__init__([numbered_frame(i) for i in range(before)], fps=200)
        self.after, self.reopens = after, 0

    def reopen(self) -> bool:
        self.reopens += 1
        if self.reopens == 2:  # the first attempt finds nothing (still unplugged)
            self.frames = [numbered_frame(100 + i) for i in range(self.after)]
        return self.reopens >= 2


class RecordingBackend:
    """A pyvirtualcam backend that keeps what it is sent."""

    instances: list[RecordingBackend] = []
    delay = 0.0

    def __init__(self, *, width, height, fps, fourcc, device, **kw):
        self.width, self.height, self.fps, self.fourcc = width, height, fps, fourcc
        self.frames: list[np.ndarray] = []
        RecordingBackend.instances.append(self)

    def send(self, frame):
        if self.delay:
            time.sleep(self.delay)
        self.frames.append(frame.copy())

    def close(self):
        pass

    def device(self):
        return "recording-fake"

    def native_fourcc(self):
        return self.fourcc


class MissingDeviceBackend(RecordingBackend):
    def __init__(self, **kw):
        raise RuntimeError("No v4l2 loopback device found at /dev/video[0-99].")


class ListSink:
    """A sink that keeps (frame number, timestamp) of what it is sent, after ``delay`` seconds a frame."""

    def __init__(self, delay: float = 0.0) -> None:
        self.got, self.delay, self.closed = [], delay, False

    def write(self, frame, timestamp=None):
        time.sleep(self.delay)
        self.got.append((int(frame[0, 0, 0]), timestamp))

    def close(self):
        self.closed = True
        return "closed"
