"""A temporal-consistency loss for training without video (Ruder et al. 2018, Huang et al. 2017).

A batch of photos is warped by a random smooth motion, as if it were the next frame; a
stable network's output of the warped photo must equal its output of the photo, warped
the same way. Tensors are ``N×3×H×W`` RGB in [0, 1]; flows are ``N×2×H×W`` in pixels.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from models.inference.device import float32_math


def random_smooth_flow(n: int, h: int, w: int, max_shift: float = 4.0, max_wobble: float = 2.0,
                       generator: torch.Generator | None = None) -> torch.Tensor:
    """A global shift of up to ``max_shift`` px plus a smooth local wobble of up to ``max_wobble`` px."""
    shift = (torch.rand(n, 2, 1, 1, generator=generator) * 2 - 1) * max_shift
    coarse = (torch.rand(n, 2, 4, 4, generator=generator) * 2 - 1) * max_wobble
    wobble = F.interpolate(coarse, size=(h, w), mode="bicubic", align_corners=True)
    return shift + wobble


@float32_math
def warp_tensor(image: torch.Tensor, flow: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Backward warp ``out(x) = image(x + flow(x))`` (bilinear) and the mask of pixels sampled inside,
    in float32 (float16 pixel coordinates are whole pixels apart beyond 1024)."""
    n, _, h, w = image.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=image.dtype, device=image.device),
                            torch.arange(w, dtype=image.dtype, device=image.device), indexing="ij")
    x = xs + flow[:, 0].to(image.dtype)
    y = ys + flow[:, 1].to(image.dtype)
    grid = torch.stack([2 * x / max(w - 1, 1) - 1, 2 * y / max(h - 1, 1) - 1], dim=-1)
    out = F.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=True)
    inside = ((x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)).unsqueeze(1).to(image.dtype)
    return out, inside


@float32_math
def temporal_loss(output: torch.Tensor, output_of_warped: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Mean squared difference, in 8-bit levels², between the network's output of the warped
    frame and its output of the frame warped afterwards, over pixels that stay in view."""
    warped_output, inside = warp_tensor(output, flow)
    diff = (output_of_warped - warped_output) * 255.0
    return (diff.pow(2) * inside).sum() / (inside.sum() * output.shape[1]).clamp_min(1.0)
