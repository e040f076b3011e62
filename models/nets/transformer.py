"""The feed-forward style network (Johnson et al. 2016, with the usual fixes).

Encoder (strided convs) → residual blocks → decoder (nearest upsample + conv, so no
transposed-conv checkerboard) with instance normalization throughout. Width, depth and
block type are parameters, which gives the two tiers:

* ``fast``: few channels and depthwise-separable residual blocks, for the live CPU path;
* ``quality``: Johnson et al.'s size (32-64-128 channels, five full residual blocks).

Input and output: ``N×3×H×W`` float RGB in [0, 1]. H and W need not be multiples of 4.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class NetConfig:
    """Architecture of a :class:`TransformerNet`; stored in every weights file's metadata."""

    channels: tuple[int, int, int] = (32, 64, 128)
    n_res: int = 5
    block: str = "full"  # "full": two 3×3 convs; "dwsep": depthwise-separable inverted residual
    expand: int = 2  # channel expansion of a "dwsep" block
    kernel: int = 9  # kernel size of the first and last conv
    arch: str = "johnson"  # "johnson": this module's network; "patch": the live tier (models.nets.live)
    patch: int = 8  # "patch": the side of the patches it works on (its features are at 1/patch)
    overlap: bool = False  # "patch": the head paints 2·patch squares at a stride of one patch, so neighbours blend
    detail: int = 0  # "painter": channels of the per-patch detail path taken from the frame at its own size
    fine: int = 0  # "painter": residual blocks on the frame's own patch grid, after the detail joins the trunk
    flat_head: bool = False  # "painter": every head phase answers a constant feature alike (live.flat_phase_head)

    def __post_init__(self) -> None:
        if self.arch not in ("johnson", "patch", "painter"):
            raise ValueError(f"unknown network architecture {self.arch!r}")
        if self.arch != "johnson" and (self.block != "dwsep" or self.patch not in (4, 8, 16)):
            raise ValueError(f"a patch network has dwsep blocks and 4, 8 or 16 px patches, got {self!r}")
        if self.arch != "painter" and self.fine:
            raise ValueError(f"only a painter has blocks on the frame's own grid, got {self!r}")
        if (self.arch == "painter") != (self.detail > 0) or (self.arch == "painter" and not self.overlap):
            raise ValueError(f"a painter (and only a painter) has a detail path and an overlapping head, got {self!r}")
        if self.flat_head and self.arch != "painter":
            raise ValueError(f"only a painter's head is made phase-flat, got {self!r}")
        if self.block not in ("full", "dwsep"):
            raise ValueError(f"unknown residual block type {self.block!r}")
        if len(self.channels) != 3 or not all(1 <= int(c) <= 1024 for c in self.channels):
            raise ValueError(f"channels must be three widths in 1..1024, got {self.channels!r}")
        if not 0 <= self.n_res <= 32 or not 1 <= self.expand <= 8 or self.kernel not in (3, 5, 7, 9):
            raise ValueError(f"implausible network config {self!r}")
        object.__setattr__(self, "channels", tuple(int(c) for c in self.channels))

    def to_dict(self) -> dict:
        """The config as stored in metadata; the architecture fields only for a patch network, so that the
        files written before the live tier existed and the same networks written now read alike (and a
        patch network's file without ``overlap``, written before it existed, reads as ``False``)."""
        d = asdict(self)
        if self.arch == "johnson":
            del d["arch"], d["patch"], d["overlap"]
        if self.arch != "painter":
            del d["detail"], d["fine"]
        if not self.flat_head:  # the painters written before it existed read alike
            del d["flat_head"]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> NetConfig:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown network config keys: {sorted(unknown)}")
        return cls(**d)


TIERS: dict[str, NetConfig] = {
    # the live tier: 8×8 patches, 64 channels at 1/8 resolution, an overlapping head (models.nets.live)
    "live": NetConfig(channels=(64, 64, 64), n_res=4, block="dwsep", expand=2, kernel=3, arch="patch", patch=8,
                      overlap=True),
    "fast": NetConfig(channels=(16, 32, 64), n_res=5, block="dwsep", expand=2, kernel=9),
    # the live tier that paints at the frame's own size whatever size its trunk runs at (issue 34, models.nets.live)
    "painter": NetConfig(channels=(64, 64, 64), n_res=4, block="dwsep", expand=2, kernel=3, arch="painter", patch=8,
                         overlap=True, detail=16, fine=1),
    "quality": NetConfig(channels=(32, 64, 128), n_res=5, block="full", kernel=9),
}


class ConvNormAct(nn.Sequential):
    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1, act: bool = True) -> None:
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(kernel // 2),
            nn.Conv2d(cin, cout, kernel, stride=stride, groups=groups, bias=False),
            nn.InstanceNorm2d(cout, affine=True),
        ]
        if act:
            layers.append(nn.ReLU(inplace=True))
        super().__init__(*layers)


class ResidualBlock(nn.Module):
    """Two 3×3 convs with instance norm, plus the identity."""

    def __init__(self, ch: int) -> None:
        super().__init__()
        self.body = nn.Sequential(ConvNormAct(ch, ch, 3), ConvNormAct(ch, ch, 3, act=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class SeparableResidualBlock(nn.Module):
    """Inverted residual (MobileNetV2 style): 1×1 expand → 3×3 depthwise → 1×1 project, plus the identity."""

    def __init__(self, ch: int, expand: int) -> None:
        super().__init__()
        mid = ch * expand
        self.body = nn.Sequential(
            ConvNormAct(ch, mid, 1),
            ConvNormAct(mid, mid, 3, groups=mid),
            ConvNormAct(mid, ch, 1, act=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class UpConv(nn.Module):
    """Nearest-neighbour upsample to ``size`` then a conv: no checkerboard."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = ConvNormAct(cin, cout, 3)

    def forward(self, x: torch.Tensor, size: list[int]) -> torch.Tensor:
        return self.conv(F.interpolate(x, size=size, mode="nearest"))


class TransformerNet(nn.Module):
    """Image transformation network: ``N×3×H×W`` RGB [0, 1] → the same shape, stylized."""

    def __init__(self, config: NetConfig = TIERS["fast"]) -> None:
        super().__init__()
        self.config = config
        c1, c2, c3 = config.channels
        self.enc1 = ConvNormAct(3, c1, config.kernel)
        self.enc2 = ConvNormAct(c1, c2, 3, stride=2)
        self.enc3 = ConvNormAct(c2, c3, 3, stride=2)
        if config.block == "full":
            blocks = [ResidualBlock(c3) for _ in range(config.n_res)]
        else:
            blocks = [SeparableResidualBlock(c3, config.expand) for _ in range(config.n_res)]
        self.res = nn.Sequential(*blocks)
        self.up1 = UpConv(c3, c2)
        self.up2 = UpConv(c2, c1)
        self.out = nn.Sequential(nn.ReflectionPad2d(config.kernel // 2), nn.Conv2d(c1, 3, config.kernel))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h1 = self.enc1(x)
        h2 = self.enc2(h1)
        h = self.res(self.enc3(h2))
        h = self.up1(h, [h2.shape[2], h2.shape[3]])
        h = self.up2(h, [h1.shape[2], h1.shape[3]])
        return torch.sigmoid(self.out(h))


def tier_of(config: NetConfig | None) -> str | None:
    """The name of the tier ``config`` is (``live``, ``fast``, ``quality``), or ``None`` for another network. A
    live-tier network written before the overlapping head is still the live tier."""
    if config is not None and config.arch == "patch" and not config.overlap:
        config = replace(config, overlap=True)
    if config is not None and config.arch == "painter":
        return "live"
    return next((name for name, tier in TIERS.items() if tier == config), None)


def build_network(config: NetConfig) -> nn.Module:
    """The network a config describes: a :class:`TransformerNet`, or the live tier's patch network."""
    if config.arch == "patch":
        from models.nets.live import PatchNet

        return PatchNet(config)
    if config.arch == "painter":
        from models.nets.live import FramePainter

        return FramePainter(config)
    return TransformerNet(config)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def conv_macs(module: nn.Module, height: int, width: int) -> int:
    """Multiply–accumulates of the convolutions for one ``height×width`` frame (the bulk of the cost)."""
    total = 0

    def hook(conv: nn.Conv2d, _inp: tuple, out: torch.Tensor) -> None:
        nonlocal total
        k = conv.kernel_size[0] * conv.kernel_size[1] * conv.in_channels // conv.groups
        total += out.numel() * k

    handles = [m.register_forward_hook(hook) for m in module.modules() if isinstance(m, nn.Conv2d)]
    try:
        with torch.no_grad():
            module(torch.zeros(1, 3, height, width))
    finally:
        for h in handles:
            h.remove()
    return total
