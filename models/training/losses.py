"""Pure loss maths for style transfer: Gram matrices, style, content and total-variation losses.

Every function takes ``N×C×H×W`` float tensors and returns a scalar (or batched) tensor, computed
in float32 whatever the autocast (:func:`models.inference.device.float32_math`): a Gram matrix of VGG-19
activations overflows float16.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from models.inference.device import float32_math


@float32_math
def gram(features: torch.Tensor) -> torch.Tensor:
    """Gram matrix ``G = F·Fᵀ / (C·H·W)`` of ``N×C×H×W`` features, shape ``N×C×C``."""
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)
    return torch.bmm(flat, flat.transpose(1, 2)) / (c * h * w)


@float32_math
def style_loss(
    features: dict[str, torch.Tensor],
    target_grams: dict[str, torch.Tensor],
    layer_weights: dict[str, float] | None = None,
) -> torch.Tensor:
    """Sum over layers of ``weight · mean((gram(F) − G_target)²)``.

    ``target_grams[l]`` is ``C×C`` (one style, broadcast over the batch) or ``N×C×C``.
    """
    total = features[next(iter(target_grams))].new_zeros(())
    for layer, target in target_grams.items():
        g = gram(features[layer])
        weight = 1.0 if layer_weights is None else layer_weights[layer]
        total = total + weight * F.mse_loss(g, target.expand_as(g))
    return total


@float32_math
def log_style_loss(features: dict[str, torch.Tensor], target_grams: dict[str, torch.Tensor],
                   eps: float = 1e-8) -> torch.Tensor:
    """Mean over samples and layers of ``log(mean((gram(F) − G_target)²))`` (``G_target`` ``C×C`` or ``N×C×C``).

    The log of ../shared/QUALITY.md's style ratio (the geometric mean over the layers of per-layer Gram
    distance ratios) up to a constant: every layer counts by its relative error, whatever its scale, where
    :func:`style_loss`'s plain sum is ruled by the layers with the largest numbers (relu4_1's)."""
    logs = []
    for layer, target in target_grams.items():
        g = gram(features[layer])
        logs.append(torch.log((g - target.expand_as(g)).pow(2).mean(dim=(1, 2)) + eps))
    return torch.stack(logs).mean()


@float32_math
def content_loss(features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of two feature maps of equal shape."""
    return F.mse_loss(features, target)


@float32_math
def feature_distance(student: dict[str, torch.Tensor], teacher: dict[str, torch.Tensor],
                     layers: tuple[str, ...]) -> torch.Tensor:
    """Σ over ``layers`` of the mean squared feature difference, each divided by the teacher's mean
    square so that every layer counts alike (float32)."""
    total = teacher[layers[0]].new_zeros((), dtype=torch.float32)
    for layer in layers:
        target = teacher[layer].float()
        total = total + F.mse_loss(student[layer].float(), target) / target.pow(2).mean().clamp_min(1e-8)
    return total


@float32_math
def gram_distance(student: dict[str, torch.Tensor], teacher: dict[str, torch.Tensor],
                  layers: tuple[str, ...]) -> torch.Tensor:
    """Σ over ``layers`` of the mean squared difference of each sample's Gram matrices, each divided by the
    teacher's mean square Gram entry: a texture distance that, unlike :func:`feature_distance`, does not ask
    the strokes to be in the same places (float32)."""
    total = teacher[layers[0]].new_zeros((), dtype=torch.float32)
    for layer in layers:
        target = gram(teacher[layer].float())
        total = total + F.mse_loss(gram(student[layer].float()), target) / target.pow(2).mean().clamp_min(1e-12)
    return total


@float32_math
def tv_loss(image: torch.Tensor) -> torch.Tensor:
    """Anisotropic total variation (mean absolute difference of neighbours) of ``N×C×H×W`` images."""
    dx = (image[..., :, 1:] - image[..., :, :-1]).abs().mean()
    dy = (image[..., 1:, :] - image[..., :-1, :]).abs().mean()
    return dx + dy


def phase_deviation(image: torch.Tensor, patch: int = 8, radius: int = 2) -> torch.Tensor:
    """How each pixel phase of a ``patch`` grid departs from its neighbourhood, ``N×C×patch×patch×h×w``: the local
    mean (over ``2·radius + 1`` grid cells, edges repeated) of the pixels at each phase ``(y mod patch, x mod
    patch)`` minus the mean over all phases. A network that paints patches leaves a lattice here; a picture
    without one (the fast tier's) only its own content's little. ``image``: ``N×C×H×W``, sides multiples of
    ``patch``."""
    n, c, h, w = image.shape
    if h % patch or w % patch:
        raise ValueError(f"a {h}×{w} picture is not a whole number of {patch}-px patches")
    phases = image.reshape(n, c, h // patch, patch, w // patch, patch).permute(0, 1, 3, 5, 2, 4)
    flat = phases.reshape(n, c * patch * patch, h // patch, w // patch)
    local = F.avg_pool2d(F.pad(flat, [radius] * 4, mode="replicate"), 2 * radius + 1, stride=1)
    local = local.reshape(n, c, patch, patch, h // patch, w // patch)
    return local - local.mean(dim=(2, 3), keepdim=True)


def lattice_distance(student: torch.Tensor, teacher: torch.Tensor, patch: int = 8) -> torch.Tensor:
    """Mean squared difference of the two pictures' :func:`phase_deviation`: the student's patch lattice, beyond
    what the teacher's picture has at the same phases (``N×3×H×W`` in [0, 1], sides multiples of ``patch``)."""
    return torch.mean((phase_deviation(student.float(), patch) - phase_deviation(teacher.float(), patch)) ** 2)
