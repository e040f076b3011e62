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

Measured alternatives (ONNX Runtime, 2 threads, 640×480, explore_live_tier in docs/explorations.md): pixel
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
        self.flat_head = bool(getattr(config, "flat_head", False))
        if config.overlap:  # on features padded by one patch (edge repeated): the frame's edge gets four neighbours too
            self.head = nn.ConvTranspose2d(width, 3, 2 * f, stride=f, padding=f // 2 + f)
        else:
            self.head = nn.ConvTranspose2d(width, 3, f, stride=f)

    def paint(self, features: torch.Tensor) -> torch.Tensor:
        """Features at 1/patch → the picture (before the sigmoid)."""
        if self.overlap:
            features = F.pad(features, [1, 1, 1, 1], mode="replicate")
        if self.flat_head:  # the kernel as flat_phase_head makes it (a constant, folded when compiled)
            return F.conv_transpose2d(features, flat_phase_head(self.head.weight, self.patch), self.head.bias,
                                      stride=self.patch, padding=self.head.padding)
        return self.head(features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2], x.shape[3]
        ph, pw = (self.patch - h % self.patch) % self.patch, (self.patch - w % self.patch) % self.patch
        if ph > 0 or pw > 0:  # (an exported graph, traced on a multiple of 8, keeps neither the pad nor the crop)
            x = F.pad(x, [0, pw, 0, ph], mode="replicate")
            return torch.sigmoid(self.paint(self.res(self.stem(x))))[:, :, :h, :w]
        return torch.sigmoid(self.paint(self.res(self.stem(x))))


class FramePainter(PatchNet):
    """The live tier that paints at the frame's own size (issue 34): ``N×3×H×W`` RGB [0, 1] → the same shape.

    The patch network's trunk (stem and residual blocks) may run on the frame scaled down (``small``), where
    most of the cost is; its features are resized (bilinear) to the full frame's patch grid, a per-patch
    detail path taken from the frame at its own size is added (a strided convolution of ``config.detail``
    channels and a 1×1 mix into the features, cheap: a quarter of the stem), and the overlapping head paints
    the frame's own pixels. So the strokes keep their pixel size and crispness whatever size the trunk ran
    at: a trunk at 0.75 of the frame costs about half, where scaling a small stylization up makes its strokes
    larger and softer by the scale (sharpness ×0.67 at 0.75 on the validation photos), and painting from the
    resized features alone, without the detail path, repeats the head's pattern in every patch (a lattice).

    Trained by distillation from the fast tier on the whole frame with the trunk at a random scale in
    [``min_train_scale``, 1] (``scripts/recipes/train_painters.py``); warm-started from a live-tier patch network of
    the same trunk and head (:func:`painter_state`), its detail mix starting at zero.
    """

    def __init__(self, config) -> None:
        super().__init__(config)
        f = config.patch
        self.detail = nn.Sequential(nn.Conv2d(3, config.detail, 2 * f, stride=f, padding=f // 2),
                                    nn.ReLU(inplace=True))
        self.mix = nn.Conv2d(config.detail, config.channels[-1], 1)
        nn.init.zeros_(self.mix.weight)
        nn.init.zeros_(self.mix.bias)
        # blocks on the frame's own grid, where the trunk's resized features and the detail meet (identity at first:
        # each block's last norm scaled to zero)
        self.fine = nn.Sequential(*[SeparableBlock(config.channels[-1], config.expand) for _ in range(config.fine)])
        for block in self.fine:
            nn.init.zeros_(block.body[-1].weight)
        self.min_train_scale = 0.5

    def _padded(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2], x.shape[3]
        ph, pw = (self.patch - h % self.patch) % self.patch, (self.patch - w % self.patch) % self.patch
        if ph > 0 or pw > 0:
            x = F.pad(x, [0, pw, 0, ph], mode="replicate")
        return x

    def paint_frame(self, x: torch.Tensor, small: torch.Tensor) -> torch.Tensor:
        """``x`` the frame, ``small`` the same frame at the trunk's size (``x`` itself for the full size)."""
        h, w = x.shape[2], x.shape[3]
        x = self._padded(x)
        features = self.res(self.stem(self._padded(small)))
        gh, gw = x.shape[2] // self.patch, x.shape[3] // self.patch
        if features.shape[2] != gh or features.shape[3] != gw:
            features = F.interpolate(features, size=[gh, gw], mode="bilinear", align_corners=False)
        features = self.fine(features + self.mix(self.detail(x)))
        return torch.sigmoid(self.paint(features))[:, :, :h, :w]

    def forward(self, x: torch.Tensor, small: torch.Tensor | None = None) -> torch.Tensor:
        if small is None:
            if self.training:  # the trunk at a random scale, sides multiples of the patch (as the runtime picks)
                s = self.min_train_scale + (1.0 - self.min_train_scale) * float(torch.rand(()))
                sh = max(self.patch, int(round(x.shape[2] * s / self.patch)) * self.patch)
                sw = max(self.patch, int(round(x.shape[3] * s / self.patch)) * self.patch)
                small = F.interpolate(x, size=[sh, sw], mode="bilinear", align_corners=False, antialias=True)
            else:
                small = x
        return self.paint_frame(x, small)


def painter_state(state: dict[str, torch.Tensor], fresh: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A live-tier patch network's weights (overlapping head) as a :class:`FramePainter`'s: its trunk and head,
    the detail path from ``fresh`` (a new painter's own state; its mix is zero, so the painter starts as the
    patch network's features resized to the frame's grid)."""
    out = dict(fresh)
    missing = [k for k in fresh if k not in state and not k.startswith(("detail.", "mix.", "fine."))]
    if missing:
        raise ValueError(f"not a live-tier patch network of this trunk: no {missing[0]}")
    out.update({k: v for k, v in state.items() if k in fresh})
    return out


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


def flat_phase_head(weight: torch.Tensor, stride: int) -> torch.Tensor:
    """An overlapping head's transposed-convolution kernel (``in×out×2s×2s``, stride ``s``) with every output phase's
    response to a constant input made equal: each phase ``(p, q)`` of a patch sums the kernel's four taps
    ``(p + s·i, q + s·j)``; their deviation from the mean over phases is taken out, a quarter from each tap. A
    feature that is the same in neighbouring patches then paints a flat colour instead of the head's fixed 8-px
    pattern (the lattice); strokes come only from what differs between patches. Idempotent."""
    s = stride
    if weight.dim() != 4 or weight.shape[2] != 2 * s or weight.shape[3] != 2 * s:
        raise ValueError("an overlapping head's kernel is in×out×2s×2s for a stride of s (e.g. 16×16 for 8)")
    phase = weight[:, :, :s, :s] + weight[:, :, s:, :s] + weight[:, :, :s, s:] + weight[:, :, s:, s:]
    excess = (phase - phase.mean(dim=[2, 3], keepdim=True)) / 4
    return weight - excess.repeat(1, 1, 2, 2)
