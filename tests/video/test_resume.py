"""Resume state (video.resume): saved and loaded by fingerprint, refused for another render, stitched losslessly."""

from __future__ import annotations

import pytest

from models.errors import UserError
from tests.video.media import make_clip, probe
from video import resume


def test_feature_a_saved_state_loads_with_its_key_and_is_refused_with_another(tmp_path):
    clip = make_clip(tmp_path / "in.mp4", frames=4, audio=None)
    out = tmp_path / "out.mp4"
    key = resume.fingerprint(str(clip), {"style": "starry"})
    assert key != resume.fingerprint(str(clip), {"style": "wave"})  # other options, another render
    part = make_clip(tmp_path / "part.mp4", frames=3, audio=None)
    folder = resume.save(out, part, 3, key)
    assert folder == resume.state_dir(out) and resume.saved_frames(out) == 3 and not out.exists()
    state = resume.load(out, key)
    assert state.frames == 3 and state.video.is_file()
    with pytest.raises(UserError, match="another input or other options"):
        resume.load(out, "0" * 64)
    resume.discard(out)
    assert resume.saved_frames(out) is None
    with pytest.raises(UserError, match="no interrupted render"):
        resume.load(out, key)


def test_feature_stitching_copies_both_parts_videos_and_the_rests_audio(tmp_path):
    part = make_clip(tmp_path / "part.mp4", frames=5, audio=None)
    rest = make_clip(tmp_path / "rest.mp4", frames=7, times=[(5 + i) / 24 for i in range(7)])
    count, last, latest = resume.last_frame(part)
    assert count == 5 and last.shape == (48, 64, 3) and latest == pytest.approx(4 / 24, abs=1e-3)
    out = resume.stitch(part, rest, tmp_path / "out.mp4")
    info = probe(out)
    assert len(info["times"]) == 12 and info["audio"] is not None
    assert info["times"] == sorted(info["times"])
    # copied, not coded again: the same coded packets, byte for byte, the part's then the rest's; the rest's audio
    assert packets(out, "video") == packets(part, "video") + packets(rest, "video")
    assert packets(out, "audio") == packets(rest, "audio") and packets(rest, "audio")


def packets(path, kind: str) -> list[bytes]:
    """The coded packets of a file's first ``kind`` stream, in order."""
    import av

    with av.open(str(path)) as container:
        streams = container.streams.video if kind == "video" else container.streams.audio
        return [bytes(packet) for packet in container.demux(streams[0]) if packet.size]


def test_exception_a_damaged_part_is_one_clear_error(tmp_path):
    bad = tmp_path / "part.mp4"
    bad.write_bytes(b"\0" * 100)
    with pytest.raises(UserError, match="damaged|no video"):
        resume.last_frame(bad)
