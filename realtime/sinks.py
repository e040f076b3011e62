"""Where live frames go: the preview window (a display), a recorder, the outputs (:mod:`realtime.outputs`),
a null display for benchmarks.

Every sink has one contract, :class:`Sink`: ``write(frame, timestamp=None)`` with ``H×W×3 uint8 RGB``
frames (the window converts to OpenCV's BGR here, where the frame leaves) and ``close()``; sinks are
context managers. A :class:`Display` is a sink the user looks at and types into.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from realtime.frames import Closing

WINDOW_TITLE = "stylecam"


class Sink(Protocol):
    """Takes frames. ``timestamp``: seconds since the sink's first frame (a recorder and a stream keep real
    time with it; a display ignores it)."""

    def write(self, frame: np.ndarray, timestamp: float | None = None) -> None: ...

    def close(self) -> object: ...

    def __enter__(self): ...

    def __exit__(self, *exc) -> None: ...


class Display(Sink, Protocol):
    """A sink the user looks at: it reports key presses and whether it was closed."""

    closed: bool

    def poll_key(self, wait_ms: int = 1) -> int: ...

    def toggle_fullscreen(self) -> None: ...


class WindowSink(Closing):
    """An OpenCV highgui window. Must be used from the main thread.

    ``poll_key`` returns the pressed key code (``cv2.waitKeyEx``) or -1; ``closed`` is true
    once the user closed the window with the mouse.
    """

    def __init__(self, title: str = WINDOW_TITLE, fullscreen: bool = False) -> None:
        import cv2

        self.title = title
        cv2.namedWindow(title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        self._shown = False
        self.fullscreen = False
        if fullscreen:
            self.toggle_fullscreen()

    def write(self, frame: np.ndarray, timestamp: float | None = None) -> None:
        import cv2

        if not self._shown:
            cv2.resizeWindow(self.title, frame.shape[1], frame.shape[0])
        cv2.imshow(self.title, np.ascontiguousarray(frame[:, :, ::-1]))
        self._shown = True

    def poll_key(self, wait_ms: int = 1) -> int:
        import cv2

        return cv2.waitKeyEx(max(1, wait_ms))

    @property
    def closed(self) -> bool:
        import cv2

        if not self._shown:
            return False
        try:
            return cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            return True

    def toggle_fullscreen(self) -> None:
        import cv2

        self.fullscreen = not self.fullscreen
        mode = cv2.WINDOW_FULLSCREEN if self.fullscreen else cv2.WINDOW_NORMAL
        cv2.setWindowProperty(self.title, cv2.WND_PROP_FULLSCREEN, mode)

    def close(self) -> None:
        import cv2

        try:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
        except cv2.error:
            pass



class NullSink(Closing):
    """Does what the window does to a frame (BGR conversion, a contiguous copy) without a display."""

    def __init__(self) -> None:
        self.frames = 0
        self.last: np.ndarray | None = None

    def write(self, frame: np.ndarray, timestamp: float | None = None) -> None:
        self.last = np.ascontiguousarray(frame[:, :, ::-1])
        self.frames += 1

    def poll_key(self, wait_ms: int = 1) -> int:
        return -1

    closed = False

    def toggle_fullscreen(self) -> None:
        pass

    def close(self) -> None:
        pass



class ThreadedSink(Closing):
    """Run a slow sink (an encoder, a network stream) in its own thread behind a bounded queue.

    ``write`` never blocks the caller: when the queue is full the frame is dropped and
    counted in ``dropped``. ``close`` drains the queue, closes the inner sink and joins.
    """

    def __init__(self, inner, max_queue: int = 30, name: str = "stylecam-sink") -> None:
        self.inner = inner
        self.dropped = 0
        self.written = 0
        self.error: BaseException | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=max_queue)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                break
            if self.error is not None:
                continue
            try:
                self.inner.write(*item)  # (frame, timestamp)
                self.written += 1
            except Exception as exc:  # noqa: BLE001 - reported by close()
                self.error = exc

    def write(self, frame: np.ndarray, timestamp: float | None = None) -> None:
        """Queue ``frame`` for the inner sink; a full queue drops it (counted)."""
        try:
            self._queue.put_nowait((frame, timestamp))
        except queue.Full:
            self.dropped += 1

    def close(self):
        self._queue.put(None)
        self._thread.join()
        if self.error is not None:
            abort = getattr(self.inner, "abort", None)
            if abort:
                abort()
            raise self.error
        return self.inner.close()



def recording_writer(path: str | Path, fps: float, size: tuple[int, int]):
    """The recorder's encoder (H.264 at its settings), writing in the caller's thread."""
    from video.encode import VideoWriter

    return VideoWriter(path, fps, size, preset="veryfast")


def recorder(path: str | Path, fps: float, size: tuple[int, int]) -> ThreadedSink:
    """An MP4 recorder (H.264) that encodes in its own thread."""
    return ThreadedSink(recording_writer(path, fps, size), max_queue=60, name="stylecam-recorder")
