"""Live outputs beside the preview: a virtual camera (pyvirtualcam) and a network stream for OBS.

Each output runs in its own thread behind a short queue (:class:`~realtime.sinks.ThreadedSink`),
so a slow output drops frames (counted) instead of slowing the preview.
"""

from __future__ import annotations

import sys

import numpy as np

from models.errors import UserError
from realtime.frames import Closing

VCAM_HELP = {
    "linux": "on Linux load v4l2loopback: sudo modprobe v4l2loopback devices=1 exclusive_caps=1 card_label=stylecam",
    "win32": "on Windows install OBS Studio 26+ and start its virtual camera once (Tools > Start Virtual Camera)",
    "darwin": "on macOS install OBS Studio 30+ and start its virtual camera once (Start Virtual Camera)",
}


class OutputError(UserError):
    """An output that cannot be opened; the message says what is missing and how to get it."""


class VirtualCamera(Closing):
    """A sink (:class:`realtime.sinks.Sink`): frames to a virtual camera device through pyvirtualcam, paced by
    its frame clock."""

    def __init__(self, size: tuple[int, int], fps: float, device: str | None = None,
                 backend: str | None = None) -> None:
        try:
            import pyvirtualcam
        except ImportError:
            raise OutputError("--vcam needs pyvirtualcam: pip install 'stylecam[vcam]'") from None
        from pyvirtualcam.camera import BACKENDS

        if backend is not None and backend not in BACKENDS:
            raise OutputError(f"virtual camera backend {backend!r} is not available here "
                              f"(available: {', '.join(BACKENDS) or 'none'}); {self.how_to()}")
        w, h = size
        try:
            self.camera = pyvirtualcam.Camera(w, h, fps, fmt=pyvirtualcam.PixelFormat.RGB, device=device,
                                              backend=backend)
        except (RuntimeError, ValueError) as exc:
            reason = " ".join(str(exc).split())
            raise OutputError(f"no virtual camera device ({reason}); {self.how_to()}") from None
        self.name = f"vcam {self.camera.device}"

    @staticmethod
    def how_to() -> str:
        """This platform's fix first, then the others'."""
        first = VCAM_HELP.get(sys.platform, VCAM_HELP["linux"])
        return "; ".join([first, *(v for v in VCAM_HELP.values() if v != first)])

    def write(self, frame: np.ndarray, timestamp: float | None = None) -> None:
        self.camera.send(np.ascontiguousarray(frame))
        self.camera.sleep_until_next_frame()

    def close(self) -> None:
        self.camera.close()


def open_stream(url: str, fps: float, size: tuple[int, int]):
    """A :class:`~video.encode.NetworkStream`, or a one-line error naming the URL."""
    from video.encode import NetworkStream, stream_format

    try:
        stream_format(url)
        return NetworkStream(url, fps, size)
    except ValueError as exc:
        raise OutputError(str(exc)) from None
    except OSError as exc:
        raise OutputError(f"cannot open stream {url}: {exc} (is this protocol in your FFmpeg build?)") from None
