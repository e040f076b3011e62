"""Shared fixtures and fakes: tiny style files, tiny images, an isolated stylecam home."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from models.inference.registry import save_style
from models.nets.transformer import NetConfig, TransformerNet

TINY = NetConfig(channels=(4, 8, 8), n_res=1, block="full", kernel=3)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own user style folder and TorchScript cache."""
    home = tmp_path_factory.mktemp("stylecam_home")
    monkeypatch.setenv("STYLECAM_HOME", str(home))
    monkeypatch.setenv("STYLECAM_CACHE", str(home / "cache"))
    return home


def make_style(path: Path, config: NetConfig = TINY, seed: int = 0, **meta) -> Path:
    torch.manual_seed(seed)
    net = TransformerNet(config)
    return save_style(net, {"name": path.stem, "artist": "Test", "title": "Noise", "year": "2026", **meta}, path)


@pytest.fixture
def tiny_style(tmp_path: Path) -> Path:
    return make_style(tmp_path / "tiny.safetensors")


@pytest.fixture
def photo() -> np.ndarray:
    """A 48×64 colour picture with structure (gradients and a disc), ``uint8 RGB``."""
    yy, xx = np.mgrid[0:48, 0:64]
    img = np.stack([xx * 4, yy * 5, 255 - xx * 3], axis=-1).astype(np.float32)
    img[(yy - 24) ** 2 + (xx - 32) ** 2 < 100] = (250, 220, 30)
    return img.clip(0, 255).astype(np.uint8)


@pytest.fixture
def photo_file(tmp_path: Path, photo: np.ndarray) -> Path:
    from models.images import write_rgb

    return write_rgb(tmp_path / "photo.png", photo)


@pytest.fixture
def adain_data(tmp_path: Path, photo: np.ndarray) -> list[str]:
    """``train-adain``'s data arguments for two tiny folders: photos, and "paintings" (the photo mirrored)."""
    from models.images import write_rgb

    for i in range(2):
        write_rgb(tmp_path / "c" / f"{i}.png", photo)
        write_rgb(tmp_path / "s" / f"{i}.png", photo[:, ::-1])
    return ["--content", str(tmp_path / "c"), "--styles", str(tmp_path / "s")]


@pytest.fixture
def computed_steps(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The step numbers every training run of the test computed a loss for (through :func:`models.training.loop.run`,
    as each trainer calls it): a resume that computes only the steps after its checkpoint shows them alone."""
    import importlib

    import models.training.loop as loop_module

    computed: list[int] = []
    original = loop_module.run

    def counting_run(loop, resume=False):
        loss = loop.loss

        def counted(step):
            computed.append(step)
            return loss(step)

        loop.loss = counted
        return original(loop, resume)

    for name in ("loop", "feedforward", "bank", "adain", "adain_distill", "wct_decoders"):
        module = importlib.import_module(f"models.training.{name}")
        monkeypatch.setattr(module, "run", counting_run)
    return computed
