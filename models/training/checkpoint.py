"""Resumable training state: model, optimizer, step, elapsed time and RNG states, written atomically.

Checkpoints are the project's own files, read back with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import torch

from models.inference.device import map_tensors


def _encode_rng(rng: random.Random) -> list[int]:
    version, internal, _gauss = rng.getstate()
    return [version, *internal, -1]


def _decode_rng(values: list[int]) -> tuple:
    ints = [int(v) for v in values]
    return (ints[0], tuple(ints[1:-1]), None)


def save_checkpoint(path: Path, model: torch.nn.Module, opt: torch.optim.Optimizer, step: int, elapsed: float,
                    rng: random.Random, config: dict, averaged: torch.nn.Module | None = None) -> None:
    """``averaged``: the moving average of ``model``'s weights (:mod:`models.training.averaging`), if the run keeps one.

    Tensors are written from the CPU, whatever device trained them: a run started on a GPU resumes on
    a machine without one, and a checkpoint reads the same everywhere."""
    state = {
        "net": _on_cpu(model.state_dict()),
        "opt": _on_cpu(opt.state_dict()),
        "step": torch.tensor(step),
        "elapsed": torch.tensor(elapsed, dtype=torch.float64),
        "torch_rng": torch.get_rng_state(),
        "py_rng": torch.tensor(_encode_rng(rng), dtype=torch.int64),
        "config": config,
    }
    if averaged is not None:
        state["averaged"] = _on_cpu(averaged.state_dict())
    tmp = path.with_name(path.name + ".part")
    torch.save(state, tmp)
    os.replace(tmp, path)


def _on_cpu(value):
    return map_tensors(lambda t: t.detach().cpu(), value)


def load_checkpoint(path: Path, model: torch.nn.Module, opt: torch.optim.Optimizer, rng: random.Random,
                    device: torch.device, averaged: torch.nn.Module | None = None) -> tuple[int, float]:
    """Restore ``model``, ``opt`` and the RNGs in place; returns (step, elapsed seconds).

    ``averaged``: restored too; from a checkpoint that kept no average, it starts at ``model``'s weights.

    The optimizer keeps its own learning rate (the resumed command's ``--lr``), not the saved one:
    ``load_state_dict`` alone would bring back the old rate and silently ignore a new one."""
    state = torch.load(path, weights_only=True, map_location=device)
    model.load_state_dict(state["net"])
    if averaged is not None:
        averaged.load_state_dict(state.get("averaged", state["net"]))
    rates = [group["lr"] for group in opt.param_groups]
    opt.load_state_dict(state["opt"])
    for group, lr in zip(opt.param_groups, rates):
        group["lr"] = lr
    torch.set_rng_state(state["torch_rng"].cpu())
    rng.setstate(_decode_rng(state["py_rng"].tolist()))
    return int(state["step"]), float(state["elapsed"])


def _step_and_config(path: Path) -> tuple[int, dict]:
    state = torch.load(path, weights_only=True, map_location="cpu")
    return int(state["step"]), dict(state.get("config") or {})


def checkpoint_step(path: Path) -> int:
    """The step a checkpoint was written at (0 when there is none): where a resume goes on."""
    return _step_and_config(path)[0] if path.is_file() else 0


def checkpoint_config(path: Path) -> dict:
    """The config dict a checkpoint was written with (its run's settings)."""
    return _step_and_config(path)[1]


def run_settings(config: dict) -> dict:
    """A run's settings without its data folders and bookkeeping (what a phase of training is)."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in config.items()
            if k not in ("content", "styles", "data", "phases", "minutes", "steps", "checkpoint_seconds")}


def run_phases(resumed: Path | None, settings: dict, command: str | None, defaults: dict | None = None
               ) -> list[dict]:
    """A run's phases: each stretch of steps trained with one set of settings, with the command that
    ran it. ``resumed``: the checkpoint a resume continues (its phases go on; a resume with other
    settings starts a new phase at the checkpoint's step). ``defaults``: the settings' default values,
    which a checkpoint written before a setting existed had (so that the setting's arrival is no new phase)."""
    step, phases = 0, []
    if resumed is not None and resumed.is_file():
        step, prior = _step_and_config(resumed)  # one read for both
        phases = prior.get("phases") or [{"from_step": 0, "config": run_settings(prior)}]
    if not phases or {**run_settings(defaults or {}), **phases[-1]["config"]} != settings:
        phases.append({"from_step": step, "command": command, "config": settings})
    return phases
