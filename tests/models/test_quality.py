"""models.quality's picture measures: detail and the sharpness ratio (QUALITY.md), the photo-edge check, and the
patch-lattice prominence (issue 34)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from models import quality
from models.quality import detail, edge_correlation, lattice_prominence, sharpness_ratio

PATTERN = Path(__file__).resolve().parents[1] / "data" / "sharpness_pattern.png"


def _pattern() -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(PATTERN)), cv2.COLOR_BGR2RGB)


def _noise(h: int = 480, w: int = 640, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    grey = cv2.GaussianBlur(rng.normal(128, 40, (h, w)).astype(np.float32), (0, 0), 1.5)
    return np.dstack([np.clip(grey, 0, 255).astype(np.uint8)] * 3)


def _with_grid(image: np.ndarray, period: float, amplitude: float = 25.0) -> np.ndarray:
    h, w = image.shape[:2]
    lines = np.zeros((h, w), np.float32)
    lines[(np.floor(np.arange(h) / period) != np.floor((np.arange(h) - 1) / period)), :] += amplitude
    lines[:, (np.floor(np.arange(w) / period) != np.floor((np.arange(w) - 1) / period))] += amplitude
    return np.clip(image.astype(np.float32) + lines[..., None], 0, 255).astype(np.uint8)


def test_detail_of_the_committed_pattern_is_pinned():
    # Σ|Laplacian| of the pattern's luma is an integer (uint8 luma, integer kernel): 224507 over 96×128 pixels
    image = _pattern()
    assert image.shape == (96, 128, 3)
    assert detail(image) == pytest.approx(224507 / (96 * 128), rel=1e-6)


def test_detail_against_a_formula_one_bright_pixel():
    image = np.zeros((5, 5, 3), np.uint8)
    image[2, 2] = 255  # the centre −4·255, its four neighbours +255 each
    assert detail(image) == pytest.approx(8 * 255 / 25)


def test_detail_reads_rgb_order_luma():
    red, blue = np.zeros((5, 5, 3), np.uint8), np.zeros((5, 5, 3), np.uint8)
    red[2, 2, 0], blue[2, 2, 2] = 255, 255
    assert detail(red) / detail(blue) == pytest.approx(76 / 29)  # luma of pure red 76, of pure blue 29


def test_detail_exception_on_a_float_frame():
    with pytest.raises(ValueError, match="uint8"):
        detail(np.zeros((8, 8, 3), np.float32))


def test_sharpness_ratio_of_a_blurred_frame_is_below_one_and_of_itself_one():
    image = _pattern()
    assert sharpness_ratio(image, image) == pytest.approx(1.0)
    assert sharpness_ratio(cv2.GaussianBlur(image, (0, 0), 1.5), image) < 0.6


def test_sharpness_ratio_exception_on_a_flat_reference():
    with pytest.raises(ValueError, match="flat"):
        sharpness_ratio(_pattern(), np.full((96, 128, 3), 7, np.uint8))


def test_edge_correlation_of_a_frame_with_itself_is_one_and_with_unrelated_noise_near_zero():
    image = _pattern()
    assert edge_correlation(image, image) == pytest.approx(1.0)
    assert abs(edge_correlation(_noise(96, 128), image)) < 0.2


def test_lattice_prominence_near_one_without_a_lattice():
    assert 0.8 < lattice_prominence(_noise(), 8.0) < 1.3


def test_lattice_prominence_finds_a_grid_of_its_period():
    noise = _noise()
    grid = _with_grid(noise, 8.0)
    assert lattice_prominence(grid, 8.0) > 10 * lattice_prominence(noise, 8.0)
    assert lattice_prominence(grid, 7.0) < 1.5  # another period's harmonics miss it


def test_lattice_prominence_finds_a_fractional_period():
    noise = _noise()
    assert lattice_prominence(_with_grid(noise, 8 * 480 / 360), 8 * 480 / 360) > 5 * lattice_prominence(noise, 10.667)


def test_lattice_prominence_exception_below_nyquist():
    with pytest.raises(ValueError, match="Nyquist"):
        lattice_prominence(_noise(), 1.5)


def test_style_distances_against_a_paintings_grams_are_distances_style_terms():
    from models.nets.vgg import VGG19Features
    from models.quality import distances, style_distances, style_grams

    rng = np.random.default_rng(3)
    photo, output, painting = (rng.integers(0, 256, (40, 48, 3), dtype=np.uint8) for _ in range(3))
    vgg = VGG19Features()
    assert style_distances(vgg, output, style_grams(vgg, painting)) == pytest.approx(
        distances(vgg, output, photo, painting).style, rel=1e-5)
    assert style_distances(vgg, painting, style_grams(vgg, painting)) == pytest.approx((0.0,) * 5)


def test_colour_distance_of_two_flat_colours_is_their_lab_difference_along_the_seeded_directions():
    import cv2

    red, teal = np.full((8, 8, 3), (200, 30, 40), np.uint8), np.full((5, 7, 3), (20, 140, 150), np.uint8)
    lab = [cv2.cvtColor(c[:1, :1], cv2.COLOR_RGB2LAB).reshape(3).astype(float) for c in (red, teal)]
    rays = np.random.default_rng(0).standard_normal((64, 3))
    rays /= np.linalg.norm(rays, axis=1, keepdims=True)
    assert quality.colour_distance(red, teal) == pytest.approx(np.abs(rays @ (lab[0] - lab[1])).mean(), rel=1e-9)


def test_colour_distance_sees_the_palette_not_the_picture():
    rng = np.random.default_rng(3)
    painting = rng.integers((150, 40, 0), (256, 160, 90), (40, 30, 3)).astype(np.uint8)  # warm: reds and ochres
    shuffled = rng.permutation(painting.reshape(-1, 3)).reshape(30, 40, 3)  # same pixels, another picture and shape
    assert quality.colour_distance(painting, painting) == 0.0
    assert quality.colour_distance(shuffled, painting) == pytest.approx(0.0, abs=1e-9)
    assert quality.colour_distance(painting[..., ::-1], painting) > 5  # read as RGB: BGR is another palette


def test_colour_distance_orders_a_washed_out_copy_after_the_painting_itself():
    rng = np.random.default_rng(4)
    painting = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    washed = (0.4 * painting + 0.6 * 128).astype(np.uint8)
    grey = np.full_like(painting, 128)
    assert 0 < quality.colour_distance(washed, painting) < quality.colour_distance(grey, painting)
