"""The threaded live pipeline: capture thread → one thread per stage → the caller's display loop.

The live app runs two stages, stylize (the network) and smooth (temporal smoothing and the
upscale to the frame), so each keeps up with the camera on its own and each measures only
its own time. Each hand-over is a :class:`~realtime.frames.LatestSlot`, so a slow stage
drops stale items instead of queueing them: what is shown is always the newest frame the
stages could finish, and frames never overtake each other. Threads wait on the slots'
conditions; none spins. An error in any thread stops them all and is kept in ``error`` for
the display loop. ``stop()`` joins them all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from realtime.frames import Frame, LatestSlot
from realtime.sources import Source


class LivePipeline:
    """Run ``stages`` on the newest captured frame, each in its own thread, as fast as they go.

    The first stage takes a :class:`~realtime.frames.Frame`, each later one what the stage
    before it returned, and the last returns the frame to show. ``read_retries``: how many
    consecutive failed reads (a camera that stopped delivering) are retried, with a short
    back-off and a status message, before the stream counts as ended. A source with a
    ``reopen()`` method (a camera: unplugged, taken by another program, its driver restarted)
    never ends that way: after the retries it is reopened every ``reconnect_delay`` seconds,
    with a status message, until it delivers again or the user quits. The caller takes
    results with :meth:`get`.
    """

    def __init__(self, source: Source, *stages: Callable[[Any], Any], read_retries: int = 5,
                 retry_delay: float = 0.2, reconnect_delay: float = 2.0) -> None:
        if not stages:
            raise ValueError("a pipeline needs at least one stage")
        self.source = source
        self.stages = stages
        self.read_retries = read_retries
        self.retry_delay = retry_delay
        self.reconnect_delay = reconnect_delay
        self.reconnects = 0
        self.captured: LatestSlot[Frame] = LatestSlot()
        # the hand-overs: captured frames, then each stage's results (the last: what the display takes)
        self.slots: list[LatestSlot] = [self.captured] + [LatestSlot() for _ in stages]
        self.results: LatestSlot[Frame] = self.slots[-1]
        self.status = ""
        self.error: BaseException | None = None
        self.ended = threading.Event()
        self._stop = threading.Event()
        self._error_lock = threading.Lock()
        self._threads = [threading.Thread(target=self._capture_loop, name="stylecam-capture", daemon=True)]
        self._stage_threads = [
            threading.Thread(target=self._stage_loop, args=(stage, self.slots[i], self.slots[i + 1]),
                             name=f"stylecam-{_stage_name(stage, i)}", daemon=True)
            for i, stage in enumerate(stages)]
        self._threads += self._stage_threads

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
            self._fail(exc)
        finally:
            self.ended.set()
            self.captured.close()

    def _stage_loop(self, stage: Callable[[Any], Any], inbox: LatestSlot, outbox: LatestSlot) -> None:
        try:
            while not self._stop.is_set():
                item = inbox.get(timeout=0.5)
                if item is None:
                    if inbox.closed:
                        break
                    continue
                outbox.put(stage(item))
        except Exception as exc:  # noqa: BLE001 - reported to the display loop, which ends cleanly
            self._fail(exc)
        finally:
            outbox.close()

    def _fail(self, exc: BaseException) -> None:
        """Keep the first error and stop every thread: the display loop ends and re-raises it."""
        with self._error_lock:
            if self.error is None:
                self.error = exc
        self._stop.set()

    def get(self, timeout: float | None = None) -> Frame | None:
        """The newest processed frame, waiting up to ``timeout`` s; ``None`` on timeout or when the stream ended."""
        return self.results.get(timeout=timeout)

    @property
    def finished(self) -> bool:
        """The source ended (or a thread failed) and every frame it gave has been processed and taken."""
        return self.results.closed and not any(t.is_alive() for t in self._stage_threads)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for slot in self.slots:
            slot.close()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            if t.is_alive():
                t.join(max(0.0, deadline - time.monotonic()))

    @property
    def alive_threads(self) -> list[str]:
        return [t.name for t in self._threads if t.is_alive()]


def _stage_name(stage: Callable, index: int) -> str:
    """A thread name for a stage: its function's name (``stylize``, ``smooth``), else its position."""
    name = getattr(stage, "__name__", "") or type(stage).__name__.lower()
    return name if name.isidentifier() else f"stage{index + 1}"
