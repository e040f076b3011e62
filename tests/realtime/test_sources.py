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
