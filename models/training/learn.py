"""``stylecam learn``: any painting as a proper style in a few minutes on the CPU, by fine-tuning the pack.

Training a style network from nothing takes an hour or more on two cores; a network of the shipped pack
already knows how to keep a photo's shapes and draw marks, so a few minutes of fine-tuning on the new
painting's style loss move it a long way. The plan (:func:`plan_learning`):

1. **start**: the pack style whose fast-tier pictures are already nearest the painting (style distance,
   ../shared/QUALITY.md's measure, of each pack network's picture of a built-in photo, at 256 px):
   :func:`nearest_pack_style`;
2. **fast tier** (``image``/``render``), ``FAST_SHARE`` of the time: that pack network fine-tuned with the
   painting's Gram loss and the photo's content loss (:func:`fast_config`);
3. **live tier** (``live`` on a CPU), the rest: the pack's live network of the same style (a painter) fine-tuned
   to draw what the new fast network draws on the whole frame (distillation, the lattice loss) plus the
   painting's own style terms, with the painters' recipe (:func:`live_config`, recipe E of
   ``scripts/recipes/train_painters.py``).

``--minutes`` is the whole command's time: what the set-up takes comes out of the two tiers' training
(``stylecam.commands.learn.training_minutes``).

Both go to the user style folder under the painting's name (the live one in its ``live/`` folder), where
``image``, ``render`` and ``live`` find them by that name.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.training.feedforward import TrainConfig

# the live tier's refinement recipe (TrainConfig fields): what the shipped live networks were refined with
# (scripts/recipes/refine_live_pack.py) and what learn fine-tunes a live network with
LIVE_RECIPE = {"size": 128, "batch": 4, "content_short": 480, "min_scale": 0.53, "lr": 5e-4, "content_weight": 2.0,
               "pixel_weight": 10.0, "feature_weight": 1.0, "texture_weight": 12.0}
# the fast tier's content weight, for either style loss; with "log", 2 against a style weight of 1 (validation,
# 5 minutes, medians of 3 photos, Monet / Picasso: 1 gave style ×0.91 / ×0.62, content ×1.32 / ×1.00, and washed
# a cyclist and a tree out of one photo; 2 gave ×1.02 / ×0.85, content ×1.23 / ×0.74, scenes readable; 3 gave
# ×1.42 / ×1.96, content ×1.09 / ×0.57; the sum loss ×5.50 / ×2.10: docs/MEASURED-history.md)
CONTENT_WEIGHT = 2.0
# the live tier learn makes is a painter (models.nets.live.FramePainter, the shipped live tier since issue 34), made
# with the painters' recipe E (scripts/recipes/train_painters.py, chosen on issue 34's validation photos):
# distillation from the fast tier on the whole frame, the lattice loss, the painting's log style terms at weight 2,
# no content term.
# The patch network learn made before runs below the frame and is scaled up bicubically: on a validation painting its
# live output had sharpness ×0.67 and live ratio ×1.68 against the full-frame fast tier
PAINTER_RECIPE = {**LIVE_RECIPE, "content_weight": 0.0, "lattice_weight": 300.0}
PAINTER_STYLE_WEIGHT = {"log": 2.0, "sum": 20.0}
STYLE_WEIGHT = {"sum": 15.0, "log": 1.0}  # the defaults of --style-weight
# A painting far from every pack style: the log loss's pull on the output weakens as 1/√distance (its gradient is
# ∇S/S with S = ‖G − G_target‖², so ‖∇ log S‖ ∝ ‖∇G‖/√S), and beyond some distance the content's log wins at the
# start: the network keeps the photo and never reaches the painting (validation stand-ins, training paintings cut
# to pure black and white 2.5–7.9e4 from their nearest start: at weight 1 the style term stalls at its start value for
# 80 steps while the content term falls; at 1.3–2.3 it falls from ≈10.3 to ≈8.1). So the style weight grows as
# √(distance / FAR_DISTANCE), never below its default: the pull at the start of the farthest validation painting
# that learned well at weight 1 (candy, 1.47e4 from its start) for any farther one
FAR_DISTANCE = 1.47e4
FAST_SHARE = 0.6  # of the minutes: the fast tier first (the live tier learns from it)
SHORT = 256  # the side at which the pack's pictures are compared with the painting


@dataclass(frozen=True)
class LearnPlan:
    name: str
    painting: str
    data: tuple[str, ...]
    start: str  # the pack style both networks start from
    minutes: float
    steps: int | None = None  # instead of minutes: steps for each network (tests, reproducible runs)
    style_weight: float = 1.0  # the fast tier's style loss weight (its content loss: CONTENT_WEIGHT)
    style_loss: str = "log"  # the fast tier's: "log" of each layer's Gram distance, or their "sum" (TrainConfig)
    far_factor: float = 1.0  # with "log": both tiers' painting terms × this (:func:`far_weight`)

    @property
    def fast_minutes(self) -> float | None:
        return None if self.steps else self.minutes * FAST_SHARE

    @property
    def live_minutes(self) -> float | None:
        return None if self.steps else self.minutes * (1.0 - FAST_SHARE)


def style_name(painting: str | Path) -> str:
    """A style name from a painting's file name: lower case, words joined by ``_``."""
    stem = re.sub(r"[^a-z0-9]+", "_", Path(painting).stem.lower()).strip("_")
    return stem or "painting"


def nearest_pack_style(painting: np.ndarray, photo: np.ndarray, candidates: list[tuple[str, object]], vgg
                       ) -> tuple[str, dict[str, float]]:
    """(the candidate whose picture of ``photo`` is nearest ``painting`` in style, every candidate's distance).

    ``candidates``: (name, frame stylizer) pairs; the distance is the geometric mean over the style layers
    of the picture's style distance to the painting, both at :data:`SHORT` px."""
    from models.images import resize_short_side
    from models.quality import style_distances, style_grams

    photo, painting = resize_short_side(photo, SHORT), resize_short_side(painting, SHORT)
    grams = style_grams(vgg, painting)  # once, not once a candidate (a third of the time of this step)
    scores = {}
    for name, stylize in candidates:
        style = style_distances(vgg, stylize(photo), grams)
        scores[name] = math.exp(sum(math.log(s) for s in style) / len(style))
    if not scores:
        raise ValueError("no pack styles to start from")
    return min(scores, key=scores.get), scores


def far_weight(start_distance: float) -> float:
    """The painting terms' factor for a painting ``start_distance`` (:func:`nearest_pack_style`'s measure) from
    its start: √(start_distance / :data:`FAR_DISTANCE`), at least 1 (see FAR_DISTANCE)."""
    return max(1.0, math.sqrt(max(start_distance, 0.0) / FAR_DISTANCE))


def fast_config(plan: LearnPlan, init_from: str) -> TrainConfig:
    """The fast tier: the pack network fine-tuned on the painting (half the learning rate of a new network)."""
    return TrainConfig(styles=[plan.painting], data=list(plan.data), name=plan.name, tier="fast",
                       steps=plan.steps, minutes=plan.fast_minutes, lr=1e-3,
                       style_weight=plan.style_weight * (plan.far_factor if plan.style_loss == "log" else 1.0),
                       content_weight=CONTENT_WEIGHT, style_loss=plan.style_loss,
                       init_from=init_from, checkpoint_seconds=60.0)


def live_config(plan: LearnPlan, init_from: str, teacher: str) -> TrainConfig:
    """The live tier: the pack's live network (a painter) taught by the new fast network on the whole frame, plus
    the painting's style terms (:data:`PAINTER_RECIPE`; with the sum loss, recipe A's weights: style 20, content 2)."""
    recipe = PAINTER_RECIPE if plan.style_loss == "log" else {**PAINTER_RECIPE, "content_weight": 2.0}
    return TrainConfig(styles=[plan.painting], data=list(plan.data), name=plan.name, tier="painter",
                       steps=plan.steps, minutes=plan.live_minutes, teacher=teacher, style_loss=plan.style_loss,
                       style_weight=PAINTER_STYLE_WEIGHT[plan.style_loss] * (plan.far_factor if plan.style_loss == "log"
                                                                             else 1.0),
                       init_from=init_from, checkpoint_seconds=60.0, **recipe)


def write_builtin_photos(folder: Path) -> list[str]:
    """The photos that ship with scikit-image, as PNG files in ``folder`` (training data when none is given)."""
    from models.images import write_rgb
    from models.samples import SAMPLE_NAMES, sample_photo

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in SAMPLE_NAMES:
        path = folder / f"{name}.png"
        if not path.is_file():
            write_rgb(path, sample_photo(name))
        paths.append(str(path))
    return paths
