"""Files made before models/ was split into nets/, training/ and inference/ still load, and their runs resume.

``tests/data/pre_layout/`` was written at commit 9a59c65 (the old ``models/training.py``) by a 2-step run of
a tiny feed-forward network: its weights file and its run folder's checkpoint."""

from __future__ import annotations

import shutil
from pathlib import Path

import torch

from models.images import write_rgb
from models.inference.registry import load_style
from models.training.checkpoint import checkpoint_config
from models.training.feedforward import TrainConfig, train

OLD = Path(__file__).resolve().parents[2] / "data" / "pre_layout"


def test_feature_a_weights_file_from_before_the_layout_loads_and_stylizes(photo):
    net, meta = load_style(OLD / "old.safetensors")
    assert meta["name"] == "old" and meta["train"]["final_step"] == 2
    with torch.no_grad():
        out = net(torch.from_numpy(photo).permute(2, 0, 1)[None].float() / 255)
    assert out.shape == (1, 3, *photo.shape[:2]) and torch.isfinite(out).all()


def test_feature_a_checkpoint_from_before_the_layout_resumes(tmp_path, photo, computed_steps):
    run_dir = shutil.copytree(OLD / "run", tmp_path / "run")
    old_config = checkpoint_config(run_dir / "checkpoint.pt")
    write_rgb(tmp_path / "c" / "0.png", photo)
    write_rgb(tmp_path / "painting.png", photo[:, ::-1])
    cfg = TrainConfig(styles=[str(tmp_path / "painting.png")], data=[str(tmp_path / "c")], name="old", steps=3,
                      size=32, batch=1, style_short=40, config=old_config["config"])
    out = train(cfg, run_dir, tmp_path / "new.safetensors", {"name": "old", "command": "resumed"}, resume=True)
    _, meta = load_style(out)
    assert meta["train"]["final_step"] == 3 and len(computed_steps) == 1  # one step on top of the old run's two
    assert [p["from_step"] for p in meta["train"]["phases"]] == [0]  # same settings: the old run's one phase
