"""video.render_pipeline: ordered stages in threads, bounded, errors in order; the pipeline's frames equal the
one-by-one step's, and the motion stage runs ahead of the network."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from tests.video.conftest import shift
from video.render_pipeline import Batched, OrderedStages, RenderPipeline
from video.stylize_step import PerFrame, smooth_then_finish
from video.temporal import TemporalSmoother, render_smoother


def _all(stages: OrderedStages, n: int) -> list:
    out = []
    while len(out) < n:
        item = stages.get(timeout=5)
        assert item is not None, "a result did not come"
        out.append(item)
    return out


def test_feature_items_come_out_in_order_through_every_stage():
    stages = OrderedStages([lambda x: x * 2, lambda x: (time.sleep(0.001 * (x % 3)), x + 1)[1]], depth=2)
    try:
        out = []
        for i in range(20):
            while not stages.put(i, timeout=0.01):  # full: take what is done (the queues are bounded)
                out += _all(stages, 1)
        out += _all(stages, 20 - len(out))
        assert out == [2 * i + 1 for i in range(20)]
    finally:
        stages.stop()


def test_feature_put_blocks_when_the_first_queue_is_full():
    gate = threading.Event()
    stages = OrderedStages([lambda x: (gate.wait(5), x)[1]], depth=1)
    try:
        accepted = sum(stages.put(i, timeout=0.05) for i in range(10))
        assert 1 <= accepted <= 4  # one in the stage, one queued before and one after it: bounded, not 10
        gate.set()
        assert _all(stages, accepted) == list(range(accepted))
    finally:
        stages.stop()


@pytest.mark.parametrize("error", [ValueError("bad frame"), KeyboardInterrupt()])
def test_exception_comes_after_the_items_before_it_and_stops_the_rest(error):
    def stage(x):
        if x == 5:
            raise error
        return x

    stages = OrderedStages([stage, lambda x: x], depth=8)
    try:
        for i in range(8):
            stages.put(i, timeout=5)
        assert _all(stages, 5) == [0, 1, 2, 3, 4]
        with pytest.raises(type(error)):
            stages.get(timeout=5)
        assert stages.get(timeout=0.3) is None  # nothing after the failure
    finally:
        stages.stop()


def test_feature_a_batched_stage_takes_what_waits_keeps_the_order_and_hands_errors_down():
    gate, sizes = threading.Event(), []

    def batched(items):
        sizes.append(len(items))
        gate.wait(5)  # the first call holds the stage: the next items queue before it meanwhile
        if 13 in items:
            raise ValueError("bad frame")
        return [x * 10 for x in items]

    stages = OrderedStages([lambda x: x, Batched(batched, 4), lambda x: x + 1], depth=2)
    try:
        for i in range(6):
            assert stages.put(i, timeout=5)
        # the first call holds the batched stage and the other items wait before it (a condition, not a pause)
        deadline = time.monotonic() + 10
        while not (len(sizes) == 1 and stages._queues[1].qsize() == 6 - sizes[0]) and time.monotonic() < deadline:
            time.sleep(0.005)
        waiting = 6 - sizes[0]
        assert len(sizes) == 1 and stages._queues[1].qsize() == waiting > 1
        gate.set()
        assert _all(stages, 6) == [10 * i + 1 for i in range(6)]
        assert sum(sizes) == 6 and sizes[1] == min(4, waiting)  # what waited went in one call, up to the batch's size
        for i in range(10, 16):
            stages.put(i, timeout=5)
        got = []
        with pytest.raises(ValueError):
            while True:
                got += _all(stages, 1)
        assert got == [10 * i + 1 for i in range(10, len(got) + 10)] and len(got) < 4  # the batches before it
        assert stages.get(timeout=0.3) is None
    finally:
        stages.stop()


def _clip(texture, n=8):
    return [shift(texture, 3 * i, i) for i in range(n)]


def _noisy(seed=0):
    rng = np.random.default_rng(seed)
    return lambda frame: np.clip(255 - frame.astype(int) + rng.integers(-30, 30, frame.shape), 0, 255).astype(
        np.uint8)


def test_feature_the_pipeline_gives_the_frames_of_the_step_done_one_by_one(texture):
    frames = _clip(texture)
    stylize = PerFrame(_noisy())
    smoother = TemporalSmoother(strength=0.6, method="dis", preset="medium", flow_width=None)
    expected = []
    for f in frames:
        small_in, small_out = stylize.stylize_small(f)
        expected.append(smooth_then_finish(small_out, f, small_in, smoother, stylize.finish))
    got = []
    with RenderPipeline(PerFrame(_noisy()), render_smoother()) as pipe:
        for f in frames:
            got += [job.output for job in pipe.submit(f, None)]
        got += [job.output for job in pipe.drain()]
    assert len(got) == len(frames)
    for a, b in zip(got, expected):
        assert np.array_equal(a, b)
    plain_stylize = _noisy()  # the same noise, frame after frame, as the pipeline's stylizer drew it
    plain = [plain_stylize(f) for f in frames]
    assert np.array_equal(got[0], plain[0])  # the first frame has nothing to be smoothed with
    assert all(not np.array_equal(g, p) for g, p in zip(got[1:], plain[1:]))  # smoothed, not the plain stylization


def test_feature_motion_runs_ahead_of_the_network(texture):
    """While the network works on one frame, the flow of the next frames is being computed."""
    events: list[tuple[str, int]] = []

    class SlowNet(PerFrame):
        def stylize_small(self, frame):
            events.append(("network", int(frame[0, 0, 0])))
            time.sleep(0.05)
            return frame, 255 - frame

    class Recording(TemporalSmoother):
        def motion(self, frame):
            events.append(("motion", int(frame[0, 0, 0])))
            return super().motion(frame)

    frames = []
    for i in range(6):
        f = shift(texture, 2 * i, 0).copy()
        f[0, 0] = i  # a label
        frames.append(f)
    with RenderPipeline(SlowNet(lambda f: f), Recording(flow_width=80)) as pipe:
        for f in frames:
            list(pipe.submit(f, None))
        out = list(pipe.drain())
    assert len(out) == 6
    network_starts = [i for i, (kind, _) in enumerate(events) if kind == "network"]
    motions_before_second_network = [e for e in events[:network_starts[1]] if e[0] == "motion"]
    assert len(motions_before_second_network) >= 2  # the next frame's motion did not wait for the network


def test_feature_a_batched_network_gives_the_frames_of_one_by_one(texture):
    """Batches (a GPU's) change how many frames a network call takes, not the frames: the pipeline's output
    equals the unbatched one, and batches did form while the network was the slow stage."""
    calls: list[int] = []  # the size of every call of the network

    class SlowBatchNet(PerFrame):
        def stylize_small(self, frame):
            calls.append(1)
            time.sleep(0.03)
            return frame, self.fn(frame)

        def stylize_small_batch(self, frames):
            calls.append(len(frames))
            time.sleep(0.03)
            return [(f, self.fn(f)) for f in frames]

    frames = _clip(texture, 12)
    runs = {}
    for batch in (1, 4):
        got, calls[:] = [], []
        with RenderPipeline(SlowBatchNet(lambda f: 255 - f), render_smoother(), batch=batch) as pipe:
            for f in frames:
                got += [job.output for job in pipe.submit(f, None)]
            got += [job.output for job in pipe.drain()]
        runs[batch] = (got, list(calls))
    assert all(np.array_equal(a, b) for a, b in zip(*(runs[b][0] for b in (1, 4)))) and len(runs[4][0]) == 12
    assert runs[1][1] == [1] * 12
    assert max(runs[4][1]) > 1 and max(runs[4][1]) <= 4 and sum(runs[4][1]) == 12
