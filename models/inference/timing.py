"""Networks that ``stylecam bench`` times where a style has none of its own: speed depends on the shape, not on
the weights, so a tier without trained weights is timed on a stand-in of random weights, and the cost of a
plain Johnson et al. (2016) network in eager PyTorch is the baseline the compiled tiers are measured against."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from models.inference.registry import save_style
from models.nets.transformer import TIERS, TransformerNet, build_network


def stand_in_style(tier: str, folder: str | Path) -> Path:
    """A weights file of ``tier``'s network with random weights, in ``folder`` (named ``untrained-TIER``)."""
    return save_style(build_network(TIERS[tier]), {"name": f"untrained-{tier}"}, Path(folder) / f"{tier}.safetensors")


def eager_baseline(frame: np.ndarray,
                   device: torch.device) -> tuple[Callable[[np.ndarray], torch.Tensor], torch.nn.Module]:
    """(a frame callable running the Johnson et al. size network in eager PyTorch float32 on ``frame``, the
    network): the frame is converted once, so only the network is timed."""
    johnson = TransformerNet(TIERS["quality"]).eval().to(device)
    x = torch.from_numpy(frame).permute(2, 0, 1).unsqueeze(0).float().div(255).to(device)

    def eager(_frame: np.ndarray) -> torch.Tensor:
        with torch.inference_mode():
            return johnson(x).cpu()

    return eager, johnson
