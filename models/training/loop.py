"""The one training loop: every stylecam command that trains a network runs its steps here.

A command configures a :class:`Loop` with what is its own (the model, its optimizer, a
function that computes one step's loss, the settings its checkpoints carry, a preview) and
the loop does the rest, the same way for all of them:

- **budget**: a step count, a time budget, or both (whichever ends first); time counts every
  run of a resumed training, so a resumed 30-minute run stops after 30 minutes in total;
- **checkpoints and resume**: model, optimizer, step, elapsed time, RNG states and the moving
  average, written atomically every ``checkpoint_seconds``, on Ctrl-C (the training commands turn
  SIGINT and SIGTERM into KeyboardInterrupt) and at the end; ``resume`` continues from one;
- **non-finite steps** (an fp16/bf16 overflow, a bad batch): skipped, never applied, counted;
  more than ``max_skipped`` end the run with :class:`FloatingPointError`;
- **mixed precision**: the loss under :func:`models.inference.device.training_autocast`, fp16
  with loss scaling (:func:`models.inference.device.grad_scaler`);
- **learning rate**: constant, or ``lr_at(progress)`` per step;
- **averaging**: an exponential moving average of the weights (:mod:`models.training.averaging`);
- **progress**: a :class:`StepReport` per step to ``on_step``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from models.inference.device import grad_scaler, training_autocast
from models.training.averaging import ema_decay, ema_update
from models.training.checkpoint import load_checkpoint, save_checkpoint


@dataclass
class StepReport:
    """One step's numbers for a progress line (each command names its own terms)."""

    step: int
    total_steps: int | None
    elapsed: float
    budget_seconds: float | None
    style: float
    content: float
    tv: float
    lr: float
    temporal: float = 0.0
    distill: float = 0.0  # the weighted distillation terms (pixel + feature), when there is a teacher


REPORTED = ("style", "content", "tv", "temporal", "distill")


@dataclass(frozen=True)
class Budget:
    """A run's length: ``steps``, ``minutes`` of training time, or both (whichever ends first)."""

    steps: int | None = None
    minutes: float | None = None

    def __post_init__(self) -> None:
        if self.steps is None and self.minutes is None:
            raise ValueError("give a step count or a time budget")

    @property
    def seconds(self) -> float | None:
        return None if self.minutes is None else self.minutes * 60.0

    def done(self, step: int, elapsed: float) -> bool:
        return (self.steps is not None and step >= self.steps) or (self.seconds is not None and elapsed >= self.seconds)

    def progress(self, step: int, elapsed: float) -> float:
        """How far the run is, 0…1: the further of its step count and its time budget."""
        fractions = [step / self.steps] if self.steps else []
        if self.seconds:
            fractions.append(elapsed / self.seconds)
        return max(fractions) if fractions else 0.0


StepLoss = Callable[[int], tuple[torch.Tensor, dict[str, torch.Tensor | float]]]


@dataclass
class Loop:
    """What one training run is made of; :func:`run` trains it.

    ``loss(step)`` computes the step's loss (it draws its own batch) and returns it with the terms to report
    (names from :data:`REPORTED`). ``model`` is what learns and what the checkpoint holds; ``settings()`` is
    the dict the checkpoint carries (the run's configuration and phases). ``on_save`` runs after every
    checkpoint (a preview)."""

    model: nn.Module
    opt: torch.optim.Optimizer
    loss: StepLoss
    budget: Budget
    checkpoint: Path
    rng: random.Random
    settings: Callable[[], dict]
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    mixed_precision: bool = True
    lr_at: Callable[[float], float] | None = None
    ema: float = 0.0
    averaged: nn.Module | None = None  # made from ``model`` when ``ema > 0`` and none is given
    checkpoint_seconds: float = 120.0
    on_step: Callable[[StepReport], None] | None = None
    on_save: Callable[[], None] | None = None
    max_skipped: int = 50

    def __post_init__(self) -> None:
        if self.ema > 0 and self.averaged is None:
            import copy

            self.averaged = copy.deepcopy(self.model).requires_grad_(False)


@dataclass
class Outcome:
    steps: int
    seconds: float
    skipped: int


def resume_from(loop: Loop) -> tuple[int, float]:
    """(step, elapsed) of ``loop``'s checkpoint, restored into its model, optimizer, RNGs and average."""
    if not loop.checkpoint.is_file():
        return 0, 0.0
    return load_checkpoint(loop.checkpoint, loop.model, loop.opt, loop.rng, loop.device, loop.averaged)


def run(loop: Loop, resume: bool = False) -> Outcome:
    """Train ``loop`` until its budget is spent; the last checkpoint is written whatever ends the run."""
    step, elapsed = resume_from(loop) if resume else (0, 0.0)
    scaler = grad_scaler(loop.device, loop.mixed_precision)
    params = [p for group in loop.opt.param_groups for p in group["params"]]
    skipped = 0

    def save() -> None:
        loop.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        save_checkpoint(loop.checkpoint, loop.model, loop.opt, step, elapsed, loop.rng, loop.settings(),
                        loop.averaged)
        if loop.on_save is not None:
            loop.on_save()

    loop.model.train()
    last = time.monotonic()
    try:
        while not loop.budget.done(step, elapsed):
            t0 = time.monotonic()
            if loop.lr_at is not None:
                for group in loop.opt.param_groups:
                    group["lr"] = loop.lr_at(loop.budget.progress(step, elapsed))
            with training_autocast(loop.device, loop.mixed_precision):
                loss, terms = loop.loss(step)
            loop.opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.unscale_(loop.opt)
            if torch.isfinite(loss) and all(torch.isfinite(p.grad).all() for p in params if p.grad is not None):
                scaler.step(loop.opt)
                if loop.averaged is not None:
                    ema_update(loop.averaged, loop.model, ema_decay(step, loop.ema))
            else:  # never applied
                skipped += 1
                if skipped > loop.max_skipped:
                    raise FloatingPointError(f"training diverged: {skipped} non-finite steps (try a lower --lr)")
            scaler.update()
            step += 1
            elapsed += time.monotonic() - t0
            if loop.on_step is not None:
                values = {k: float(v.detach()) if torch.is_tensor(v) else float(v) for k, v in terms.items()}
                loop.on_step(StepReport(step, loop.budget.steps, elapsed, loop.budget.seconds,
                                        **{k: values.get(k, 0.0) for k in REPORTED},
                                        lr=loop.opt.param_groups[0]["lr"]))
            if time.monotonic() - last >= loop.checkpoint_seconds:
                save()
                loop.model.train()
                last = time.monotonic()
    except KeyboardInterrupt:
        save()
        raise
    save()
    return Outcome(step, elapsed, skipped)
