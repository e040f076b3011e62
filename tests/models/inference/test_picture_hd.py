"""A picture style at 1080p and 4K keeps its colour transfer: the output's RGB moments are the picture's.

On the CPU the light decoder runs 1080p in float32; where there is a GPU, the VGG-19 decoder runs
1080p and 4K in float16 there (the colour covariance and its eigendecomposition in float32: its
float16 path once ended at 1080p in ``linalg.eigh: ... ill-conditioned``).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def _moments(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    flat = image.reshape(-1, 3).astype(np.float64) / 255.0
    return flat.mean(axis=0), np.cov(flat, rowvar=False)


@pytest.mark.parametrize("device, decoder, size", [
    ("cpu", "light", (1080, 1920)),
    pytest.param("cuda", "vgg19", (1080, 1920), marks=CUDA),
    pytest.param("cuda", "vgg19", (2160, 3840), marks=CUDA),
])
def test_a_picture_style_keeps_the_pictures_colours_at_full_hd_and_4k(tmp_path, device, decoder, size):
    from skimage import data

    from models.images import write_rgb
    from models.inference.runtime import Stylizer

    painting = data.coffee()  # warm browns, unlike the photo's blues and whites
    style = write_rgb(tmp_path / "coffee.png", painting)
    frame = cv2.resize(data.astronaut(), size[::-1], interpolation=cv2.INTER_CUBIC)
    stylizer = Stylizer(str(style), device=device, decoder=decoder)
    out = stylizer(frame)
    assert out.shape == frame.shape and out.dtype == np.uint8
    want_mean, want_cov = _moments(painting)
    mean, cov = _moments(out)
    photo_mean, _ = _moments(frame)
    assert np.abs(mean - want_mean).max() < 0.03, (mean, want_mean)
    assert np.abs(mean - want_mean).max() < 0.25 * np.abs(photo_mean - want_mean).max()
    # the covariance too (clipping to [0, 1] trims a little of the spread)
    assert np.abs(cov - want_cov).max() < 0.2 * np.abs(want_cov).max(), (cov, want_cov)
    assert out.std() > 10  # a picture, not a flat fill


def test_the_picture_network_in_bfloat16_draws_what_float32_draws(tmp_path):
    """What a GPU runs a picture style in (bf16: float32's range, where float16 overflowed), checked on the CPU."""
    from skimage import data

    from models.images import to_tensor
    from models.inference.registry import find_decoder, load_decoder
    from models.inference.runtime import compile_module
    from models.nets.adain import ImageStyleNet, palette_for_network, picture_palette

    net, _ = load_decoder(find_decoder("vgg19"))
    painting = to_tensor(cv2.resize(data.coffee(), (128, 96), interpolation=cv2.INTER_AREA))
    style = ImageStyleNet(net, *net.style_statistics(painting), palette=palette_for_network(*picture_palette(painting)))
    x = to_tensor(cv2.resize(data.astronaut(), (128, 96), interpolation=cv2.INTER_AREA))
    with torch.no_grad():
        want = compile_module(style, torch.device("cpu"), torch.float32)(x)
        got = compile_module(style, torch.device("cpu"), torch.bfloat16)(x.bfloat16())
    assert got.dtype == torch.bfloat16 and torch.isfinite(got.float()).all()
    diff = (got.float() - want).abs() * 255
    assert diff.mean() < 1.5 and diff.max() < 20, (diff.mean(), diff.max())  # measured: 0.48 and 8.4 levels
