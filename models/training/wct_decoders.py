"""Training the whitening-and-colouring decoders (:mod:`models.nets.wct`) on photos only.

Each level's decoder learns to rebuild a photo from the photo's own relu{level}_1 features:
a pixel loss plus a feature loss (the rebuilt image's features against the photo's, relative to
their size), as in Li et al. 2017. With ``wct_share`` > 0 part of each batch is one photo's features
whitened and coloured with another photo's statistics: features of no real image, like those a
painting's statistics make, which the decoder must still invert (feature loss only; there is no
pixel target). No painting is involved, so nothing a decoder learns is tied to the paintings of
any split. Resumable like every stylecam run (:mod:`models.training.loop`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from models.nets.vgg import VGG19Features
from models.nets.wct import LEVEL_LAYER, LevelDecoder
from models.training.checkpoint import run_phases, run_settings
from models.training.data import CropSampler, list_images
from models.training.loop import Budget, Loop, StepReport, run


@dataclass
class DecoderTrainConfig:
    content: list[str]
    level: int
    width: float = 0.5
    steps: int | None = None
    minutes: float | None = 30.0
    size: int = 160
    batch: int = 4
    lr: float = 1e-3
    pixel_weight: float = 10.0
    feature_weight: float = 1.0
    short: int = 256
    min_scale: float = 0.5  # crops of 1-2× the size, resized: the photos seen at several scales
    checkpoint_seconds: float = 120.0
    seed: int = 0
    max_photos: int = 2000
    ema: float = 0.99
    wct_share: float = 0.0  # this share of each batch decodes one photo's features coloured by another photo's
    init: str | None = None  # a level decoder file to start from (one trained here, on photos only)


def reconstruction_loss(rebuilt: torch.Tensor, photo: torch.Tensor, rebuilt_feats: torch.Tensor,
                        photo_feats: torch.Tensor, pixel_weight: float, feature_weight: float
                        ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(total, pixel, feature): mean squared pixel error (RGB in [0, 1]) and the features' mean squared
    error divided by the photo features' mean square, so that every level's term is near 1 at the start."""
    pixel = F.mse_loss(rebuilt.float(), photo.float())
    feature = F.mse_loss(rebuilt_feats.float(), photo_feats.float()) / photo_feats.float().pow(2).mean().clamp_min(1e-8)
    return pixel_weight * pixel + feature_weight * feature, pixel, feature


def recoloured(features: torch.Tensor, start: int) -> torch.Tensor:
    """Samples ``start…`` of a batch's features, each whitened and coloured with the statistics of the
    sample before it in the batch (photo ``i`` with photo ``i - 1``'s)."""
    from models.nets.wct import colouring, whiten_colour

    return torch.cat([whiten_colour(features[i:i + 1], *colouring(features[i - 1:i]))
                      for i in range(start, features.shape[0])])


def train_level_decoder(cfg: DecoderTrainConfig, run_dir: Path, resume: bool = False,
                        on_step: Callable[[StepReport], None] | None = None,
                        device: torch.device | None = None) -> tuple[LevelDecoder, dict]:
    """Train one level's decoder; returns the (averaged) decoder and the run's settings for its metadata."""
    device = device or torch.device("cpu")
    budget = Budget(cfg.steps, cfg.minutes)
    run_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(cfg.seed)
    torch.manual_seed(cfg.seed)
    layer = LEVEL_LAYER[cfg.level]
    photos = CropSampler(list_images(cfg.content), cfg.size, cfg.short, cfg.max_photos, random.Random(cfg.seed + 1))
    encoder = VGG19Features(layer).to(device)
    decoder = LevelDecoder(cfg.level, cfg.width)
    if cfg.init:
        from models.inference.registry import load_wct_decoders

        (start,), _ = load_wct_decoders(cfg.init)
        if (start.level, start.width) != (cfg.level, cfg.width):
            raise ValueError(f"{cfg.init}: a level {start.level} decoder of width {start.width}")
        decoder.load_state_dict(start.state_dict())
    decoder = decoder.to(device).train()
    opt = torch.optim.Adam(decoder.parameters(), lr=cfg.lr)
    phases = run_phases(run_dir / "checkpoint.pt" if resume else None, run_settings(asdict(cfg)), None)

    def step_loss(step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        photo = photos.batch(cfg.batch, rng, cfg.min_scale).to(device)
        mixed = round(cfg.batch * cfg.wct_share)
        with torch.no_grad():
            target = encoder(photo, (layer,))[layer]
            if mixed:
                target = torch.cat([target[: cfg.batch - mixed], recoloured(target, cfg.batch - mixed)])
        rebuilt = decoder(target)
        plain = cfg.batch - mixed
        feats = encoder(rebuilt, (layer,))[layer]
        loss, pixel, feature = reconstruction_loss(rebuilt[:plain], photo[:plain], feats[:plain], target[:plain],
                                                   cfg.pixel_weight, cfg.feature_weight)
        if mixed:
            _, _, other = reconstruction_loss(rebuilt[plain:], rebuilt[plain:].detach(), feats[plain:],
                                              target[plain:], 0.0, 1.0)
            loss = (plain * loss + mixed * cfg.feature_weight * other) / cfg.batch
        return loss, {"content": feature, "style": pixel}

    def lr_at(progress: float) -> float:  # constant, then a tenth over the last fifth
        return cfg.lr if progress < 0.8 else cfg.lr * 0.1

    loop = Loop(decoder, opt, step_loss, budget, run_dir / "checkpoint.pt", rng,
                lambda: {**asdict(cfg), "phases": phases}, device, mixed_precision=False, lr_at=lr_at, ema=cfg.ema,
                checkpoint_seconds=cfg.checkpoint_seconds, on_step=on_step)
    outcome = run(loop, resume=resume)
    shipped = (loop.averaged or decoder).cpu().eval()
    return shipped, {**run_settings(asdict(cfg)), "final_step": outcome.steps,
                     "train_seconds": round(outcome.seconds, 1), "phases": phases}
