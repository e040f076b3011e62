"""What the viewer got, beside how fast: the live picture's sharpness against the full-frame network.

The live loop keeps a few of the frames it showed with their camera frames (:class:`ShownSamples`); at the end
of a run, :func:`sharpness_check` runs the style's reference on those camera frames at their full size and
compares detail (../shared/QUALITY.md "Sharpness"): for a named style its shipped **fast tier** on the whole
frame, for a picture style the picture network itself at the frame's size. A preview held at 30 fps by
shrinking the network shows here as a ratio far under 1 (a blur), a lattice or sharpening as one over 1.3.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass

import numpy as np

SAMPLES = 10  # frames kept: the last of every ``every``
EVERY = 3


class ShownSamples:
    """The last ``keep`` of every ``every``-th shown frame, with its camera frame (both ``H×W×3 uint8 RGB``)."""

    def __init__(self, keep: int = SAMPLES, every: int = EVERY) -> None:
        self.items: deque[tuple[np.ndarray, np.ndarray]] = deque(maxlen=keep)
        self.every, self._count = every, 0

    def add(self, shown: np.ndarray, original: np.ndarray | None) -> None:
        self._count += 1
        if original is not None and self._count % self.every == 0 and shown.shape == original.shape:
            self.items.append((shown, original))


@dataclass(frozen=True)
class LiveRatio:
    style: float  # live ÷ full-frame style distance to the painting (geometric mean over relu1_1…relu5_1), median
    content: float  # live ÷ full-frame content distance to the camera frame (relu4_2), median
    frames: int

    def describe(self) -> str:
        return f"live ratio: style ×{self.style:.2f}, content ×{self.content:.2f} ({self.frames} frames)"


@dataclass(frozen=True)
class SharpnessCheck:
    median: float  # sharpness ratio, median over the samples
    worst: float  # the lowest
    edge_excess: float  # the output's photo-edge correlation minus the reference's, median (floor: ≤ 0.1)
    reference: str  # what the live frames were compared with
    frames: int

    def describe(self) -> str:
        return (f"sharpness ×{self.median:.2f} (lowest ×{self.worst:.2f}, {self.frames} frames) against the "
                f"{self.reference} on the whole frame; photo edges {self.edge_excess:+.2f}")


def style_spec(stylizer, name: str) -> str:
    """What to build ``stylizer``'s reference from: a picture style's picture; a style known by ``name`` (whose
    fast tier is the reference); else the weights file it runs (a style given as a path: its own network)."""
    from models.inference.registry import StyleError, resolve

    inner = getattr(stylizer, "stylizer", stylizer)  # a bank's entry shares its bank's stylizer
    meta = getattr(inner, "meta", None) or {}
    if meta.get("kind") == "image" and meta.get("style_file"):
        return str(meta["style_file"]).split(",")[0]
    try:
        resolve(name)
        return name
    except StyleError:
        pass
    weights = getattr(inner, "weights", None)
    return str(weights) if weights is not None else name


def reference_stylizer(spec: str, device: str = "auto"):
    """The full-frame reference of QUALITY.md for ``spec``: its fast tier where it has one, else its own network
    (a picture style), at the frame's own size."""
    from models.inference.registry import has_tier
    from models.inference.runtime import Stylizer

    tier = "fast" if has_tier(str(spec), "fast") else None
    return Stylizer(spec, device=device, model_size=None, tier=tier), f"{tier} tier" if tier else "picture network"


def sharpness_check(samples: ShownSamples, spec: str, device: str = "auto", reference=None) -> SharpnessCheck | None:
    """The samples' sharpness against ``spec``'s full-frame reference (``reference``: a frame callable to use
    instead, and what to call it, as ``(fn, name)``); ``None`` without samples or without a network of that
    name (a stand-in stylizer)."""
    from models.errors import UserError
    from models.quality import detail, edge_correlation

    if not samples.items:
        return None
    if reference is None:
        try:
            reference = reference_stylizer(spec, device)
        except UserError:
            return None
    fn, name = reference
    ratios, excess = [], []
    for shown, original in samples.items:
        ref = fn(original)
        d_ref = detail(ref)
        if d_ref <= 0:
            continue
        ratios.append(detail(shown) / d_ref)
        excess.append(edge_correlation(shown, original) - edge_correlation(ref, original))
    if not ratios:
        return None
    return SharpnessCheck(statistics.median(ratios), min(ratios), statistics.median(excess), name, len(ratios))


def live_ratio(samples: ShownSamples, reference, painting: np.ndarray, frames: int = 3) -> LiveRatio | None:
    """QUALITY.md's live ratio on the last ``frames`` samples: each shown frame's style and content distances
    (VGG-19, the painting resized to the frame's short side) ÷ those of ``reference`` (``(fn, name)``, the
    full-frame network) on the same camera frame; the medians. ``None`` without samples."""
    from models.images import resize_short_side
    from models.nets.vgg import VGG19Features
    from models.quality import distances, ratios

    items = list(samples.items)[-frames:]
    if not items:
        return None
    fn = reference[0]
    vgg = VGG19Features()
    art = resize_short_side(painting, min(items[0][1].shape[:2]))
    pairs = [ratios(distances(vgg, shown, original, art), distances(vgg, fn(original), original, art))
             for shown, original in items]
    return LiveRatio(statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs), len(pairs))


def picture_report(samples: ShownSamples, spec: str, device: str = "auto", painting: np.ndarray | None = None
                   ) -> tuple[SharpnessCheck | None, LiveRatio | None] | None:
    """:func:`sharpness_check` and, given the style's ``painting``, :func:`live_ratio` against one full-frame
    reference built once; ``None`` where ``spec`` has no network to build it from (a stand-in stylizer)."""
    from models.errors import UserError

    try:
        reference = reference_stylizer(spec, device)
    except UserError:
        return None
    check = sharpness_check(samples, spec, device, reference=reference)
    ratio = live_ratio(samples, reference, painting) if painting is not None and check is not None else None
    return check, ratio
