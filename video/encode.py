"""Writing H.264 MP4 files with PyAV, written under a temporary name and renamed when complete."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import numpy as np


class VideoWriter:
    """Encode ``H×W×3 uint8 RGB`` frames to an MP4 (H.264, yuv420p, ``+faststart``).

    Frames are stamped ``i / fps`` unless :meth:`write` is given a timestamp in seconds
    (variable frame rate: a live recording keeps real time even when frames were dropped).

    The file appears under its name only after :meth:`close` has flushed the encoder; until
    then it is ``.NAME.part``. :meth:`abort` removes the partial file.
    """

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int], crf: int = 20,
                 preset: str = "veryfast", codec: str = "libx264", tune: str | None = None) -> None:
        import av

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.path.with_name(f".{self.path.stem}.part{self.path.suffix}")
        w, h = size
        if w % 2 or h % 2:
            raise ValueError(f"H.264 with yuv420p needs an even frame size, got {w}x{h}")
        self.size = size
        self._container = av.open(str(self.tmp), mode="w", options={"movflags": "+faststart"})
        rate = Fraction(fps).limit_denominator(1001)
        self._stream = self._container.add_stream(codec, rate=rate)
        self._stream.width, self._stream.height = w, h
        self._stream.pix_fmt = "yuv420p"
        options = {"crf": str(crf), "preset": preset}
        if tune:
            options["tune"] = tune
        self._stream.options = options
        self._stream.codec_context.time_base = Fraction(1, 90000)
        self._rate = rate
        self._last_pts = -1
        self.frames = 0

    def write(self, image: np.ndarray, timestamp: float | None = None) -> None:
        import av

        if (image.shape[1], image.shape[0]) != self.size:
            raise ValueError(f"frame {image.shape[1]}x{image.shape[0]} does not match the video's {self.size}")
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        seconds = self.frames / self._rate if timestamp is None else timestamp
        pts = max(round(seconds * 90000), self._last_pts + 1)
        frame.pts, frame.time_base = pts, Fraction(1, 90000)
        self._last_pts = pts
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames += 1

    def close(self) -> Path:
        """Flush the encoder, finish the file and move it to its final name."""
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        try:
            self._container.close()
        except Exception:  # noqa: BLE001 - the file is removed either way
            pass
        self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
