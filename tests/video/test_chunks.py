"""video.chunks: the plan (keyframes, warm-up), one chunk's frames, and the join, without Ray."""

from __future__ import annotations

import numpy as np
import pytest

from tests.video.media import make_clip, probe
from video.chunks import Chunk, index_frames, join_parts, plan_chunks, render_chunk
from video.render import render
from video.stylize_step import PerFrame
from video.temporal import render_smoother


def test_feature_cuts_snap_to_nearby_keyframes_else_fall_on_frames():
    assert plan_chunks(50, (0, 11, 24, 40), 12, warmup=4) == [
        Chunk(0, 0, 11, 0), Chunk(1, 11, 24, 4), Chunk(2, 24, 40, 4), Chunk(3, 40, 50, 4)]
    assert plan_chunks(30, (0,), 10, warmup=8) == [Chunk(0, 0, 10, 0), Chunk(1, 10, 20, 8), Chunk(2, 20, 30, 8)]
    assert plan_chunks(5, (0,), 10) == [Chunk(0, 0, 5, 0)]
    with pytest.raises(ValueError):
        plan_chunks(0, (), 10)


def test_feature_chunks_joined_give_the_frames_times_and_audio_of_one_render(tmp_path):
    times = [i / 24 + (0.02 if i % 7 == 0 else 0.0) for i in range(30)]
    src = make_clip(tmp_path / "in.mp4", frames=30, size=(96, 64), times=times, rotation=90)
    index = index_frames(str(src))
    assert len(index.pts) == 30 and index.keyframes[0] == 0 and index.rotation == 90
    invert = PerFrame(lambda f: 255 - f)
    chunks = plan_chunks(30, index.keyframes, 12)
    parts = []
    for chunk in chunks:
        part = tmp_path / f"part{chunk.index}.mp4"
        assert render_chunk(str(src), index, chunk, invert, render_smoother(), part) == chunk.end - chunk.start
        parts.append(part)
    assert join_parts(parts, str(src), tmp_path / "joined.mp4") == "copied"
    render(str(src), str(tmp_path / "whole.mp4"), invert, render_smoother())
    a, b, c = probe(src), probe(tmp_path / "joined.mp4"), probe(tmp_path / "whole.mp4")
    assert b["times"] == a["times"] and b["audio"] == a["audio"] and b["rotation"] == 90
    assert max(np.abs(x.astype(int) - y).mean() for x, y in zip(b["images"], c["images"])) < 4
    assert not list(tmp_path.glob(".*part*"))  # nothing half-written left
