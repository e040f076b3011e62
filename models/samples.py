"""Built-in pictures that need no files: photos shipped by scikit-image, and a generated scene."""

from __future__ import annotations

import numpy as np

SAMPLE_NAMES = ("astronaut", "chelsea", "coffee", "rocket")


def sample_photo(name: str = "astronaut") -> np.ndarray:
    """A colour photo that ships with scikit-image, as ``H×W×3 uint8 RGB``."""
    from skimage import data

    if name not in SAMPLE_NAMES:
        raise ValueError(f"unknown sample photo {name!r} (choose from {', '.join(SAMPLE_NAMES)})")
    image = getattr(data, name)()
    return np.ascontiguousarray(image[:, :, :3].astype(np.uint8))
