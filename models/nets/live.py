"""The live tier: a feed-forward style network that works on 8×8 patches (issue 18).

The fast tier spends most of its 15.6 GFLOPs a 640×480 frame at full and half resolution
(a 9×9 convolution in and out, 16–32 channels). This network never convolves at full
resolution: a strided stem turns each 8×8 patch (with a 4 px overlap on each side, so a
patch sees its neighbours) into ``width`` features at 1/8 of the frame, depthwise-separable
residual blocks with instance norm do the work there, and a transposed convolution paints
the patches back. Its kernel spans two patches at a stride of one (``overlap``), so that every
output pixel mixes four neighbouring feature vectors and the patches blend: with a kernel equal
to the stride (the first live styles) each 8×8 square was painted alone, and at 640×480 the
seams showed as a regular grid (udnie's triangular facets, composition's blocks). The kernel of
twice the stride at a stride of one patch reaches every output pixel with four taps (two in each
direction), so no checkerboard; the features are padded by one patch (edge repeated) before it, so
that the frame's outer half-patch gets four taps too instead of a darker, half-painted rim.
The live tier (64 channels, 4 blocks, overlapping head) costs 1.68 GFLOPs a 640×480 frame,
every layer counted (1.33 without the overlap; 20.0 ms against 15.0 ms in ONNX Runtime, 2 threads).

Measured alternatives (ONNX Runtime, 2 threads, 640×480, scripts/explore_live_tier.py): pixel
(un)shuffle ×8 around 1×1 convolutions costs the same arithmetic but ~10 ms more (ONNX Runtime
transposes the 6-D tensors); reflection padding in the blocks added ~15 ms over zero padding;
a transposed head with a 16 px kernel (overlapping patches) added ~9 ms; 80 channels took 30–40 ms
where 64 took 22–30 (the first set of live styles was trained at 80 and measured 33–40 ms a frame
through the runtime, over the 35 ms budget); instance norm costs ~6 ms of it, mostly for the layout
changes ONNX Runtime makes around it, and a decomposed norm was no faster.

Input and output: ``N×3×H×W`` float RGB in [0, 1]. H and W need not be multiples of 8: the
frame is padded (edge pixels repeated) and the output cropped back.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class SeparableBlock(nn.Module):
    """Inverted residual at 1/8 resolution: 1×1 expand → 3×3 depthwise → 1×1 project, instance norm, plus the
    identity. Zero padding (inside the convolution) instead of a reflection pad: the same picture for much
    less memory traffic at this size."""

    def __init__(self, ch: int, expand: int) -> None:
        super().__init__()
        mid = ch * expand
        self.body = nn.Sequential(
            nn.Conv2d(ch, mid, 1, bias=False), nn.InstanceNorm2d(mid, affine=True), nn.ReLU(inplace=True),
            nn.Conv2d(mid, mid, 3, padding=1, groups=mid, bias=False), nn.InstanceNorm2d(mid, affine=True),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid, ch, 1, bias=False), nn.InstanceNorm2d(ch, affine=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class PatchNet(nn.Module):
    """The live tier: ``N×3×H×W`` RGB [0, 1] → the same shape, stylized, through features at 1/``patch``."""

    def __init__(self, config) -> None:
        super().__init__()
        self.config = config
        width, f = config.channels[-1], config.patch
        self.patch = f
        self.stem = nn.Sequential(
            nn.Conv2d(3, width, 2 * f, stride=f, padding=f // 2, bias=False),
            nn.InstanceNorm2d(width, affine=True), nn.ReLU(inplace=True))
        self.res = nn.Sequential(*[SeparableBlock(width, config.expand) for _ in range(config.n_res)])
        self.overlap = config.overlap
        if config.overlap:  # on features padded by one patch (edge repeated): the frame's edge gets four neighbours too
            self.head = nn.ConvTranspose2d(width, 3, 2 * f, stride=f, padding=f // 2 + f)
        else:
            self.head = nn.ConvTranspose2d(width, 3, f, stride=f)

    def paint(self, features: torch.Tensor) -> torch.Tensor:
        """Features at 1/patch → the picture (before the sigmoid)."""
        if self.overlap:
            features = F.pad(features, [1, 1, 1, 1], mode="replicate")
        return self.head(features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2], x.shape[3]
        ph, pw = (self.patch - h % self.patch) % self.patch, (self.patch - w % self.patch) % self.patch
        if ph > 0 or pw > 0:  # (an exported graph, traced on a multiple of 8, keeps neither the pad nor the crop)
            x = F.pad(x, [0, pw, 0, ph], mode="replicate")
            return torch.sigmoid(self.paint(self.res(self.stem(x))))[:, :, :h, :w]
        return torch.sigmoid(self.paint(self.res(self.stem(x))))


def overlapping_state(state: dict[str, torch.Tensor], patch: int) -> dict[str, torch.Tensor]:
    """The weights of a patch network without ``overlap`` as those of the same network with it, computing the
    same picture: the old ``patch``-wide head kernel sits in the middle of the new ``2·patch`` one (the new
    head, on features padded by one patch, puts output pixel ``o`` of patch ``i`` at kernel index
    ``o - patch·i + patch/2``), zeros around it. Training then learns to blend the neighbours (a warm start,
    issue 18)."""
    out = dict(state)
    old = state["head.weight"]
    if old.shape[-1] != patch:
        raise ValueError(f"the head kernel is {old.shape[-1]} px, not one {patch} px patch: it overlaps already")
    new = old.new_zeros(*old.shape[:2], 2 * patch, 2 * patch)
    lo = patch // 2
    new[:, :, lo:lo + patch, lo:lo + patch] = old
    out["head.weight"] = new
    return out
