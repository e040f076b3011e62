"""Encoding (video.encode): an MP4 appears under its name only once complete; timestamps kept; stream URLs."""

from __future__ import annotations

import pytest

from tests.video.media import moving_frame, probe
from video.encode import VideoWriter, stream_format


def test_feature_the_file_appears_only_when_closed_with_every_frame_at_its_time(tmp_path):
    out = tmp_path / "o.mp4"
    writer = VideoWriter(out, 24, (64, 48))
    for i, t in enumerate([0.0, 0.05, 0.1, 0.3]):  # variable frame times, as a live recording has
        writer.write(moving_frame(i), t)
    assert not out.exists() and writer.frames == 4  # not under its name while incomplete
    assert writer.close() == out and not writer.tmp.exists()
    info = probe(out)
    assert info["times"] == [0.0, 0.05, 0.1, 0.3] and info["size"] == (64, 48) and info["codec"] == "h264"


def test_exception_an_error_inside_the_writer_leaves_no_file(tmp_path):
    out = tmp_path / "o.mp4"
    with pytest.raises(RuntimeError), VideoWriter(out, 24, (64, 48)) as writer:
        writer.write(moving_frame(0))
        raise RuntimeError("stopped")
    assert not out.exists() and not writer.tmp.exists()


def test_stream_urls_pick_their_container_and_others_are_refused():
    assert [stream_format(u) for u in ("udp://127.0.0.1:5000", "srt://h:1", "rtmp://h/app")] == \
        ["mpegts", "mpegts", "flv"]
    with pytest.raises(ValueError, match="unsupported stream URL"):
        stream_format("http://example.com/x")
