"""The live tier: a feed-forward style network that works on 8×8 patches (issue 18).

The fast tier spends most of its 15.6 GFLOPs a 640×480 frame at full and half resolution
(a 9×9 convolution in and out, 16–32 channels). This network never convolves at full
resolution: a strided stem turns each 8×8 patch (with a 4 px overlap on each side, so a
patch sees its neighbours) into ``width`` features at 1/8 of the frame, depthwise-separable
residual blocks with instance norm do the work there, and a transposed convolution whose
kernel equals its stride (no overlap, so no checkerboard) paints each patch back. The live
tier (64 channels, 4 blocks) costs 1.33 GFLOPs a 640×480 frame, every layer counted.

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
        self.head = nn.ConvTranspose2d(width, 3, f, stride=f)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2], x.shape[3]
        ph, pw = (self.patch - h % self.patch) % self.patch, (self.patch - w % self.patch) % self.patch
        if ph > 0 or pw > 0:  # (an exported graph, traced on a multiple of 8, keeps neither the pad nor the crop)
            x = F.pad(x, [0, pw, 0, ph], mode="replicate")
            return torch.sigmoid(self.head(self.res(self.stem(x))))[:, :, :h, :w]
        return torch.sigmoid(self.head(self.res(self.stem(x))))
