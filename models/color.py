"""Pure colour maths on ``N×3×H×W`` RGB tensors in [0, 1].

Moments, covariances and their eigendecomposition run in float32 at least (float64 stays float64),
whatever the autocast (:func:`models.inference.device.float32_math`): ``eigh`` has no half precision, and
a 1080p frame's covariance sums two million products. The one scripted caller,
:class:`models.nets.adain.ImageStyleNet`, hands :func:`recolor` float32 tensors itself.
"""

from __future__ import annotations

import numpy as np
import torch

from models.inference.device import float32_math

# ITU-R BT.601 luma and the matching chroma (YCbCr without offsets).
_RGB_TO_YCC = torch.tensor(
    [[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]], dtype=torch.float64
)
_YCC_TO_RGB = torch.linalg.inv(_RGB_TO_YCC)


def _apply(matrix: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,njhw->nihw", matrix.to(image.dtype).to(image.device), image)


def rgb_to_ycbcr(image: torch.Tensor) -> torch.Tensor:
    """RGB → (Y, Cb, Cr), Y in [0, 1], Cb and Cr centred on 0."""
    return _apply(_RGB_TO_YCC, image)


def ycbcr_to_rgb(image: torch.Tensor) -> torch.Tensor:
    return _apply(_YCC_TO_RGB, image)


def preserve_color(stylized: torch.Tensor, original: torch.Tensor) -> torch.Tensor:
    """Luminance-only transfer: the stylized image's Y with the original's Cb and Cr, clipped to [0, 1]."""
    ycc = rgb_to_ycbcr(stylized)
    ycc_orig = rgb_to_ycbcr(original)
    return ycbcr_to_rgb(torch.cat([ycc[:, :1], ycc_orig[:, 1:]], dim=1)).clamp_(0.0, 1.0)


def blend(stylized: torch.Tensor, original: torch.Tensor, strength: float) -> torch.Tensor:
    """``strength·stylized + (1 − strength)·original``; strength 0 is the original, 1 the full style."""
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be in [0, 1], got {strength}")
    if strength == 1.0:
        return stylized
    return torch.lerp(original, stylized, strength)


@float32_math
def color_moments(image: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image RGB mean (``N×3×1``) and covariance (``N×3×3``, ``eps`` added to the diagonal) of the pixels."""
    flat = image.reshape(image.shape[0], 3, -1)
    mean = flat.mean(dim=2, keepdim=True)
    centred = flat - mean
    eye = torch.eye(3, dtype=image.dtype, device=image.device)
    return mean, centred @ centred.transpose(1, 2) / flat.shape[2] + eps * eye


@float32_math
def symmetric_power(matrix: torch.Tensor, power: float, floor: float = 0.0) -> torch.Tensor:
    """``matrix^power`` of symmetric positive semi-definite ``…×3×3`` matrices (eigenvalues raised to ``floor``)."""
    values, vectors = torch.linalg.eigh(matrix)
    return vectors @ torch.diag_embed(values.clamp_min(floor).pow(power)) @ vectors.transpose(-1, -2)


@float32_math
def recolor(image: torch.Tensor, mean: torch.Tensor, sqrt_cov: torch.Tensor, min_variance: float = 1e-5
            ) -> torch.Tensor:
    """Give ``N×3×H×W`` images the RGB mean ``mean`` (``…×3×1``) and covariance ``sqrt_cov²``, clipped to [0, 1].

    The linear transfer of Gatys et al. 2017 ("Controlling perceptual factors", image analogies
    variant): x ↦ Σ_t^½ Σ_s^-½ (x − μ_s) + μ_t. ``min_variance`` bounds how far a nearly flat
    colour direction of the image is stretched (a grey photo's faint chroma noise stays faint).
    """
    own_mean, own_cov = color_moments(image)
    transform = sqrt_cov @ symmetric_power(own_cov, -0.5, min_variance)
    flat = image.reshape(image.shape[0], 3, -1)
    return (transform @ (flat - own_mean) + mean).reshape(image.shape).clamp(0.0, 1.0)


@float32_math
def match_color(source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Recolour ``source`` so that its pixels' RGB mean and covariance are ``target``'s (both ``1×3×H×W``),
    in float64 (:func:`recolor`). Gives a style picture the photo's colours before its statistics
    are taken (``--preserve-color`` with AdaIN)."""
    mean, cov = color_moments(target.double())
    return recolor(source.double(), mean, symmetric_power(cov, 0.5)).to(source.dtype)


def recolor_frame(frame: np.ndarray, mean: np.ndarray, sqrt_cov: np.ndarray, min_variance: float = 1e-5,
                  amount: float = 1.0) -> np.ndarray:
    """:func:`recolor` on an ``H×W×3`` RGB frame (``uint8``, or ``float32`` on the same 0–255 scale: a network's
    output before rounding), moved ``amount`` of the way, as one affine map in OpenCV (the frame's own moments
    in float64); ``uint8`` out. For networks whose graph cannot hold the eigendecomposition (ONNX has none):
    their output is recoloured after them, where a TorchScript network recolours inside."""
    import cv2

    pixels = frame.reshape(-1, 3).astype(np.float64) / 255.0
    own_mean = pixels.mean(axis=0)
    centred = pixels - own_mean
    own_cov = centred.T @ centred / len(pixels) + 1e-5 * np.eye(3)  # color_moments' eps
    values, vectors = np.linalg.eigh(own_cov)
    inv_sqrt = vectors @ np.diag(np.maximum(values, min_variance) ** -0.5) @ vectors.T
    transform = np.asarray(sqrt_cov, np.float64).reshape(3, 3) @ inv_sqrt
    offset = (np.asarray(mean, np.float64).reshape(3) - transform @ own_mean) * 255.0
    source = np.ascontiguousarray(frame, np.float32)
    out = np.clip(cv2.transform(source, np.hstack([transform, offset[:, None]])), 0.0, 255.0)
    if amount < 1.0:
        out = cv2.addWeighted(source, 1.0 - amount, out, amount, 0.0)
    return np.rint(out, out=out).clip(0.0, 255.0).astype(np.uint8)
