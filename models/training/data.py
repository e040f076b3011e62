"""Training data: image files found in folders, and random crops of them held in memory."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import torch

from models.images import IMAGE_SUFFIXES, read_rgb, resize_short_side


def list_images(dirs: list[str], exclude: tuple[str, ...] | list[str] = ()) -> list[Path]:
    """Image files in ``dirs`` (recursively; files may be named directly), minus names matching
    an ``exclude`` glob (e.g. held-out evaluation paintings)."""
    import fnmatch

    files: list[Path] = []
    for d in dirs:
        root = Path(d)
        if root.is_file() and root.suffix.lower() in IMAGE_SUFFIXES:
            files.append(root)
            continue
        if not root.is_dir():
            raise FileNotFoundError(f"training data folder not found: {root}")
        files.extend(p for p in sorted(root.rglob("*")) if p.suffix.lower() in IMAGE_SUFFIXES)
    return [f for f in files if not any(fnmatch.fnmatch(f.name, pattern) for pattern in exclude)]


class CropSampler:
    """Random ``size``-px crops (with flips) of photos held in memory at the evaluation scale."""

    def __init__(self, files: list[Path], size: int, short: int, max_photos: int, rng: random.Random) -> None:
        if not files:
            raise ValueError("no training images found")
        picked = files if len(files) <= max_photos else rng.sample(files, max_photos)
        self.images = []
        for path in picked:
            try:
                img = resize_short_side(read_rgb(path), max(short, size))
            except ValueError:
                continue
            self.images.append(img)
        if not self.images:
            raise ValueError("none of the training images could be read")
        self.size = size

    def batch(self, n: int, rng: random.Random, min_scale: float = 1.0) -> torch.Tensor:
        """``n×3×size×size`` float RGB [0, 1]; with ``min_scale < 1`` each crop is a square of side
        ``size / scale`` (scale uniform in [min_scale, 1]) resized to ``size``: the photo seen smaller."""
        import cv2

        crops = []
        for _ in range(n):
            img = self.images[rng.randrange(len(self.images))]
            h, w = img.shape[:2]
            s = self.size if min_scale >= 1.0 else min(h, w, round(self.size / rng.uniform(min_scale, 1.0)))
            y, x = rng.randint(0, h - s), rng.randint(0, w - s)
            crop = img[y : y + s, x : x + s]
            if s != self.size:
                crop = cv2.resize(crop, (self.size, self.size), interpolation=cv2.INTER_AREA)
            if rng.random() < 0.5:
                crop = crop[:, ::-1]
            crops.append(np.ascontiguousarray(crop))
        return torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float().div_(255.0)
