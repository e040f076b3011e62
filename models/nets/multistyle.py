"""One network for a pack of styles: conditional instance normalization (Dumoulin et al. 2017).

Every style shares the convolutions; a style owns only the scale and shift of each instance
norm (3,520 numbers for the fast tier), one row of ``table``. Switching style copies a row
into the network's norm parameters; blending styles copies a convex combination of rows.
Neither touches the convolutions, so in a live loop a switch costs microseconds.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.func import functional_call

from models.nets.transformer import NetConfig, TransformerNet, build_network


def norm_layout(net: nn.Module) -> list[tuple[str, int]]:
    """(module path, channels) of every affine instance norm, in a fixed order."""
    return [(name, m.num_features) for name, m in net.named_modules() if isinstance(m, nn.InstanceNorm2d)]


def norm_vector(net: nn.Module) -> torch.Tensor:
    """The network's norm parameters as one vector: weight then bias of each norm, in layout order."""
    modules = dict(net.named_modules())
    parts = []
    for name, _ in norm_layout(net):
        parts += [modules[name].weight.detach().reshape(-1), modules[name].bias.detach().reshape(-1)]
    return torch.cat(parts)


def split_vector(layout: list[tuple[str, int]], vector: torch.Tensor) -> dict[str, torch.Tensor]:
    """A norm vector → ``{"<module>.weight": ..., "<module>.bias": ...}`` views."""
    out, offset = {}, 0
    for name, ch in layout:
        out[f"{name}.weight"] = vector[offset : offset + ch]
        out[f"{name}.bias"] = vector[offset + ch : offset + 2 * ch]
        offset += 2 * ch
    if offset != vector.numel():
        raise ValueError(f"norm vector has {vector.numel()} values, the network needs {offset}")
    return out


def mix_rows(table: torch.Tensor, weights: dict[int, float]) -> torch.Tensor:
    """Convex combination of table rows; ``weights`` maps row → non-negative weight (normalised here)."""
    if not weights or any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError("style weights must be non-negative and not all zero")
    total = sum(weights.values())
    return sum((w / total) * table[i] for i, w in weights.items())


@torch.no_grad()
def write_norm_params(module: nn.Module, layout: list[tuple[str, int]], vector: torch.Tensor) -> None:
    """Copy a norm vector into a network's parameters in place (works on eager and scripted modules)."""
    for key, value in split_vector(layout, vector).items():
        path, attr = key.rsplit(".", 1)
        target = module
        for part in path.split("."):
            target = getattr(target, part)
        getattr(target, attr).copy_(value.to(getattr(target, attr)))


class StyleBank(nn.Module):
    """A shared :class:`TransformerNet` plus one row of norm parameters per style."""

    def __init__(self, config: NetConfig, n_styles: int) -> None:
        super().__init__()
        if not 1 <= n_styles <= 256:
            raise ValueError(f"a style bank holds 1..256 styles, got {n_styles}")
        self.net = build_network(config)
        self.layout = norm_layout(self.net)
        self.table = nn.Parameter(norm_vector(self.net).repeat(n_styles, 1))
        norm_keys = set(split_vector(self.layout, self.table[0]))
        self.norm_keys = norm_keys
        for name, p in self.net.named_parameters():
            if name in norm_keys:
                p.requires_grad_(False)  # the table's rows stand in for these

    @property
    def n_styles(self) -> int:
        return self.table.shape[0]

    def shared_parameters(self) -> list[nn.Parameter]:
        return [p for n, p in self.net.named_parameters() if n not in self.norm_keys]

    def forward(self, x: torch.Tensor, style: int) -> torch.Tensor:
        """Stylize ``N×3×H×W`` RGB [0, 1] with row ``style`` (differentiable in the table)."""
        params = dict(self.net.named_parameters())
        params.update(split_vector(self.layout, self.table[style]))
        return functional_call(self.net, params, (x,))

    def network_for(self, weights: dict[int, float]) -> TransformerNet:
        """A standalone eval-mode network with the blended style's norm parameters."""
        net = build_network(self.net.config)
        net.load_state_dict(self.net.state_dict())
        write_norm_params(net, self.layout, mix_rows(self.table.detach(), weights))
        return net.eval()
