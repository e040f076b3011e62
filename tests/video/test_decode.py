"""Decoding (video.decode): frames, times and audio packets in file order; image sequences; clear refusals."""

from __future__ import annotations

import numpy as np
import pytest

from models.images import write_rgb
from tests.video.media import make_clip, moving_frame
from video.decode import ImageSequenceReader, InputError, VideoFileReader, is_pattern, open_input


def test_feature_a_clip_decodes_to_its_frames_times_and_audio_packets(tmp_path):
    clip = make_clip(tmp_path / "in.mp4", frames=12, fps=24)
    reader = VideoFileReader(str(clip))
    try:
        kinds, frames = [], []
        for kind, item in reader.packets():
            kinds.append(kind)
            if kind == "video":
                frames.append(item)
        info = reader.info
    finally:
        reader.close()
    assert (info.width, info.height, round(float(info.fps)), info.has_audio) == (64, 48, 24, True)
    assert "audio" in kinds and len(frames) == 12
    assert [t for _, t in frames] == pytest.approx([i / 24 for i in range(12)], abs=1e-3)  # ms time base
    # H.264 loses a little: each decoded frame is nearest its own source frame
    errors = [[np.abs(img.astype(int) - moving_frame(j).astype(int)).mean() for j in range(12)] for img, _ in frames]
    assert [int(np.argmin(row)) for row in errors] == list(range(12))


def test_feature_an_image_sequence_reads_in_number_order_at_the_given_rate(tmp_path):
    for i in (10, 2, 1):  # numbers, not names, set the order (10 after 2)
        write_rgb(tmp_path / f"f{i}.png", moving_frame(i))
    reader = open_input(str(tmp_path / "f%d.png"), fps=10)
    assert isinstance(reader, ImageSequenceReader) and is_pattern(str(tmp_path / "f%05d.png"))
    frames = list(reader.packets())
    assert [t for _, (_, t) in frames] == [0.0, 0.1, 0.2]
    assert all(np.array_equal(img, moving_frame(i)) for (_, (img, _)), i in zip(frames, (1, 2, 10)))
    assert reader.info.frames == 3 and not reader.info.has_audio


@pytest.mark.parametrize("content", [None, b"", b"not a video at all" * 10])
def test_exception_missing_empty_or_garbage_files_are_one_clear_error(tmp_path, content):
    path = tmp_path / "x.mp4"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match="x.mp4"):
        VideoFileReader(str(path))


def test_exception_an_image_sequence_needs_a_sane_rate_and_matching_files(tmp_path):
    write_rgb(tmp_path / "f1.png", moving_frame(0))
    with pytest.raises(InputError, match="--fps"):
        ImageSequenceReader(str(tmp_path / "f%d.png"), float("nan"))
    with pytest.raises(InputError, match="no images match"):
        ImageSequenceReader(str(tmp_path / "g%d.png"), 25)
