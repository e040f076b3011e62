"""scripts/reports/obs_load.py: the OBS-like x264 load that stylecam's figures under load are measured beside."""

from __future__ import annotations

import av

import scripts.reports.obs_load as obs_load


def test_feature_the_load_encodes_every_frame_paced_at_the_camera_rate(tmp_path):
    out = tmp_path / "stream.flv"
    result = obs_load.run(0.5, 128, 72, fps=20.0, bitrate=500_000, output=str(out))
    assert result["frames"] == 10 and result["late"] == 0  # a 128×72 frame takes the encoder well under 50 ms
    assert 0.45 <= result["seconds"] < 2.0  # paced in real time, not as fast as the encoder goes
    assert 0 < result["encode_mean_ms"] < 50
    with av.open(str(out)) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == "h264" and (stream.width, stream.height) == (128, 72)
        assert sum(1 for _ in c.decode(video=0)) == 10


def test_cardinality_the_frames_move():
    frames = obs_load.frames(64, 48, count=3)
    assert len(frames) == 3 and frames[0].shape == (48, 64, 3) and frames[0].dtype.name == "uint8"
    assert (frames[0] != frames[1]).any()


def test_feature_the_load_stops_when_the_measured_command_ends(tmp_path):
    done = tmp_path / "done"
    done.touch()
    result = obs_load.run(5.0, 64, 48, fps=20.0, bitrate=200_000, output=str(tmp_path / "s.flv"), stop_when=done)
    assert result["frames"] == 0 and result["seconds"] < 1.0
