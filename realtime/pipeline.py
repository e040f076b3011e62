"""The threaded live pipeline: capture thread → processing thread → the caller's display loop.

Each hand-over is a :class:`~realtime.frames.LatestSlot`, so a slow stage drops stale
frames instead of queueing them: what is shown is always the newest frame the processor
could finish. Threads wait on the slots' conditions; none spins. ``stop()`` joins them all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from realtime.frames import Frame, LatestSlot
from realtime.sources import Source


class LivePipeline:
    """Run ``process`` on the newest captured frame, in its own thread, as fast as it goes.

    ``read_retries``: how many consecutive failed reads (a camera that stopped delivering)
    are retried, with a short back-off and a status message, before the stream counts as
    ended. A source with a ``reopen()`` method (a camera: unplugged, taken by another
    program, its driver restarted) never ends that way: after the retries it is reopened
    every ``reconnect_delay`` seconds, with a status message, until it delivers again or the
    user quits. The caller takes results with :meth:`get`.
    """

    def __init__(self, source: Source, process: Callable[[Frame], Frame], read_retries: int = 5,
                 retry_delay: float = 0.2, reconnect_delay: float = 2.0) -> None:
        self.source = source
        self.process = process
        self.read_retries = read_retries
        self.retry_delay = retry_delay
        self.reconnect_delay = reconnect_delay
        self.reconnects = 0
        self.captured: LatestSlot[Frame] = LatestSlot()
        self.results: LatestSlot[Frame] = LatestSlot()
        self.status = ""
        self.error: BaseException | None = None
        self.ended = threading.Event()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._capture_loop, name="stylecam-capture", daemon=True),
            threading.Thread(target=self._process_loop, name="stylecam-process", daemon=True),
        ]

    def start(self) -> LivePipeline:
        for t in self._threads:
            t.start()
        return self

    def __enter__(self) -> LivePipeline:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _capture_loop(self) -> None:
        index, failures = 0, 0
        try:
            while not self._stop.is_set():
                image = self.source.read()
                if image is None:
                    failures += 1
                    reopen = getattr(self.source, "reopen", None)
                    if failures > self.read_retries and reopen is None:
                        self.status = f"{self.source.name}: no more frames"
                        break
                    if failures > self.read_retries:
                        attempt = failures - self.read_retries
                        self.status = f"{self.source.name}: lost, reconnecting (attempt {attempt})"
                        if self._stop.wait(self.reconnect_delay):
                            break
                        if reopen():
                            self.reconnects += 1
                        continue
                    self.status = f"{self.source.name}: no frame, retrying ({failures}/{self.read_retries})"
                    self._stop.wait(self.retry_delay * failures)
                    continue
                if failures:
                    self.status, failures = "", 0
                self.captured.put(Frame(image, index))
                index += 1
        except Exception as exc:  # noqa: BLE001 - reported to the display loop, which ends cleanly
            self.error = exc
        finally:
            self.ended.set()
            self.captured.close()

    def _process_loop(self) -> None:
        try:
            while not self._stop.is_set():
                frame = self.captured.get(timeout=0.5)
                if frame is None:
                    if self.captured.closed:
                        break
                    continue
                self.results.put(self.process(frame))
        except Exception as exc:  # noqa: BLE001
            self.error = exc
        finally:
            self.results.close()

    def get(self, timeout: float | None = None) -> Frame | None:
        """The newest processed frame, waiting up to ``timeout`` s; ``None`` on timeout or when the stream ended."""
        return self.results.get(timeout=timeout)

    @property
    def finished(self) -> bool:
        """The source ended (or failed) and every frame it gave has been processed and taken."""
        return self.results.closed and not self._threads[1].is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.captured.close()
        self.results.close()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            if t.is_alive():
                t.join(max(0.0, deadline - time.monotonic()))

    @property
    def alive_threads(self) -> list[str]:
        return [t.name for t in self._threads if t.is_alive()]
