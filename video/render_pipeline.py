"""Render's pipeline: motion, network and smoothing overlap, each in its own thread, in frame order.

The render loop (:func:`video.render.render`) decodes and encodes in its own thread and hands
frames to :class:`RenderPipeline`, whose stages each run in a thread of their own with bounded
queues between them (memory stays flat, whatever the clip's length):

1. **motion** (temporal consistency only): the optical flow from the previous input frame, both
   directions at once, and its reliability (:meth:`video.temporal.TemporalSmoother.motion`). It
   needs the input frames only, so it runs ahead: the flow of frames t+1, t+2 … is computed while
   the network works on t;
2. **network**: ``stylizer.stylize_small`` (the first half of :mod:`video.stylize_step`); with ``batch`` > 1
   (a GPU: :func:`models.inference.device.frame_batch`) it takes every frame waiting for it, up to ``batch``,
   into one call of the network (``stylize_small_batch``), without waiting for more: where the network
   keeps up, frames go one by one; where it is the slow stage, they queue and go in batches;
3. **smooth**: :func:`video.stylize_step.smooth_then_finish` (the warp of the previous output, the
   blend, texture restoration, then the scale-up and the strength blend).

Unlike the live loop's one-slot hand-overs, nothing is dropped: every frame comes out, in order. An
exception in a stage (a ``KeyboardInterrupt`` raised inside a stylizer included) travels down in
order: :meth:`RenderPipeline.results` gives every frame before it, then raises it, so a render
stopped there keeps exactly the frames stylized before it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.inference.device import frame_batch
from video.stylize_step import smooth_then_finish

_END = object()  # no more items


@dataclass
class Job:
    """One frame through the pipeline: in ``image`` (with its ``seconds``), out ``output``."""

    image: np.ndarray
    seconds: float | None
    motion: Any = None
    network_in: np.ndarray | None = None
    network_out: np.ndarray | None = None
    output: np.ndarray | None = None


@dataclass
class _Failed:
    error: BaseException


@dataclass(frozen=True)
class Batched:
    """A stage that takes a list of up to ``size`` items (those waiting, in order) and returns their results."""

    fn: Callable[[list[Any]], list[Any]]
    size: int

    @property
    def __name__(self) -> str:
        return getattr(self.fn, "__name__", "batched")


class OrderedStages:
    """Items through ``stages`` in order, one thread per stage, a queue of ``depth`` before each stage and
    after the last (before a :class:`Batched` stage, room for two of its batches). ``put`` blocks while the
    first queue is full; ``get`` returns results in order."""

    def __init__(self, stages: list[Callable[[Any], Any] | Batched], depth: int = 2, name: str = "stylecam") -> None:
        if not stages:
            raise ValueError("a pipeline needs at least one stage")
        sizes = [max(depth, 2 * s.size) if isinstance(s, Batched) else depth for s in stages] + [depth]
        self._queues = [queue.Queue(n) for n in sizes]
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(stage, self._queues[i], self._queues[i + 1]),
                                          name=f"{name}-{getattr(stage, '__name__', i)}", daemon=True)
                         for i, stage in enumerate(stages)]
        for t in self._threads:
            t.start()

    def _loop(self, stage: Callable[[Any], Any] | Batched, inbox: queue.Queue, outbox: queue.Queue) -> None:
        failed, held = False, None  # held: an item taken while gathering a batch, not part of it
        while not self._stop.is_set():
            if held is not None:
                item, held = held, None
            else:
                try:
                    item = inbox.get(timeout=0.1)
                except queue.Empty:
                    continue
            if item is not _END and not isinstance(item, _Failed) and not failed:
                if isinstance(stage, Batched):
                    items, held = self._gather(item, inbox, stage.size)
                    try:
                        results = stage.fn(items)
                    except BaseException as exc:  # noqa: BLE001 - handed down in order, raised by get()
                        results, failed = [_Failed(exc)], True
                    for result in results:
                        if not self._put(outbox, result):
                            return
                    continue
                try:
                    item = stage(item)
                except BaseException as exc:  # noqa: BLE001 - handed down in order, raised by get()
                    item, failed = _Failed(exc), True
            elif failed and item is not _END:
                continue  # after a failure only the end goes on
            if not self._put(outbox, item) or item is _END:
                return

    @staticmethod
    def _gather(first: Any, inbox: queue.Queue, size: int) -> tuple[list[Any], Any]:
        """``first`` and the items already waiting after it, up to ``size``; an end or failure marker met on the
        way is handed back (second value) to go on after the batch."""
        items = [first]
        while len(items) < size:
            try:
                item = inbox.get_nowait()
            except queue.Empty:
                break
            if item is _END or isinstance(item, _Failed):
                return items, item
            items.append(item)
        return items, None

    def _put(self, q: queue.Queue, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def put(self, item: Any, timeout: float | None = None) -> bool:
        """Hand ``item`` to the first stage; ``False`` when the first queue stayed full for ``timeout`` s."""
        try:
            self._queues[0].put(item, timeout=timeout)
            return True
        except queue.Full:
            return False

    def end(self) -> None:
        """No more items: :meth:`get` returns ``_END`` after the last result."""
        self._queues[0].put(_END)

    def get(self, timeout: float | None = None) -> Any:
        """The next result in order (raising a stage's exception in its place); ``None`` on timeout; the
        module's end marker once every result has been taken after :meth:`end`."""
        try:
            item = self._queues[-1].get(timeout=timeout)
        except queue.Empty:
            return None
        if isinstance(item, _Failed):
            raise item.error
        return item

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout)


class RenderPipeline:
    """Frames of one render in, stylized (and temporally consistent) frames out, in order.

    ``stylizer``: a frame stylizer (``stylize_small``/``finish``, :mod:`video.stylize_step`); ``smoother``:
    a :class:`~video.temporal.TemporalSmoother` (``None``: per-frame); ``batch``: the most frames one call
    of the network takes (``stylize_small_batch`` where the stylizer has it; default: the stylizer's
    device's). ``submit`` blocks while ``depth`` frames wait for the first stage; ``ready()`` yields the finished
    frames without waiting, ``drain()`` every frame still in flight once the input has ended."""

    def __init__(self, stylizer, smoother=None, depth: int = 2, batch: int | None = None) -> None:
        self.stylizer, self.smoother = stylizer, smoother
        if batch is None:  # the device's own (models.inference.device.frame_batch); 1 for a stylizer without one
            device = getattr(stylizer, "device", None)
            batch = frame_batch(device) if device is not None else 1
        network = Batched(self.network_batch, batch) if batch > 1 else self.network
        stages = [network, self.smooth]
        if smoother is not None:
            stages.insert(0, self.motion)
        self._stages = OrderedStages(stages, depth=depth, name="stylecam-render")
        self._ended = False

    def motion(self, job: Job) -> Job:
        job.motion = self.smoother.motion(job.image)
        return job

    def network(self, job: Job) -> Job:
        job.network_in, job.network_out = self.stylizer.stylize_small(job.image)
        return job

    def network_batch(self, jobs: list[Job]) -> list[Job]:
        batch = getattr(self.stylizer, "stylize_small_batch", None)
        images = [job.image for job in jobs]
        results = batch(images) if batch is not None else [self.stylizer.stylize_small(i) for i in images]
        for job, (small, out) in zip(jobs, results):
            job.network_in, job.network_out = small, out
        return jobs

    def smooth(self, job: Job) -> Job:
        job.output = smooth_then_finish(job.network_out, job.image, job.network_in, self.smoother,
                                        self.stylizer.finish, motion=job.motion)
        job.network_in = job.network_out = job.motion = None
        return job

    def submit(self, image: np.ndarray, seconds: float | None) -> Iterator[Job]:
        """Hand a frame in; yields the frames that finished meanwhile (waiting for room, never for them)."""
        job = Job(image, seconds)
        while not self._stages.put(job, timeout=0.05):
            yield from self.ready()
        yield from self.ready()

    def ready(self) -> Iterator[Job]:
        while (job := self._stages.get(timeout=0)) is not None:
            yield job

    def drain(self) -> Iterator[Job]:
        """Every frame still in flight, in order, after the last ``submit``."""
        if not self._ended:
            self._stages.end()
            self._ended = True
        while True:
            job = self._stages.get(timeout=0.5)
            if job is _END:
                return
            if job is not None:
                yield job

    def close(self) -> None:
        self._stages.stop()

    def __enter__(self) -> RenderPipeline:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
