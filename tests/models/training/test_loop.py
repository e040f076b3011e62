"""The one training loop (models.training.loop): budget, checkpoints and resume, Ctrl-C, non-finite steps,
learning-rate schedule, averaging and progress, on a two-weight model."""

from __future__ import annotations

import random

import pytest
import torch
from torch import nn

from models.training.checkpoint import checkpoint_step
from models.training.loop import Budget, Loop, run


def make_loop(tmp_path, steps=5, loss=None, **options) -> Loop:
    torch.manual_seed(0)
    model = nn.Linear(1, 1)
    target = torch.tensor([[3.0]])

    def fit(step: int):
        value = ((model(torch.ones(1, 1)) - target) ** 2).mean()
        return value, {"content": value}

    return Loop(model, torch.optim.SGD(model.parameters(), lr=0.1), loss or fit, Budget(steps),
                tmp_path / "checkpoint.pt", random.Random(0), lambda: {"what": "test"}, **options)


def test_exception_a_budget_needs_steps_or_minutes():
    with pytest.raises(ValueError, match="step count or a time budget"):
        Budget()
    assert Budget(10).done(10, 0.0) and not Budget(10).done(9, 1e9)
    assert Budget(minutes=1).done(0, 60.0) and Budget(10, 1).progress(5, 45.0) == 0.75


def test_feature_the_loop_lowers_the_loss_reports_every_step_and_checkpoints_the_end(tmp_path):
    reports = []
    loop = make_loop(tmp_path, steps=20, on_step=reports.append)
    outcome = run(loop)
    assert (outcome.steps, outcome.skipped) == (20, 0) and [r.step for r in reports] == list(range(1, 21))
    assert reports[-1].content < reports[0].content / 10 and reports[0].total_steps == 20
    assert checkpoint_step(tmp_path / "checkpoint.pt") == 20


def test_feature_a_run_in_two_parts_equals_one_run(tmp_path):
    one = make_loop(tmp_path / "a", steps=6)
    run(one)
    two = make_loop(tmp_path / "b", steps=3)
    run(two)
    again = make_loop(tmp_path / "b", steps=6)
    fit, computed = again.loss, []
    again.loss = lambda step: (computed.append(step), fit(step))[1]
    assert run(again, resume=True).steps == 6
    assert len(computed) == 3 and computed == sorted(computed)  # only the three steps not done yet, not six again
    torch.testing.assert_close(again.model.weight, one.model.weight)
    fresh = make_loop(tmp_path / "b", steps=6)
    assert run(fresh, resume=False).steps == 6  # without resume a run starts again at step 0


def test_feature_non_finite_steps_are_skipped_never_applied_and_too_many_end_the_run(tmp_path):
    loop = make_loop(tmp_path, steps=4)
    fit = loop.loss
    loop.loss = lambda step: (torch.tensor(float("nan"), requires_grad=True), {}) if step % 2 else fit(step)
    before = loop.model.weight.detach().clone()
    outcome = run(loop)
    assert outcome.skipped == 2 and not torch.equal(loop.model.weight, before)
    assert torch.isfinite(loop.model.weight).all()
    bad = make_loop(tmp_path / "bad", steps=100, max_skipped=3)
    bad.loss = lambda step: (bad.model(torch.ones(1, 1)).sum() * float("inf"), {})
    with pytest.raises(FloatingPointError, match="4 non-finite steps"):
        run(bad)
    assert torch.isfinite(bad.model.weight).all()


def test_feature_ctrl_c_writes_a_checkpoint_before_it_ends_the_run(tmp_path):
    loop = make_loop(tmp_path, steps=10)
    fit = loop.loss

    def interrupted(step: int):
        if step == 4:
            raise KeyboardInterrupt
        return fit(step)

    loop.loss = interrupted
    with pytest.raises(KeyboardInterrupt):
        run(loop)
    assert checkpoint_step(tmp_path / "checkpoint.pt") == 4


def test_feature_the_learning_rate_follows_its_schedule_and_the_average_trails_the_weights(tmp_path):
    reports = []
    loop = make_loop(tmp_path, steps=4, lr_at=lambda progress: 0.1 * (1 - progress), ema=0.5,
                     on_step=reports.append)
    run(loop)
    assert [r.lr for r in reports] == pytest.approx([0.1, 0.075, 0.05, 0.025])
    assert loop.averaged is not None and not torch.equal(loop.averaged.weight, loop.model.weight)
    state = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    torch.testing.assert_close(state["averaged"]["weight"], loop.averaged.weight)
