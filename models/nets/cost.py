"""What a network costs per frame: floating-point operations of every layer, not just the convolutions.

A convolution is 2 FLOPs per multiply–accumulate (plus its bias); an instance norm 8 per element
(mean, variance, normalise, scale and shift); a ReLU 1, a sigmoid 4, a residual addition 1 per
element. Padding, pixel (un)shuffles and nearest-neighbour upsampling move data without arithmetic
(they cost memory traffic, which is why ``stylecam bench`` times networks instead of trusting counts).
"""

from __future__ import annotations

import torch
from torch import nn

NORM_FLOPS = 8
SIGMOID_FLOPS = 4


def _residual_types() -> tuple[type, ...]:
    from models.nets.live import SeparableBlock
    from models.nets.transformer import ResidualBlock, SeparableResidualBlock

    return ResidualBlock, SeparableResidualBlock, SeparableBlock


def frame_flops(module: nn.Module, height: int, width: int, trunk: tuple[int, int] | None = None) -> int:
    """FLOPs of one forward pass of an image network on a ``height×width`` frame, every layer counted;
    ``trunk``: a painter's trunk size (height, width), where it runs below the frame it paints."""
    total = 0
    residual = _residual_types()

    def hook(m: nn.Module, inputs: tuple, out: torch.Tensor) -> None:
        nonlocal total
        if isinstance(m, nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1] * m.in_channels // m.groups
            total += out.numel() * (2 * k + (m.bias is not None))
        elif isinstance(m, nn.ConvTranspose2d):
            total += 2 * inputs[0].numel() * m.out_channels * m.kernel_size[0] * m.kernel_size[1] // m.groups
            total += out.numel() * (m.bias is not None)
        elif isinstance(m, nn.InstanceNorm2d):
            total += NORM_FLOPS * out.numel()
        elif isinstance(m, nn.ReLU):
            total += out.numel()
        elif isinstance(m, residual):
            total += out.numel()

    handles = [m.register_forward_hook(hook) for m in module.modules()]
    try:
        with torch.no_grad():
            x = torch.zeros(1, 3, height, width)
            y = module(x) if trunk is None else module(x, torch.zeros(1, 3, *trunk))
    finally:
        for h in handles:
            h.remove()
    return total + SIGMOID_FLOPS * y.numel()  # every tier ends in a sigmoid (a functional call, not a module)
