import time

import numpy as np
import pytest

from models.images import write_rgb
from realtime.sources import SourceError, open_source
from video.encode import VideoWriter


def test_synthetic_source_is_deterministic_moving_and_sized():
    a = open_source("synthetic", size=(96, 64), realtime=False, frames=3)
    frames = [a.read() for _ in range(4)]
    assert frames[-1] is None
    assert frames[0].shape == (64, 96, 3) and frames[0].dtype == np.uint8
    assert not np.array_equal(frames[0], frames[2])
    b = open_source("synthetic", size=(96, 64), realtime=False)
    np.testing.assert_array_equal(b.frame_at(2), frames[2])


def test_image_source_repeats_the_picture(tmp_path, photo):
    src = open_source(str(write_rgb(tmp_path / "p.png", photo)), fps=500)
    np.testing.assert_array_equal(src.read(), photo)
    np.testing.assert_array_equal(src.read(), photo)


def test_video_file_source_reads_rgb_and_loops(tmp_path):
    path = tmp_path / "clip.mp4"
    with VideoWriter(path, 60, (32, 24)) as w:
        for i in range(3):
            w.write(np.full((24, 32, 3), (200, 40, 40) if i % 2 == 0 else (40, 40, 200), np.uint8))
    src = open_source(str(path), loop=True)
    frames = [src.read() for _ in range(7)]
    assert all(f is not None and f.shape == (24, 32, 3) for f in frames)
    assert frames[0][..., 0].mean() > 150  # red stays red: RGB order, not BGR
    src.close()


@pytest.mark.parametrize("spec", ["/no/such/file.mp4", "7"])
def test_unopenable_source_names_itself(spec):
    with pytest.raises(SourceError, match=spec.replace("/", ".") if "/" not in spec else "not found"):
        open_source(spec)


def test_a_camera_source_reopens_its_device_and_keeps_its_first_size(tmp_path):
    from realtime.pipeline import LivePipeline
    from realtime.sources import CaptureSource

    path = tmp_path / "camera.mp4"  # stands in for a device: it "drops out" when the file ends
    with VideoWriter(path, 60, (32, 24)) as w:
        for i in range(4):
            w.write(np.full((24, 32, 3), 60 * i, np.uint8))
    camera = CaptureSource(str(path))
    assert callable(camera.reopen)
    got = []
    with LivePipeline(camera, lambda f: f, read_retries=1, retry_delay=0.01, reconnect_delay=0.01) as pipe:
        deadline = time.monotonic() + 20  # a camera never ends: without its frames back, the wait must
        while len(got) < 10 and not pipe.finished and time.monotonic() < deadline:
            f = pipe.get(timeout=0.1)
            if f is not None:
                got.append(f)
    camera.close()
    # more frames than the "device" had before it dropped out
    assert len(got) == 10 and pipe.reconnects >= 1, (len(got), pipe.reconnects)
    assert all(f.image.shape == (24, 32, 3) for f in got)
    with open_source(str(path)) as file_source:
        assert not hasattr(file_source, "reopen")  # a video file ends instead
