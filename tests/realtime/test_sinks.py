"""The sink contract (realtime.sinks.Sink): every sink takes ``write(frame, timestamp)`` and ``close()`` and is a
context manager; a threaded sink never blocks its caller."""

from __future__ import annotations

import time

import numpy as np

from realtime.sinks import NullSink, ThreadedSink, recorder
from tests.fakes import ListSink, numbered_frame
from tests.video.media import probe


def test_feature_every_sink_takes_frames_with_times_and_closes_on_leaving_its_block(tmp_path):
    frames = [numbered_frame(i, (33, 25)) for i in range(5)]  # odd: the recorder's encoder evens it
    inner = ListSink()
    with NullSink() as display, ThreadedSink(inner) as threaded, \
            recorder(tmp_path / "r.mp4", 10, (33, 25)) as rec:
        for i, f in enumerate(frames):
            for sink in (display, threaded, rec):
                sink.write(f, i / 10)
    assert display.frames == 5 and np.array_equal(display.last, frames[-1][:, :, ::-1])
    assert inner.closed and inner.got == [(i, i / 10) for i in range(5)]
    info = probe(tmp_path / "r.mp4")
    assert info["size"] == (32, 24) and info["times"] == [0.0, 0.1, 0.2, 0.3, 0.4]


def test_feature_a_slow_sink_drops_frames_instead_of_blocking_the_caller():
    slow = ThreadedSink(ListSink(delay=0.05), max_queue=2)
    t0 = time.perf_counter()
    for i in range(20):
        slow.write(numbered_frame(i))
    assert time.perf_counter() - t0 < 0.05 and slow.dropped > 0
    assert slow.close() == "closed" and slow.written + slow.dropped == 20
