"""H.264 encoding with PyAV: MP4 files (written under a temporary name, renamed when complete)
and live network streams (MPEG-TS over UDP/SRT, FLV over RTMP).

Frames are ``H×W×3 uint8 RGB``; they are stamped ``i / fps`` unless ``write`` gets a
timestamp in seconds (variable frame rate: a live recording keeps real time even when
frames were dropped).
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import numpy as np

TIME_BASE = Fraction(1, 90000)


class H264Encoder:
    """An H.264 (yuv420p) video stream in a PyAV output container; ``close`` flushes the encoder.

    ``size`` is the frames' (width, height). yuv420p needs an even size, so a frame of odd width or height
    loses its last column or row here, the one place that does it; ``encoded_size`` is what the video has."""

    def __init__(self, target, fps: float, size: tuple[int, int], *, format: str | None = None,
                 options: dict[str, str] | None = None, container_options: dict[str, str] | None = None,
                 codec: str = "libx264", rotation: int = 0) -> None:
        """``target``: a path or URL to open, or an already open PyAV output container (shared with audio)."""
        import av

        w, h = size
        self.size = (int(w), int(h))
        w, h = self.encoded_size = (w - w % 2, h - h % 2)
        if min(w, h) < 2:
            raise ValueError(f"{size[0]}x{size[1]} frames are too small for an H.264 video")
        if isinstance(target, str):
            self.container = av.open(target, mode="w", format=format, options=container_options or {})
        else:
            self.container = target
        try:
            self.rate = Fraction(fps).limit_denominator(1001)
            self.stream = self.container.add_stream(codec, rate=self.rate)
            self.stream.width, self.stream.height = w, h
            self.stream.pix_fmt = "yuv420p"
            self.stream.options = options or {}
            self.stream.codec_context.time_base = TIME_BASE
            if rotation:
                self.stream.set_display_rotation(rotation)
        except Exception:
            self.container.close()
            raise
        self._last_pts = -1
        self.frames = 0

    def write(self, image: np.ndarray, timestamp: float | None = None) -> None:
        import av

        if (image.shape[1], image.shape[0]) != self.size:
            raise ValueError(f"frame {image.shape[1]}x{image.shape[0]} does not match the video's {self.size}")
        w, h = self.encoded_size
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image[:h, :w]), format="rgb24")
        self._encode(frame, self.frames / self.rate if timestamp is None else timestamp)

    def write_frame(self, frame, timestamp: float) -> None:
        """A decoded ``av.VideoFrame`` of the encoded size (a lossless intermediate's), encoded as it is: no
        conversion through RGB. The decoder's picture type is dropped, so that this encoder alone decides
        where its keyframes go (x264 would otherwise make every incoming I-frame a keyframe)."""
        from av.video.frame import PictureType

        if (frame.width, frame.height) != self.encoded_size:
            raise ValueError(f"frame {frame.width}x{frame.height} does not match the video's {self.encoded_size}")
        if frame.format.name != "yuv420p":
            frame = frame.reformat(format="yuv420p")
        frame.pict_type = PictureType.NONE
        self._encode(frame, timestamp)

    def _encode(self, frame, seconds: float) -> None:
        """Stamp ``frame`` at ``seconds`` (never at or before the last frame) and encode it."""
        pts = max(round(seconds / TIME_BASE), self._last_pts + 1)
        frame.pts, frame.time_base = pts, TIME_BASE
        self._last_pts = pts
        for packet in self.stream.encode(frame):
            self.container.mux(packet)
        self.frames += 1

    def continue_after(self, frames: int, seconds: float) -> None:
        """Number and stamp the next frames as if ``frames`` frames, the last at ``seconds``, came before
        (a resumed render whose first part is copied in separately)."""
        self.frames = frames
        self._last_pts = round(seconds / TIME_BASE)

    def flush(self) -> None:
        """Drain the encoder's delayed frames into the container (the end of the stream)."""
        for packet in self.stream.encode():
            self.container.mux(packet)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.container.close()

    def __enter__(self) -> H264Encoder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class VideoWriter:
    """An MP4 file (H.264, yuv420p, ``+faststart``) that appears under its name only once complete.

    Until :meth:`close` has flushed the encoder the data is in ``.NAME.part.mp4``;
    :meth:`abort` removes it.
    """

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int], crf: int = 20,
                 preset: str = "veryfast", codec: str = "libx264", tune: str | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.path.with_name(f".{self.path.stem}.part{self.path.suffix}")
        options = {"crf": str(crf), "preset": preset, **({"tune": tune} if tune else {})}
        self._encoder = H264Encoder(str(self.tmp), fps, size, format="mp4", options=options,
                                    container_options={"movflags": "+faststart"}, codec=codec)
        self.size = size

    @property
    def frames(self) -> int:
        return self._encoder.frames

    def write(self, image: np.ndarray, timestamp: float | None = None) -> None:
        self._encoder.write(image, timestamp)

    def close(self) -> Path:
        """Flush the encoder, finish the file and move it to its final name."""
        self._encoder.close()
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        try:
            self._encoder.container.close()
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


STREAM_SCHEMES = {"udp": "mpegts", "srt": "mpegts", "rtmp": "flv", "rtmps": "flv", "tcp": "mpegts"}


def stream_format(url: str) -> str:
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in STREAM_SCHEMES:
        raise ValueError(f"unsupported stream URL {url!r}: use udp://HOST:PORT, srt://HOST:PORT or rtmp://...")
    return STREAM_SCHEMES[scheme]


class NetworkStream(H264Encoder):
    """A low-latency H.264 stream for OBS's Media Source: MPEG-TS over UDP/SRT or FLV over RTMP.

    x264 runs with ``preset=ultrafast, tune=zerolatency``, no B-frames and a keyframe every
    second, so a receiver that joins late starts within a second.
    """

    def __init__(self, url: str, fps: float, size: tuple[int, int], bitrate_kbps: int = 4000) -> None:
        fmt = stream_format(url)
        gop = str(max(1, round(fps)))
        options = {"preset": "ultrafast", "tune": "zerolatency", "g": gop, "bf": "0",
                   "b": f"{bitrate_kbps}k", "maxrate": f"{bitrate_kbps}k", "bufsize": f"{bitrate_kbps}k"}
        target = url
        if url.startswith("udp://") and "pkt_size" not in url:
            target += ("&" if "?" in url else "?") + "pkt_size=1316"
        super().__init__(target, fps, size, format=fmt, options=options)
        self.url = url
