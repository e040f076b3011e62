"""Pictures as styles: ``--style painting.jpg``, or a weighted blend ``a.jpg:0.7,b.png:0.3``.

A picture style is a network with the picture's statistics baked in, computed once when the style
is loaded: whitening and colouring (:mod:`models.nets.wct`, the picture's feature means and
covariances at four VGG-19 levels, decoders trained on photos only), or AdaIN
(:mod:`models.nets.adain`, the picture's relu4_1 means and standard deviations). A blend bakes in
the weighted mean of several pictures' statistics (Huang & Belongie's style interpolation).
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import torch

from models.errors import UserError

PICTURE_SHORT_SIDE = 256  # the scale the decoder was trained at
WCT = "wct"  # --decoder wct: whitening and colouring with photo-only decoders (models.nets.wct)


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
                          decoder: str | Path | None = None, prefer: str | None = None,
                          region: tuple[str | Path, str | Path] | None = None, palette: bool = True
                          ) -> tuple[torch.nn.Module, dict, bytes]:
    """The picture network with the spec's style statistics baked in, its metadata, and a cache key.

    ``alpha`` (0..1): how far the content features move to the style's statistics.
    ``recolor_to`` (``H×W×3 uint8 RGB``): give each picture these colours first (``--preserve-color``).
    ``decoder``/``prefer``: which network. ``decoder="wct"`` (or a WCT decoder file): whitening and
    colouring (:func:`wct_style_network`); anything else names an AdaIN decoder
    (:func:`models.inference.registry.find_decoder`).
    ``region``: ``(picture spec, mask image)``: that style where the mask is white, ``spec`` elsewhere.
    ``palette``: recolour each output to the pictures' RGB mean and covariance (their weighted means
    for a blend); not with ``recolor_to`` (the photo's colours are wanted then) nor with a region.
    """
    from models.images import read_rgb
    from models.inference.registry import find_decoder, load_decoder
    from models.nets.adain import ImageStyleNet, RegionStyleNet, palette_for_network

    if not 0.0 <= alpha <= 1.0:
        raise UserError(f"--alpha must be between 0 and 1, got {alpha}")
    pictures = picture_blend(spec) or []
    inside = picture_blend(region[0]) if region is not None else None
    if region is not None and inside is None:
        raise UserError(f"--mask-style must be a picture (or a blend of pictures), got {region[0]!r}")
    wct_file = _wct_file(decoder)
    if wct_file is not None:
        if region is not None:
            raise UserError("--mask-style runs on an AdaIN decoder: give --decoder vgg19 or light")
        return wct_style_network(pictures, alpha, recolor_to, wct_file)
    decoder_path = find_decoder(decoder, prefer)  # first: without a decoder no picture need be read at all
    net, decoder_meta = load_decoder(decoder_path)
    palette = palette and recolor_to is None and region is None
    key = hashlib.sha256(f"{alpha}|{palette}".encode())
    mean, std, colours = _statistics(net, pictures, recolor_to, key)
    name = "+".join(p.stem for p, _ in pictures)
    meta = {"name": name, "kind": "image", "style_file": ",".join(str(p) for p, _ in pictures),
            "weights": [w for _, w in pictures], "alpha": alpha, "palette": palette, "decoder": str(decoder_path),
            "encoder": decoder_meta.get("encoder", "vgg19")}
    if region is None:
        return (ImageStyleNet(net, mean, std, alpha, palette_for_network(*colours) if palette else None).eval(),
                meta, key.digest())
    mask_path = Path(region[1])
    grey = read_rgb(mask_path).astype(np.float32).mean(axis=2) / 255.0
    key.update(b"region" + hashlib.sha256(grey.tobytes()).digest())
    inner = _statistics(net, inside, recolor_to, key)[:2]
    meta = {**meta, "name": f"{name}-{'+'.join(p.stem for p, _ in inside)}", "mask": str(mask_path)}
    mask = torch.from_numpy(grey)[None, None]
    return RegionStyleNet(net, (mean, std), inner, mask, alpha).eval(), meta, key.digest()


def _wct_file(decoder: str | Path | None) -> Path | None:
    """The WCT decoder file ``--decoder`` names (``wct``: the shipped one), or None for an AdaIN decoder."""
    from models.inference.registry import SHIPPED_DIR, WCT_FILE, StyleError, read_metadata_any

    if decoder is None:
        return None
    if str(decoder) == WCT:
        return SHIPPED_DIR / WCT_FILE
    path = Path(decoder)
    try:
        return path if path.is_file() and read_metadata_any(path).get("kind") == "wct-decoders" else None
    except StyleError:
        return None


def wct_style_network(pictures: list[tuple[Path, float]], alpha: float = 1.0, recolor_to: np.ndarray | None = None,
                      path: str | Path | None = None) -> tuple[torch.nn.Module, dict, bytes]:
    """The whitening-and-colouring cascade (:mod:`models.nets.wct`) with the pictures' statistics at every
    level baked in (a blend: the weighted means of their feature means and covariance square roots),
    its metadata and a cache key. ``alpha``: how far each level moves to the pictures' statistics."""
    from models.inference.registry import SHIPPED_DIR, WCT_FILE, load_wct_decoders
    from models.nets.adain import blend_statistics
    from models.nets.vgg import VGG19Features
    from models.nets.wct import LEVEL_LAYER, WCTStyleNet, style_statistics

    path = Path(path) if path is not None else SHIPPED_DIR / WCT_FILE
    decoders, _ = load_wct_decoders(path)
    levels = [d.level for d in decoders]
    encoder = VGG19Features(LEVEL_LAYER[max(levels)])
    key = hashlib.sha256(f"wct|{alpha}".encode())  # the decoder file itself is in the runtime's cache key
    per_picture = [style_statistics(encoder, picture, levels) for picture in _pictures(pictures, recolor_to, key)]
    weights = [w for _, w in pictures]
    statistics = [blend_statistics([stats[i] for stats in per_picture], weights) for i in range(len(levels))]
    name = "+".join(p.stem for p, _ in pictures)
    meta = {"name": name, "kind": "image", "style_file": ",".join(str(p) for p, _ in pictures),
            "weights": weights, "alpha": alpha, "method": WCT, "decoder": str(path)}
    return WCTStyleNet(encoder, decoders, statistics, alpha).eval(), meta, key.digest()


def _pictures(pictures: list[tuple[Path, float]], recolor_to: np.ndarray | None, key) -> list[torch.Tensor]:
    """Each picture as a ``1×3×H×W`` tensor at the styles' scale, given ``recolor_to``'s colours if that is
    set; the pictures' bytes, their weights and ``recolor_to`` go into ``key``."""
    from models.color import match_color
    from models.images import read_rgb, resize_short_side, to_tensor

    recolour = to_tensor(recolor_to) if recolor_to is not None else None
    tensors = []
    for path, weight in pictures:
        picture = to_tensor(resize_short_side(read_rgb(path), PICTURE_SHORT_SIDE))
        tensors.append(match_color(picture, recolour) if recolour is not None else picture)
        key.update(hashlib.sha256(path.read_bytes()).digest() + f"|{weight}".encode())
    if recolor_to is not None:
        key.update(hashlib.sha256(np.ascontiguousarray(recolor_to).tobytes()).digest())
    return tensors


def _statistics(net, pictures: list[tuple[Path, float]], recolor_to: np.ndarray | None, key
                ) -> tuple[torch.Tensor, torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    """The (weighted) relu4_1 mean and standard deviation of some pictures, and their (weighted)
    RGB mean and covariance; the pictures' bytes go into ``key``."""
    from models.nets.adain import blend_statistics, picture_palette

    tensors = _pictures(pictures, recolor_to, key)
    weights = [w for _, w in pictures]
    return (*blend_statistics([net.style_statistics(t) for t in tensors], weights),
            blend_statistics([picture_palette(t) for t in tensors], weights))
