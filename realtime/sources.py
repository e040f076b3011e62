"""Frame sources for the live loop: camera, video file, still image, synthetic scene.

Every source yields ``H×W×3 uint8 RGB`` frames (OpenCV's BGR is converted here, where it
enters) and is a context manager. ``read()`` returns ``None`` at the end of a stream.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from pathlib import Path
from typing import Protocol

import numpy as np

from models.errors import UserError
from models.images import IMAGE_SUFFIXES, read_rgb
from realtime.frames import Closing


class SourceError(UserError):
    """A source that cannot be opened; the message names it."""


class Source(Protocol):
    fps: float
    name: str
    size: tuple[int, int] | None  # (width, height) of its frames, when known before the first read

    def read(self) -> np.ndarray | None: ...
    def close(self) -> None: ...


class SyntheticSource(Closing):
    """A slow pan and zoom across photos that ship with scikit-image, cross-fading between them.

    Needs no camera and no files; frame ``i`` is a pure function of ``i`` (deterministic).
    ``realtime=True`` paces ``read`` at ``fps`` like a camera would.
    """

    SECONDS_PER_PHOTO = 6.0

    def __init__(self, size: tuple[int, int] = (640, 480), fps: float = 30.0, realtime: bool = True,
                 frames: int | None = None) -> None:
        import cv2

        from models.samples import SAMPLE_NAMES, sample_photo

        self.width, self.height = size
        self.size = size
        self.fps = fps
        self.name = "synthetic"
        self.realtime = realtime
        self.frames = frames
        # Each photo is scaled to cover 1.3× the frame, room for the pan.
        self._photos = []
        for n in SAMPLE_NAMES:
            p = sample_photo(n)
            scale = 1.3 * max(self.width / p.shape[1], self.height / p.shape[0])
            self._photos.append(cv2.resize(p, (round(p.shape[1] * scale), round(p.shape[0] * scale)),
                                           interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR))
        self._index = 0
        self._t0: float | None = None

    def frame_at(self, i: int) -> np.ndarray:
        import cv2

        t = i / self.fps
        per = self.SECONDS_PER_PHOTO
        k, phase = int(t // per) % len(self._photos), (t % per) / per
        img = self._view(self._photos[k], phase)
        if phase > 0.85:  # cross-fade into the next photo
            nxt = self._view(self._photos[(k + 1) % len(self._photos)], 0.0)
            a = (phase - 0.85) / 0.15
            img = cv2.addWeighted(img, 1 - a, nxt, a, 0)
        return img

    def _view(self, photo: np.ndarray, phase: float) -> np.ndarray:
        """A ``width×height`` view of ``photo`` at zoom 1–1.2, its centre drifting with ``phase`` ∈ [0, 1)."""
        import cv2

        ph, pw = photo.shape[:2]
        zoom = 1.0 + 0.2 * math.sin(math.pi * phase)
        half_w, half_h = self.width / (2 * zoom), self.height / (2 * zoom)
        cx = half_w + (pw - 2 * half_w) * (0.5 + 0.45 * math.sin(2 * math.pi * phase))
        cy = half_h + (ph - 2 * half_h) * (0.5 + 0.3 * math.cos(2 * math.pi * phase))
        m = np.array([[zoom, 0, self.width / 2 - cx * zoom], [0, zoom, self.height / 2 - cy * zoom]])
        return cv2.warpAffine(photo, m, (self.width, self.height), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REFLECT)

    def read(self) -> np.ndarray | None:
        if self.frames is not None and self._index >= self.frames:
            return None
        if self.realtime:
            now = time.monotonic()
            if self._t0 is None:
                self._t0 = now
            due = self._t0 + self._index / self.fps
            if due > now:
                time.sleep(due - now)
        frame = self.frame_at(self._index)
        self._index += 1
        return frame


class ImageSource(Closing):
    """A still image, delivered at ``fps`` like a camera that never moves."""

    def __init__(self, path: str, size: tuple[int, int] | None = None, fps: float = 30.0) -> None:
        import cv2

        image = read_rgb(path)
        if size:
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        self.image, self.fps, self.name = image, fps, path
        self.size = (image.shape[1], image.shape[0])
        self._next = time.monotonic()

    def read(self) -> np.ndarray | None:
        now = time.monotonic()
        if self._next > now:
            time.sleep(self._next - now)
        self._next = max(now, self._next) + 1.0 / self.fps
        return self.image.copy()


class CaptureSource(Closing):
    """A camera (index or device path) or a video file, through OpenCV's VideoCapture.

    Files are paced at their own frame rate (a live preview shows them in real time) and
    loop when ``loop`` is set.
    """

    def __init__(self, spec: str, size: tuple[int, int] | None = None, loop: bool = False,
                 is_file: bool = False) -> None:
        import cv2

        self.name, self.loop, self.is_file = spec, loop, is_file
        self._target: int | str = int(spec) if spec.isdigit() else spec
        self._requested_size = size
        # OpenCV's and FFmpeg's own log lines ("moov atom not found") would repeat our one-line error
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
        with contextlib.suppress(AttributeError):
            cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        self._cap = self._open()
        if not self._cap.isOpened():
            kind = "video file" if is_file else "camera"
            raise SourceError(f"cannot open {kind} {spec!r}" + ("" if is_file else
                              " (is a camera connected and free? try --source synthetic)"))
        if not is_file:
            self.reopen = self._reopen  # a camera that drops out is reconnected (LivePipeline)
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 1.0 <= fps <= 240.0 else 30.0
        self.size = size if is_file else None
        self._next = time.monotonic()
        first = self._grab()
        if first is None:
            self._cap.release()
            raise SourceError(f"{spec!r} opened but delivered no frame")
        if not is_file or self.size is None:
            self.size = (first.shape[1], first.shape[0])  # a reconnected camera keeps the first size
        self._pending: np.ndarray | None = first

    def _open(self):
        import cv2

        cap = cv2.VideoCapture(self._target)
        if cap.isOpened() and self._requested_size and not self.is_file:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self._requested_size[0])
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self._requested_size[1])
        return cap

    def _reopen(self) -> bool:
        """Release the camera and open it again; True when it is open (frames may follow)."""
        self._cap.release()
        self._cap = self._open()
        return bool(self._cap.isOpened())

    def _grab(self) -> np.ndarray | None:
        import cv2

        ok, bgr = self._cap.read()
        if not ok or bgr is None:
            return None
        if bgr.ndim == 2:
            bgr = cv2.cvtColor(bgr, cv2.COLOR_GRAY2BGR)
        if self.size and (bgr.shape[1], bgr.shape[0]) != self.size:
            bgr = cv2.resize(bgr, self.size, interpolation=cv2.INTER_AREA)
        return np.ascontiguousarray(bgr[:, :, ::-1])

    def read(self) -> np.ndarray | None:
        import cv2

        if self._pending is not None:
            frame, self._pending = self._pending, None
            return frame
        if self.is_file:
            now = time.monotonic()
            if self._next > now:
                time.sleep(self._next - now)
            self._next = max(now, self._next) + 1.0 / self.fps
        frame = self._grab()
        if frame is None and self.is_file and self.loop:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            frame = self._grab()
        return frame

    def close(self) -> None:
        self._cap.release()


def parse_size(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UserError(f"size must look like 640x480, got {text!r}") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise UserError(f"size {text} out of range (16..8192 per side)")
    return w, h


def open_source(spec: str, size: tuple[int, int] | None = None, loop: bool = False, fps: float = 30.0,
                frames: int | None = None, realtime: bool = True) -> Source:
    """``synthetic``, a camera index (``0``), a device path (``/dev/video2``), a video file or an image."""
    if spec == "synthetic":
        return SyntheticSource(size or (640, 480), fps=fps, realtime=realtime, frames=frames)
    if spec.isdigit() or spec.startswith("/dev/"):
        return CaptureSource(spec, size=size)
    path = Path(spec)
    if not path.exists():
        raise SourceError(f"source not found: {spec} (use a camera index, a file, or 'synthetic')")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(spec, size=size, fps=fps)
    return CaptureSource(spec, size=size, loop=loop, is_file=True)
