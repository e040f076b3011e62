"""Pictures as styles (AdaIN): ``--style painting.jpg``, or a weighted blend ``a.jpg:0.7,b.png:0.3``.

A picture style is the AdaIN network (:mod:`models.adain`) with the picture's relu4_1 mean and
standard deviation baked in, computed once when the style is loaded; a blend bakes in the
weighted mean of several pictures' statistics (Huang & Belongie's style interpolation).
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import torch

from models.errors import UserError

PICTURE_SHORT_SIDE = 256  # the scale the decoder was trained at


def picture_blend(spec: str | Path) -> list[tuple[Path, float]] | None:
    """``"a.jpg"`` → ``[(a.jpg, 1.0)]``; ``"a.jpg:0.7,b.png:0.3"`` → both with their weights;
    ``None`` when the spec names no picture (a trained style's name or weights file)."""
    from models.images import IMAGE_SUFFIXES

    parts = []
    for part in str(spec).split(","):
        part = part.strip()
        name, _, weight = part.rpartition(":")
        try:
            value = float(weight) if name else 1.0
        except ValueError:  # no weight, or a colon inside the path (C:\...): the whole part is the path
            name, value = part, 1.0
        name = name or part
        if Path(name).suffix.lower() not in IMAGE_SUFFIXES:
            return None
        if not math.isfinite(value) or value < 0:
            raise UserError(f"bad picture blend {spec!r}: weights must be finite and >= 0")
        parts.append((Path(name), value))
    if sum(w for _, w in parts) <= 0:
        raise UserError(f"bad picture blend {spec!r}: the weights add up to zero")
    return parts


def is_picture_style(spec: str | Path) -> bool:
    """A picture (or a blend of pictures) given as a style, rather than a trained style."""
    try:
        return picture_blend(spec) is not None
    except UserError:
        return True  # a picture spec, only a malformed one: picture_style_network says what is wrong


def picture_style_network(spec: str | Path, alpha: float = 1.0, recolor_to: np.ndarray | None = None,
                          decoder: str | Path | None = None, prefer: str | None = None
                          ) -> tuple[torch.nn.Module, dict, bytes]:
    """The AdaIN network with the spec's style statistics baked in, its metadata, and a cache key.

    ``alpha`` (0..1): how far the content features move to the style's statistics.
    ``recolor_to`` (``H×W×3 uint8 RGB``): give each picture these colours first (``--preserve-color``).
    ``decoder``/``prefer``: which decoder (:func:`models.registry.find_decoder`).
    """
    from models.adain import ImageStyleNet, blend_statistics
    from models.color import match_color
    from models.images import read_rgb, resize_short_side, to_tensor
    from models.registry import find_decoder, load_decoder

    if not 0.0 <= alpha <= 1.0:
        raise UserError(f"--alpha must be between 0 and 1, got {alpha}")
    pictures = picture_blend(spec) or []
    decoder_path = find_decoder(decoder, prefer)  # first: without a decoder no picture need be read at all
    net, _ = load_decoder(decoder_path)
    key = hashlib.sha256(f"{alpha}".encode())
    stats = []
    colours = to_tensor(recolor_to) if recolor_to is not None else None
    for path, weight in pictures:
        picture = to_tensor(resize_short_side(read_rgb(path), PICTURE_SHORT_SIDE))
        if colours is not None:
            picture = match_color(picture, colours)
        stats.append(net.style_statistics(picture))
        key.update(hashlib.sha256(path.read_bytes()).digest() + f"|{weight}".encode())
    if recolor_to is not None:
        key.update(hashlib.sha256(np.ascontiguousarray(recolor_to).tobytes()).digest())
    mean, std = blend_statistics(stats, [w for _, w in pictures])
    name = "+".join(p.stem for p, _ in pictures)
    meta = {"name": name, "kind": "image", "style_file": ",".join(str(p) for p, _ in pictures),
            "weights": [w for _, w in pictures], "alpha": alpha, "decoder": str(decoder_path)}
    return ImageStyleNet(net, mean, std, alpha).eval(), meta, key.digest()
