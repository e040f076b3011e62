"""Reading video for ``render``: a PyAV container (video plus its audio) or an image sequence.

Frames come out as (``H×W×3 uint8 RGB``, timestamp in seconds); the stream's frame rate,
duration, rotation and audio stream are exposed so that the output can keep them.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from models.errors import UserError
from models.images import MAX_IMAGE_PIXELS

PATTERN = re.compile(r"%0?\d*d")


class InputError(UserError):
    """A file that is not a readable video; the message says what is wrong."""


def check_frame_size(path: str, width: int, height: int) -> None:
    """Refuse frames above the image pixel limit before they are converted (memory stays bounded)."""
    if width * height > MAX_IMAGE_PIXELS:
        raise InputError(f"{path}: {width}x{height} frames are larger than {MAX_IMAGE_PIXELS // 1_000_000} megapixels")


def is_pattern(path: str) -> bool:
    return bool(PATTERN.search(Path(path).name))


@dataclass
class VideoInfo:
    width: int
    height: int
    fps: Fraction
    frames: int | None  # from the container; None when unknown
    duration: float | None  # seconds
    rotation: int  # degrees a player turns the picture (display matrix)
    has_audio: bool


class VideoFileReader:
    """Decode a video file with PyAV. ``packets()`` interleaves decoded video frames with the
    audio packets (undecoded, for copying), in file order, so memory stays flat."""

    def __init__(self, path: str) -> None:
        import av

        p = Path(path)
        if not p.is_file():
            raise InputError(f"input not found: {path}")
        if p.stat().st_size == 0:
            raise InputError(f"{path}: empty file, not a video")
        try:
            self.container = av.open(str(p))
        except (av.error.InvalidDataError, av.error.FFmpegError, OSError, ValueError) as exc:
            raise InputError(f"{path}: not a readable video ({exc.__class__.__name__})") from None
        if not self.container.streams.video:
            self.container.close()
            raise InputError(f"{path}: has no video stream")
        self.path = path
        self.video = self.container.streams.video[0]
        self.video.thread_type = "AUTO"
        self.audio = self.container.streams.audio[0] if self.container.streams.audio else None
        cc = self.video.codec_context
        if cc is None:  # a damaged header names a codec FFmpeg has no decoder for
            self.container.close()
            raise InputError(f"{path}: no decoder for its video stream (damaged or unsupported)")
        check_frame_size(path, cc.width, cc.height)
        fps = self.video.average_rate or self.video.guessed_rate or Fraction(30)
        duration = None
        if self.video.duration is not None and self.video.time_base is not None:
            duration = float(self.video.duration * self.video.time_base)
        elif self.container.duration:
            duration = self.container.duration / 1_000_000
        self.info = VideoInfo(cc.width, cc.height, Fraction(fps), self.video.frames or None, duration,
                              0, self.audio is not None)
        self.corrupt: str | None = None  # set when decoding stopped on a damaged packet

    def packets(self) -> Iterator[tuple[str, object]]:
        """Yields ("video", (image, seconds)) and ("audio", packet) in file order."""
        import av

        streams = [self.video] + ([self.audio] if self.audio is not None else [])
        try:
            for packet in self.container.demux(*streams):
                if packet.stream.type == "audio":
                    if packet.dts is not None:
                        yield "audio", packet
                    continue
                for frame in packet.decode():
                    yield "video", self.convert(frame)
        except av.error.FFmpegError as exc:
            self.corrupt = f"{exc.__class__.__name__}: {exc}"

    def convert(self, frame) -> tuple[np.ndarray, float]:
        check_frame_size(self.path, frame.width, frame.height)
        self.info.rotation = int(getattr(frame, "rotation", 0) or 0)
        seconds = float(frame.time) if frame.time is not None else None
        return frame.to_ndarray(format="rgb24"), seconds

    def close(self) -> None:
        self.container.close()


class ImageSequenceReader:
    """Frames from numbered images (``frames/%05d.jpg``) at ``fps``."""

    def __init__(self, pattern: str, fps: float) -> None:
        from models.images import read_rgb

        self._read = read_rgb
        if fps is None or not 0 < fps <= 1000:  # also refuses nan and inf
            raise InputError(f"an image-sequence input needs --fps between 0 and 1000, got {fps}")
        name = Path(pattern).name
        regex = re.compile("^" + PATTERN.sub(r"(\\d+)", re.escape(name)) + "$")
        candidates = glob.glob(str(Path(pattern).parent / PATTERN.sub("*", name)))
        numbered = []
        for c in candidates:
            m = regex.match(Path(c).name)
            if m:
                numbered.append((int(m.group(1)), c))
        if not numbered:
            raise InputError(f"no images match {pattern}")
        self.files = [f for _, f in sorted(numbered)]
        first = self._read(self.files[0])
        self.fps = Fraction(fps).limit_denominator(1001)
        self.info = VideoInfo(first.shape[1], first.shape[0], self.fps, len(self.files),
                              len(self.files) / float(self.fps), 0, False)
        self.audio = None
        self.corrupt = None

    def packets(self) -> Iterator[tuple[str, object]]:
        for i, f in enumerate(self.files):
            yield "video", (self._read(f), i / float(self.fps))

    def close(self) -> None:
        pass


def open_input(path: str, fps: float | None = None):
    return ImageSequenceReader(path, fps) if is_pattern(path) else VideoFileReader(path)
