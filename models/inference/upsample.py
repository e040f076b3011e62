"""Edge-aware upsampling of a stylization made below the frame's size (the fast guided filter).

When the network runs smaller than the camera frame, bilinear upscaling blurs every edge of
the scene. The guided filter (He, Sun & Tang 2013) instead models the output, in each small
window, as a linear function of the guide: ``out = a·guide + b``. The fast variant (He & Sun
2015) fits ``a`` and ``b`` at the network's size, with the frame shrunk to that size as the
guide, upsamples the smooth coefficient maps bilinearly and applies them to the full-size
frame: the output's colours come from the stylization, its edges from the camera frame.

The guide is the frame's luma, so ``a`` and ``b`` are per output channel: 3 coefficient
pairs per pixel. ``radius`` is in pixels of the small image; ``eps`` (in [0, 1]² units)
sets how much of a guide edge counts as an edge: smaller keeps more of the frame's edges
(and of its texture), larger tends to plain bilinear upscaling.

Two implementations of the same maths: OpenCV on ``uint8`` frames (the live loop on a CPU)
and PyTorch on tensors (any device).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

RADIUS = 2
EPS = 1e-3
LUMA = (0.299, 0.587, 0.114)


def _luma(rgb: np.ndarray) -> np.ndarray:
    """``H×W×3`` uint8 RGB → ``H×W`` float32 luma in [0, 1]."""
    return (rgb.astype(np.float32) @ np.asarray(LUMA, np.float32)) * (1.0 / 255.0)


def guided_upsample(small_out: np.ndarray, small_guide: np.ndarray, guide: np.ndarray,
                    radius: int = RADIUS, eps: float = EPS) -> np.ndarray:
    """Upscale ``small_out`` (``h×w×3 uint8``, the stylization of ``small_guide``, the frame at ``h×w``) to
    the size of ``guide`` (``H×W×3 uint8``, the frame), keeping the frame's edges; returns ``H×W×3 uint8``."""
    import cv2

    if small_out.shape[:2] != small_guide.shape[:2]:
        raise ValueError(f"the stylization {small_out.shape[:2]} and its guide {small_guide.shape[:2]} differ in size")
    h, w = guide.shape[:2]
    box = (2 * radius + 1, 2 * radius + 1)

    def mean(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, -1, box, borderType=cv2.BORDER_REFLECT)

    i = _luma(small_guide)
    p = small_out.astype(np.float32) * (1.0 / 255.0)
    mean_i, mean_p = mean(i), mean(p)
    var_i = mean(i * i) - mean_i * mean_i
    cov_ip = mean(p * i[..., None]) - mean_p * mean_i[..., None]
    a = cov_ip / (var_i[..., None] + eps)
    b = mean_p - a * mean_i[..., None]
    # the full-size part, in 0–255 units so that nothing is rescaled at full size: out = a·luma + 255·b
    a, b = mean(a), mean(b) * 255.0 + 0.5
    a = cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR)
    b = cv2.resize(b, (w, h), interpolation=cv2.INTER_LINEAR)
    luma = cv2.cvtColor(guide, cv2.COLOR_RGB2GRAY).astype(np.float32)
    a *= luma[..., None]
    a += b
    np.clip(a, 0, 255, out=a)
    return a.astype(np.uint8)


def _box(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Mean over a ``(2r+1)²`` window with reflected borders, ``N×C×H×W``."""
    return F.avg_pool2d(F.pad(x, [radius] * 4, mode="reflect"), 2 * radius + 1, stride=1)


def guided_upsample_tensor(small_out: torch.Tensor, small_guide: torch.Tensor, guide: torch.Tensor,
                           radius: int = RADIUS, eps: float = EPS) -> torch.Tensor:
    """:func:`guided_upsample` on ``N×3×h×w`` / ``N×3×H×W`` float RGB [0, 1] tensors (computed in float32)."""
    weights = torch.tensor(LUMA, device=guide.device, dtype=torch.float32).view(1, 3, 1, 1)
    i = (small_guide.float() * weights).sum(1, keepdim=True)
    p = small_out.float()
    mean_i, mean_p = _box(i, radius), _box(p, radius)
    var_i = _box(i * i, radius) - mean_i * mean_i
    cov_ip = _box(p * i, radius) - mean_p * mean_i
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    size = guide.shape[-2:]
    a = F.interpolate(_box(a, radius), size=size, mode="bilinear", align_corners=False)
    b = F.interpolate(_box(b, radius), size=size, mode="bilinear", align_corners=False)
    return (a * (guide.float() * weights).sum(1, keepdim=True) + b).clamp_(0, 1)
