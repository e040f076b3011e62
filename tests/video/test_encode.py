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


def test_feature_odd_frames_lose_their_last_row_and_column_in_the_encoder_alone(tmp_path):
    frame = moving_frame(0, (65, 49))
    with VideoWriter(tmp_path / "odd.mp4", 24, (65, 49)) as writer:
        writer.write(frame)
        assert writer._encoder.encoded_size == (64, 48)
    [image] = probe(tmp_path / "odd.mp4")["images"]
    def error(crop):
        return abs(image.astype(int) - crop.astype(int)).mean()

    # the top-left 64×48 (the last row and column dropped), not a shifted or rescaled picture
    assert image.shape == (48, 64, 3) and error(frame[:48, :64]) < 0.7 * error(frame[1:, 1:])
    with pytest.raises(ValueError, match="too small"):
        VideoWriter(tmp_path / "tiny.mp4", 24, (1, 9))
