"""scripts/reports/live_report.py: the 4:3 frame of QUALITY.md (scripts/reports/common.py) and the parsing of its
inputs."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import UserError
from scripts.reports.common import live_frame
from scripts.reports.live_report import crop_4_3, parse_style, settled_size


def columns_and_rows(h: int, w: int) -> np.ndarray:
    """``H×W×3 int32``: channel 0 holds the column index, channel 1 the row index."""
    img = np.zeros((h, w, 3), np.int32)
    img[..., 0] = np.arange(w)[None, :]
    img[..., 1] = np.arange(h)[:, None]
    return img


def test_crop_4_3_wide_cuts_the_sides_equally():
    out = crop_4_3(columns_and_rows(600, 1000))
    assert out.shape == (600, 800, 3)
    assert out[0, 0, 0] == 100 and out[0, -1, 0] == 899


def test_crop_4_3_tall_cuts_top_and_bottom_equally():
    out = crop_4_3(columns_and_rows(1000, 600))
    assert out.shape == (450, 600, 3)
    assert out[0, 0, 1] == 275 and out[-1, 0, 1] == 724


def test_crop_4_3_keeps_a_4_3_image_whole():
    img = columns_and_rows(480, 640)
    assert np.array_equal(crop_4_3(img), img)


def test_live_frame_cardinality():
    out = live_frame(np.full((300, 700, 3), 128, np.uint8))
    assert out.shape == (480, 640, 3) and out.dtype == np.uint8


def test_settled_size_reads_the_net_size_or_nothing():
    assert settled_size("30 frames shown, 8.6 fps, net 256 px, latency p50 100 ms") == 256
    assert settled_size("30 frames shown, 8.6 fps, latency p50 100 ms p95 235 ms") is None


def test_parse_style_exception_without_painting():
    assert parse_style("starry=a=b.jpg") == ("starry", "a=b.jpg")
    with pytest.raises(UserError, match="NAME=PAINTING"):
        parse_style("starry")


def test_the_full_frame_is_recorded_as_long_as_the_live_output(tmp_path):
    """The full-frame output is measured where the live output is: the last frame of a recording as long."""
    import av

    from scripts.reports.live_report import through_recorder

    y, x = np.mgrid[0:48, 0:64]
    image = np.stack([x * 4, y * 5, (x + y) * 2], axis=2).astype(np.uint8)
    out = through_recorder(image, tmp_path / "r.mp4", 12)
    with av.open(str(tmp_path / "r.mp4")) as c:
        assert sum(1 for _ in c.decode(video=0)) == 12
    assert out.shape == image.shape and np.abs(out.astype(int) - image).mean() < 3
