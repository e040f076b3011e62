"""video.chunks: the plan (keyframes, warm-up), one chunk's frames, and the join, without Ray."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import UserError
from tests.video.media import make_clip, probe
from video.chunks import Chunk, ChunkJoiner, index_frames, plan_chunks, render_chunk
from video.render import RenderOptions, render
from video.stylize_step import PerFrame
from video.temporal import render_smoother


def test_feature_cuts_snap_to_nearby_keyframes_else_fall_on_frames():
    assert plan_chunks(50, (0, 11, 24, 40), 12, warmup=4) == [
        Chunk(0, 0, 11, 0), Chunk(1, 11, 24, 4), Chunk(2, 24, 40, 4), Chunk(3, 40, 50, 4)]
    assert plan_chunks(30, (0,), 10, warmup=8) == [Chunk(0, 0, 10, 0), Chunk(1, 10, 20, 8), Chunk(2, 20, 30, 8)]
    assert plan_chunks(5, (0,), 10) == [Chunk(0, 0, 5, 0)]
    with pytest.raises(ValueError):
        plan_chunks(0, (), 10)


def test_feature_chunks_joined_give_the_frames_times_keyframes_and_audio_of_one_render(tmp_path):
    times = [i / 24 + (0.02 if i % 7 == 0 else 0.0) for i in range(30)]
    src = make_clip(tmp_path / "in.mp4", frames=30, size=(96, 64), times=times, rotation=90)
    index = index_frames(str(src))
    assert len(index.pts) == 30 and index.keyframes[0] == 0 and index.rotation == 90
    invert = PerFrame(lambda f: 255 - f)
    chunks = plan_chunks(30, index.keyframes, 12)
    assert len(chunks) == 3
    joiner = ChunkJoiner(str(src), index, tmp_path / "joined.mp4", RenderOptions())
    for chunk in chunks:
        part = tmp_path / f"part{chunk.index}.mp4"
        assert render_chunk(str(src), index, chunk, invert, render_smoother(), part) == chunk.end - chunk.start
        assert probe(part)["keyframes"][0] == 0  # each chunk on its own starts with a keyframe …
        assert joiner.add(part) == chunk.end - chunk.start
    assert joiner.finish() == "copied"
    render(str(src), str(tmp_path / "whole.mp4"), invert, render_smoother())
    a, b, c = probe(src), probe(tmp_path / "joined.mp4"), probe(tmp_path / "whole.mp4")
    assert b["times"] == a["times"] and b["audio"] == a["audio"] and b["rotation"] == 90
    assert b["keyframes"] == c["keyframes"] == [0]  # … the joined video has one render's keyframes, not three
    # x264 with threads is not bit-exact from run to run: two one-machine renders here differ by up to 0.4
    assert max(np.abs(x.astype(int) - y).mean() for x, y in zip(b["images"], c["images"])) < 1.0
    assert not list(tmp_path.glob(".*part*"))  # nothing half-written left


def test_a_join_that_fails_leaves_nothing(tmp_path):
    src = make_clip(tmp_path / "in.mp4", frames=10, size=(64, 48))
    index = index_frames(str(src))
    joiner = ChunkJoiner(str(src), index, tmp_path / "joined.mp4", RenderOptions())
    part = tmp_path / "part.mp4"
    render_chunk(str(src), index, Chunk(0, 0, 6, 0), PerFrame(lambda f: f), None, part)
    joiner.add(part)
    with pytest.raises(UserError, match="6 frames, the input 10"):
        joiner.finish()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4", "part.mp4"]
