import threading
import time

import numpy as np
import pytest

from realtime.frames import Frame
from realtime.pipeline import LivePipeline
from tests.fakes import ListSource, UnpluggedCamera, numbered_frame


def identity(frame: Frame) -> Frame:
    return frame


def drain(pipe: LivePipeline, limit: float = 10.0) -> list[Frame]:
    """Every frame the pipeline shows until it finishes; fails if that takes more than ``limit`` s."""
    got, deadline = [], time.monotonic() + limit
    while not pipe.finished:
        assert time.monotonic() < deadline, f"the pipeline did not finish within {limit} s"
        f = pipe.get(timeout=0.05)
        if f is not None:
            got.append(f)
    return got


def test_fast_processor_sees_every_frame_in_order():
    source = ListSource([numbered_frame(i) for i in range(20)], fps=25)  # 40 ms a frame: slack for a loaded machine
    with LivePipeline(source, identity, read_retries=0) as pipe:
        got = drain(pipe)
    assert [f.index for f in got] == list(range(20))
    assert all(f.image[0, 0, 0] == f.index for f in got)


def test_slow_processor_skips_stale_frames_instead_of_queueing():
    def slow(frame: Frame) -> Frame:
        threading.Event().wait(0.05)
        return frame

    source = ListSource([numbered_frame(i) for i in range(60)], fps=200)
    with LivePipeline(source, slow, read_retries=0) as pipe:
        got = drain(pipe)
    indices = [f.index for f in got]
    assert indices == sorted(indices) and len(indices) < 40  # frames were dropped, never reordered
    assert pipe.captured.dropped > 20
    assert indices[-1] >= 55  # the end of the stream is still shown


def test_camera_hiccups_are_retried_with_a_status_message():
    frames = [numbered_frame(0), None, None, numbered_frame(1)]
    statuses = []
    source = ListSource(frames, fps=100)
    with LivePipeline(source, identity, read_retries=3, retry_delay=0.01) as pipe:
        got, deadline = [], time.monotonic() + 10
        while not pipe.finished:
            assert time.monotonic() < deadline, f"the pipeline did not finish: {pipe.status!r}"
            f = pipe.get(timeout=0.01)
            statuses.append(pipe.status)
            if f is not None:
                got.append(f.index)
    assert got == [0, 1]
    assert any("retrying" in s for s in statuses)
    assert "no more frames" in pipe.status


def test_processing_error_is_reported_and_threads_end():
    def broken(frame: Frame) -> Frame:
        raise RuntimeError("boom")

    pipe = LivePipeline(ListSource([numbered_frame(0)] * 5), broken, read_retries=0).start()
    drain(pipe)
    pipe.stop()
    assert isinstance(pipe.error, RuntimeError) and pipe.alive_threads == []


def test_stop_joins_threads_while_the_source_still_runs():
    source = ListSource([np.zeros((8, 8, 3), np.uint8)] * 10_000, fps=500)
    pipe = LivePipeline(source, identity).start()
    assert pipe.get(timeout=2.0) is not None
    pipe.stop()
    assert pipe.alive_threads == []


def brighten(frame: Frame) -> Frame:
    """A first stage: the frame one level brighter, the camera picture kept as its original."""
    return Frame(frame.image + 1, frame.index, frame.captured, original=frame.image)


def test_drain_fails_instead_of_hanging_when_the_pipeline_never_finishes():
    source = ListSource([np.zeros((8, 8, 3), np.uint8)] * 10_000, fps=500)
    with LivePipeline(source, identity) as pipe, pytest.raises(AssertionError, match="did not finish"):
        drain(pipe, limit=0.3)


def test_two_stages_deliver_every_frame_in_order_through_both():
    source = ListSource([numbered_frame(i) for i in range(20)], fps=25)
    with LivePipeline(source, brighten, identity, read_retries=0) as pipe:
        got = drain(pipe)
    assert [f.index for f in got] == list(range(20))
    assert all(f.image[0, 0, 0] == f.index + 1 and f.original[0, 0, 0] == f.index for f in got)
    assert pipe.alive_threads == []


def test_a_slow_second_stage_drops_stale_frames_without_reordering_them():
    def slow(frame: Frame) -> Frame:
        threading.Event().wait(0.05)
        return frame

    source = ListSource([numbered_frame(i) for i in range(60)], fps=200)
    with LivePipeline(source, brighten, slow, read_retries=0) as pipe:
        got = drain(pipe)
    indices = [f.index for f in got]
    assert indices == sorted(indices) and len(indices) < 40 and indices[-1] >= 55
    assert pipe.captured.dropped + pipe.slots[1].dropped > 20


def test_error_in_the_second_stage_is_reported_and_all_threads_end():
    def broken(frame: Frame) -> Frame:
        raise RuntimeError("smoothing failed")

    source = ListSource([numbered_frame(0)] * 10_000, fps=200)  # the camera would go on
    pipe = LivePipeline(source, identity, broken).start()
    assert drain(pipe) == []
    pipe.stop()
    assert isinstance(pipe.error, RuntimeError) and str(pipe.error) == "smoothing failed"
    assert pipe.alive_threads == []


def test_stop_joins_capture_and_both_stage_threads():
    def stylize(frame: Frame) -> Frame:
        return frame

    def smooth(frame: Frame) -> Frame:
        return frame

    source = ListSource([np.zeros((8, 8, 3), np.uint8)] * 10_000, fps=500)
    pipe = LivePipeline(source, stylize, smooth).start()
    assert pipe.alive_threads == ["stylecam-capture", "stylecam-stylize", "stylecam-smooth"]
    assert pipe.get(timeout=2.0) is not None
    pipe.stop()
    assert pipe.alive_threads == []


def test_a_camera_that_drops_out_is_reconnected_with_a_status_message():
    source = UnpluggedCamera(before=5, after=5)
    statuses, got = [], []
    with LivePipeline(source, identity, read_retries=2, retry_delay=0.01, reconnect_delay=0.05) as pipe:
        deadline = time.monotonic() + 10
        while len(got) < 10 and time.monotonic() < deadline:
            f = pipe.get(timeout=0.02)
            if f is not None:
                got.append(f)
            statuses.append(pipe.status)
        assert not pipe.finished  # a camera is never given up: the user quits
    assert [int(f.image[0, 0, 0]) for f in got] == [0, 1, 2, 3, 4, 100, 101, 102, 103, 104]
    assert pipe.reconnects == 1 and source.reopens == 2
    assert any("reconnecting" in s for s in statuses)
