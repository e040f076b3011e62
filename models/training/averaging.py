"""An exponential moving average of a network's weights (Polyak averaging), the network a training run ships.

A decoder trained on small batches of random paintings swings from step to step: two checkpoints
46 steps apart measured style ×4.12 and ×2.75 on the same held-out painting. The average over
the last few hundred steps is what the training converges to, without the last batches' pull.
"""

from __future__ import annotations

import torch
from torch import nn


def ema_decay(step: int, decay: float) -> float:
    """The decay at ``step`` (counted from 0): ``decay``, but smaller early on, so that a short run's
    average follows the weights rather than staying near their random start ((1 + step) / (10 + step))."""
    return min(decay, (1.0 + step) / (10.0 + step))


@torch.no_grad()
def ema_update(averaged: nn.Module, model: nn.Module, decay: float) -> None:
    """``averaged ← decay · averaged + (1 − decay) · model``, parameter by parameter (buffers copied)."""
    for a, p in zip(averaged.parameters(), model.parameters(), strict=True):
        a.lerp_(p.detach().to(a.dtype), 1.0 - decay)
    for a, b in zip(averaged.buffers(), model.buffers(), strict=True):
        a.copy_(b)
