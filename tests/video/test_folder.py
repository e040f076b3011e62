"""``stylecam render IN_DIR/ OUT_DIR/``: one MP4 per video, and a rerun skips what it already made."""

from __future__ import annotations

import os

import pytest

from models.errors import UserError
from stylecam.cli import main
from tests.video.media import make_clip, probe
from video.folder import MANIFEST, folder_jobs


def test_feature_a_folder_renders_one_mp4_per_video_and_a_rerun_skips_the_finished_ones(tmp_path, capsys):
    from tests.conftest import make_style

    style = str(make_style(tmp_path / "tiny.safetensors"))
    src, out = tmp_path / "clips", tmp_path / "styled"
    src.mkdir()
    make_clip(src / "a.mp4", frames=6)
    make_clip(src / "b.mov", frames=5, audio=None, container_format="mov")
    (src / "notes.txt").write_text("not a video")
    cmd = ["render", str(src), str(out), "--style", style, "--quiet", "--model-size", "32"]
    assert main(cmd) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert "2 of 2 videos rendered, 0 skipped" in last and "11 frames" in last and "fps" in last
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "a.mp4", "b.mp4"]
    assert len(probe(out / "a.mp4")["times"]) == 6 and probe(out / "a.mp4")["audio"]
    made = {p: p.stat().st_mtime_ns for p in (out / "a.mp4", out / "b.mp4")}

    assert main(cmd) == 0  # nothing changed: nothing rendered
    assert "0 of 2 videos rendered, 2 skipped" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in made} == made

    os.utime(src / "b.mov", ns=(1, 1))  # b changed; a's output deleted: both again, nothing else
    (out / "a.mp4").unlink()
    assert main(cmd) == 0
    assert "2 of 2 videos rendered, 0 skipped" in capsys.readouterr().out
    assert main([*cmd, "--strength", "0.5"]) == 0  # other options: a new render of each
    assert "2 of 2 videos rendered" in capsys.readouterr().out


def test_folder_jobs_name_clashes_and_bad_folders(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("x.mp4", "x.mkv", "y.MOV", ".hidden.mp4"):
        (src / name).write_bytes(b"")
    jobs = folder_jobs(src, tmp_path / "out")
    assert [(j.input.name, j.output.name) for j in jobs] == [("x.mkv", "x.mkv.mp4"), ("x.mp4", "x.mp4.mp4"),
                                                             ("y.MOV", "y.mp4")]
    (tmp_path / "file.mp4").write_bytes(b"")
    with pytest.raises(UserError, match="into a folder"):
        folder_jobs(src, tmp_path / "file.mp4")
    with pytest.raises(UserError, match="itself"):
        folder_jobs(src, src)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UserError, match="no video files"):
        folder_jobs(empty, tmp_path / "out")


def test_folder_with_resume_is_one_line(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    assert main(["render", str(tmp_path / "in"), str(tmp_path / "out"), "--resume"]) == 2
    assert "skips what is done" in capsys.readouterr().err
