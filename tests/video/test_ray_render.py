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
    one, many, exact = tmp_path / "one.mp4", tmp_path / "many.mp4", tmp_path / "exact.mp4"
    assert main(["render", str(src), str(one), "--style", style, "--quiet"]) == 0
    assert main(["render", str(src), str(exact), "--style", style, "--quiet", "--crf", "0"]) == 0
    capsys.readouterr()
    assert main(["render", str(src), str(many), "--style", style, "--quiet", "--ray", "--chunk-frames", "16"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert "48 frames" in last and "3 chunks" in last and "fps" in last
    assert cluster.exists()  # a worker did die in chunk 1, and its chunk was done again
    a, b, c = probe(src), probe(many), probe(one)
    assert b["times"] == a["times"] and b["audio"] == a["audio"] and b["rotation"] == 90
    assert b["keyframes"] == c["keyframes"]  # encoded once: no keyframe of its own at each chunk
    lossless = probe(exact)["images"]
    ray_error = [np.abs(x.astype(int) - y).mean() for x, y in zip(b["images"], lossless)]
    one_error = [np.abs(x.astype(int) - y).mean() for x, y in zip(c["images"], lossless)]
    print("mean |ray - exact|:", [round(d, 2) for d in ray_error], "one machine:", [round(d, 2) for d in one_error])
    # every frame, the chunks' first ones too, as close to the exact pictures as one machine's render
    assert max(ray_error) < 1.5 * max(one_error) + 0.1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exact.mp4", "in.mp4", "many.mp4", "one.mp4",
                                                          "tiny.safetensors"]


def test_ray_render_user_errors_are_one_line(cluster, tmp_path, capsys):
    src = make_clip(tmp_path / "in.mp4", frames=4)
    assert main(["render", str(src), str(tmp_path / "o.mkv"), "--ray"]) == 2
    assert "--ray writes an .mp4" in capsys.readouterr().err
    assert main(["render", str(src), str(tmp_path / "o.mp4"), "--ray", "--resume"]) == 2
    assert "one machine" in capsys.readouterr().err
