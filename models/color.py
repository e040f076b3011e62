"""Pure colour maths on ``N×3×H×W`` RGB tensors in [0, 1]."""

from __future__ import annotations

import torch

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


def _sqrtm(cov: torch.Tensor) -> torch.Tensor:
    """Symmetric square root of a symmetric positive semi-definite ``3×3`` matrix."""
    values, vectors = torch.linalg.eigh(cov)
    return vectors @ torch.diag(values.clamp_min(0).sqrt()) @ vectors.T


def match_color(source: torch.Tensor, target: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Recolour ``source`` so that its pixels' RGB mean and covariance are ``target``'s (both ``1×3×H×W``).

    The linear transfer of Gatys et al. 2017 ("Controlling perceptual factors", image analogies
    variant): x ↦ Σ_t^½ Σ_s^-½ (x − μ_s) + μ_t, clipped to [0, 1]. Used to give a style picture
    the photo's colours before its statistics are taken (``--preserve-color`` with AdaIN).
    """
    def stats(image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        flat = image.double().reshape(3, -1)
        mean = flat.mean(dim=1, keepdim=True)
        centred = flat - mean
        return flat, mean, centred @ centred.T / flat.shape[1] + eps * torch.eye(3, dtype=flat.dtype)

    flat, mean_s, cov_s = stats(source)
    _, mean_t, cov_t = stats(target)
    transform = _sqrtm(cov_t) @ torch.linalg.inv(_sqrtm(cov_s))
    out = transform @ (flat - mean_s) + mean_t
    return out.reshape(source.shape).to(source.dtype).clamp_(0.0, 1.0)
