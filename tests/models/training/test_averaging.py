"""The moving average of a decoder's weights: the maths, and that train-adain ships and resumes it."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from models.training.averaging import ema_decay, ema_update


def test_ema_update_moves_each_weight_by_one_minus_decay():
    torch.manual_seed(0)
    model, averaged = nn.Linear(3, 2), nn.Linear(3, 2)
    before = [p.detach().clone() for p in averaged.parameters()]
    ema_update(averaged, model, 0.75)
    for a, b, p in zip(averaged.parameters(), before, model.parameters()):
        torch.testing.assert_close(a, 0.75 * b + 0.25 * p)
    with pytest.raises(ValueError):
        ema_update(nn.Linear(3, 2), nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 2)), 0.5)


def test_ema_decay_warms_up_then_holds():
    assert ema_decay(0, 0.995) == pytest.approx(0.1)  # the first step: mostly the new weights
    assert ema_decay(10, 0.995) == pytest.approx(11 / 20)
    assert ema_decay(10_000, 0.995) == 0.995


def _weights(path):
    from models.inference.registry import load_decoder

    return {k: v.float() for k, v in load_decoder(path)[0].decoder.state_dict().items()}


def test_train_adain_ships_the_average_and_a_resume_carries_it_on(tmp_path, adain_data, computed_steps):
    from stylecam.cli import main

    def run(name, steps, *extra):
        # on the CPU: "the same run in two parts gives the same average" needs deterministic arithmetic, which
        # CUDA's convolution backward (atomics) does not give; train-adain on CUDA: scripts/device/cuda_commands.py
        out = tmp_path / f"{name}.safetensors"
        assert main(["train-adain", *adain_data, "--size", "32", "--batch", "1", "--width", "0.125", "--lr", "5e-2",
                     "--out", str(out), "--run-dir", str(tmp_path / name), "--quiet", "--steps", str(steps),
                     "--device", "cpu", *extra]) == 0
        return out, torch.load(tmp_path / name / "checkpoint.pt", weights_only=True)

    out, state = run("a", 4, "--ema", "0.9")
    shipped = _weights(out)
    for k, v in shipped.items():  # the file holds the average (in float16), not the last step's weights
        torch.testing.assert_close(v, state["averaged"][k], atol=1e-4, rtol=2e-3)
    assert max((state["averaged"][k] - state["net"][k]).abs().max() for k in shipped) > 5e-3
    run("b", 2, "--ema", "0.9")
    computed_steps.clear()
    out_b, state_b = run("b", 4, "--ema", "0.9", "--resume")  # the same run in two parts: the same average
    assert len(computed_steps) == 2  # a resume, not a run of four from scratch (which gives that average too)
    for k in shipped:
        torch.testing.assert_close(state_b["averaged"][k], state["averaged"][k])
    out0, state0 = run("c", 2, "--ema", "0")  # no average: the last step's weights, and none kept
    assert "averaged" not in state0
    for k, v in _weights(out0).items():
        torch.testing.assert_close(v, state0["net"][k], atol=1e-4, rtol=2e-3)


def test_a_checkpoint_without_an_average_starts_it_at_the_weights(tmp_path):
    import random

    from models.training.checkpoint import load_checkpoint, save_checkpoint

    torch.manual_seed(0)
    model, averaged = nn.Linear(3, 2), nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters())
    save_checkpoint(tmp_path / "c.pt", model, opt, 7, 1.0, random.Random(0), {})
    load_checkpoint(tmp_path / "c.pt", nn.Linear(3, 2), torch.optim.Adam(model.parameters()), random.Random(0),
                    torch.device("cpu"), averaged)
    torch.testing.assert_close(averaged.weight, model.weight)
