"""A multi-style bank distilled from single-style networks (conditional instance norm, Dumoulin et al. 2017).

Training a bank with the perceptual losses from one style's shared layers and only the norm
rows (``stylecam train`` with several paintings and ``--finetune norm``) left every style but the
first far from its painting at 300 steps a style (style ×6–11 of Gatys, against ×1.8–2.9 for
the single networks). The single networks are already good, so the bank learns from them instead:
its shared layers start from the first network, each style's norm row from that style's own
network, and then everything learns to reproduce each network's output on photo crops
(mean squared RGB difference). No VGG-19 pass is needed, so a step costs a few small-network
passes; every step shows the same crops to every style. Resumable like every stylecam run.
Measured so far (scripts/recipes/train_pack.py): 600 steps on 96 px crops give blurred averages of the
strokes (style ×5–19 of Gatys): a squared RGB difference does not teach texture; not shipped.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

from models.nets.multistyle import StyleBank, norm_vector
from models.nets.transformer import TransformerNet
from models.training.data import CropSampler
from models.training.loop import Budget, Loop, StepReport, run


def bank_from(teachers: list[TransformerNet]) -> StyleBank:
    """A bank with the first network's shared layers and every network's own norm parameters as its rows."""
    config = teachers[0].config
    if any(t.config != config for t in teachers):
        raise ValueError("the networks of a bank must share one architecture")
    bank = StyleBank(config, len(teachers))
    bank.net.load_state_dict(teachers[0].state_dict())
    with torch.no_grad():
        for k, teacher in enumerate(teachers):
            bank.table[k].copy_(norm_vector(teacher))
    return bank


def distill_bank(teachers: list[TransformerNet], sampler: CropSampler, steps: int, run_dir: Path,
                 batch: int = 4, lr: float = 1e-3, seed: int = 0, resume: bool = False,
                 checkpoint_seconds: float = 120.0, device: torch.device | None = None,
                 on_step: Callable[[StepReport], None] | None = None) -> tuple[StyleBank, int, float]:
    """Train a bank to reproduce ``teachers`` (eval-mode single-style networks); returns (bank, steps, seconds)."""
    device = device or torch.device("cpu")
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    bank = bank_from(teachers).to(device)
    teachers = [t.to(device).eval().requires_grad_(False) for t in teachers]
    opt = torch.optim.Adam([*bank.shared_parameters(), bank.table], lr=lr)

    def step_loss(step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        x = sampler.batch(batch, rng).to(device)
        with torch.no_grad():
            targets = [teacher(x) for teacher in teachers]
        loss = sum(F.mse_loss(bank(x, k), target) for k, target in enumerate(targets)) / len(teachers)
        return loss, {"content": loss}

    outcome = run(Loop(bank, opt, step_loss, Budget(steps), run_dir / "checkpoint.pt", rng,
                       lambda: {"steps": steps, "batch": batch, "lr": lr}, device,
                       checkpoint_seconds=checkpoint_seconds, on_step=on_step), resume=resume)
    return bank.eval().cpu(), outcome.steps, outcome.seconds


BANK_STYLE_KEYS = ("name", "artist", "title", "year", "style_sha256", "command")


def bank_metadata(name: str, teacher_metas: list[dict], sources: list[str], command: str, steps: int,
                  seconds: float, size: int, batch: int, lr: float) -> tuple[dict, list[dict]]:
    """(the bank file's metadata, one entry per painting: what each teacher's file said about it)."""
    styles = [{k: m[k] for k in BANK_STYLE_KEYS if k in m} for m in teacher_metas]
    meta = {"name": name, "tier": teacher_metas[0].get("tier", "fast"), "value_range": "RGB float [0, 1] in and out",
            "command": command,
            "train": {"method": "distilled from single-style networks", "sources": sources, "final_step": steps,
                      "train_seconds": round(seconds, 1), "size": size, "batch": batch, "lr": lr}}
    return meta, styles
