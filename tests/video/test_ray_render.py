"""``render --ray``: chunks on a local Ray cluster of two CPU workers, joined into one MP4 like ``render``'s;
a worker that dies mid-chunk is retried. (Chunk planning and joining without Ray: test_chunks.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from stylecam.cli import main
from tests.video.media import make_clip, probe
from video.ray_render import DIE_AT_ENV

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    import os

    marker = tmp_path_factory.mktemp("die") / "died"
    os.environ[DIE_AT_ENV] = f"1:30:{marker}"  # the worker of chunk 1 exits at frame 30, the first time
    os.environ["RAY_AUTH_MODE"] = "disabled"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield marker
    ray.shutdown()
    del os.environ[DIE_AT_ENV]


def test_feature_a_ray_render_equals_one_machine_and_survives_a_dead_worker(cluster, tmp_path, capsys):
    from tests.conftest import make_style

    style = str(make_style(tmp_path / "tiny.safetensors"))
    times = [i / 24 + (0.02 if i % 7 == 0 else 0.0) for i in range(48)]
    src = make_clip(tmp_path / "in.mp4", frames=48, size=(96, 64), times=times, rotation=90)
    one, many = tmp_path / "one.mp4", tmp_path / "many.mp4"
    lossless = ["--crf", "0"]  # the chunks start with keyframes of their own: compare the pictures, not the coding
    assert main(["render", str(src), str(one), "--style", style, "--quiet", *lossless]) == 0
    capsys.readouterr()
    assert main(["render", str(src), str(many), "--style", style, "--quiet", "--ray", "--chunk-frames", "16",
                 *lossless]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert "48 frames" in last and "3 chunks" in last and "fps" in last
    assert cluster.exists()  # a worker did die in chunk 1, and its chunk was done again
    a, b, c = probe(src), probe(many), probe(one)
    assert b["times"] == a["times"] and b["audio"] == a["audio"] and b["rotation"] == 90
    diffs = [np.abs(x.astype(int) - y).mean() for x, y in zip(b["images"], c["images"])]
    print("mean |ray - one machine| per frame:", [round(d, 3) for d in diffs])
    assert max(diffs) < 0.1  # every frame, the chunks' first ones too: the smoothing arrives warmed up (8 frames: 0.4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4", "many.mp4", "one.mp4", "tiny.safetensors"]


def test_ray_render_user_errors_are_one_line(cluster, tmp_path, capsys):
    src = make_clip(tmp_path / "in.mp4", frames=4)
    assert main(["render", str(src), str(tmp_path / "o.mkv"), "--ray"]) == 2
    assert "--ray writes an .mp4" in capsys.readouterr().err
    assert main(["render", str(src), str(tmp_path / "o.mp4"), "--ray", "--resume"]) == 2
    assert "one machine" in capsys.readouterr().err
