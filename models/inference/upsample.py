"""The scale-up of a stylization made below the frame's size: bicubic, on the stylization alone.

When the network runs smaller than the camera frame (the live controller under load, a 1280×720
camera), its output has to reach the frame's size. Until issue 34 a fast guided filter did it,
with the camera frame as the guide: it kept the photo's edges and replaced every brush stroke
that is not in the photo by a smooth linear function of the frame's luma, a watercolour wash
(live tier at 0.75 of a 640×480 frame, against the fast tier on the whole frame, five validation
photos, starry: sharpness ×0.13, style ×5.8). Bicubic upscaling of the stylization itself keeps
the strokes, only larger and softer by the scale (same photos: sharpness ×0.67, style ×1.8;
explore_upscale in docs/explorations.md measured both and the alternatives): nothing of the photo
is added back, and strokes the network did not paint are not invented.

Two implementations of the same resampling: OpenCV on ``uint8`` frames (the live loop on a CPU)
and PyTorch on tensors (any device). Both are Keys' cubic (a = −0.75) with pixel centres aligned.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def upscale(small_out: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``h×w×3 uint8`` RGB stylization → ``size`` = (height, width), bicubic; ``H×W×3 uint8``, C-contiguous."""
    import cv2

    h, w = size
    if small_out.shape[:2] == (h, w):
        return small_out
    return np.ascontiguousarray(cv2.resize(small_out, (w, h), interpolation=cv2.INTER_CUBIC))


def upscale_tensor(small_out: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """:func:`upscale` on an ``N×3×h×w`` float RGB [0, 1] tensor; float32, clamped to [0, 1]."""
    if tuple(small_out.shape[-2:]) == tuple(size):
        return small_out.float()
    return F.interpolate(small_out.float(), size=size, mode="bicubic", align_corners=False).clamp_(0, 1)
