"""Fixtures of the video tests."""

import numpy as np
import pytest


@pytest.fixture
def texture():
    rng = np.random.default_rng(0)
    import cv2

    noise = rng.integers(0, 256, (120, 160), dtype=np.uint8)
    img = cv2.GaussianBlur(noise, (0, 0), 2.0)
    img = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX)
    return np.repeat(img[..., None], 3, axis=2)


def shift(image, dx, dy):
    return np.roll(np.roll(image, dy, axis=0), dx, axis=1)
