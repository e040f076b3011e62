"""Training the AdaIN decoder (Huang & Belongie 2017) on content photos and style images.

Crops of both are cut at the evaluation scale (short side 256) as in :mod:`models.training.feedforward`;
the encoder is frozen, so only the decoder learns. Resumable like every stylecam run:
checkpoints every few minutes and on Ctrl-C, ``resume=True`` continues.

``encoder="light"``: first a light encoder is distilled from VGG-19 on the same crops
(:mod:`models.nets.light_encoder`, ``distill_steps`` steps, its own checkpoint), then the decoder
learns on the light encoder's features; the style loss is still measured by VGG-19.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from models.images import to_tensor, to_uint8, write_rgb
from models.inference.registry import load_light_encoder, save_decoder, save_light_encoder
from models.nets.adain import BOTTLENECK, AdaINNet, Decoder, adain, adain_losses, mean_std, style_layers
from models.nets.light_encoder import TAPS, Embeddings, LightEncoder, dead_channels, distillation_loss
from models.nets.vgg import VGG19Features
from models.training.checkpoint import run_phases, run_settings
from models.training.data import CropSampler, list_images
from models.training.loop import Budget, Loop, StepReport, run


def identity_loss(rebuilt: torch.Tensor, photo: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of the decoded photo features and the photo, in 0-255 pixel units."""
    return torch.nn.functional.mse_loss(rebuilt.float() * 255.0, photo.float() * 255.0)


def distill_light_encoder(cfg: AdainTrainConfig, run_dir: Path, contents: CropSampler, styles: CropSampler,
                          device: torch.device, on_step: Callable[[StepReport], None] | None = None) -> LightEncoder:
    """The light encoder of ``run_dir`` (``encoder.safetensors``), distilled from VGG-19 first if it is not there.

    Half of each batch is photos, half paintings: the encoder must describe both. Resumable
    (``distill.pt``); the finished encoder is written once and reused by every later resume.
    """
    done = run_dir / "encoder.safetensors"
    if done.is_file():
        return load_light_encoder(done).to(device)
    teacher = VGG19Features(BOTTLENECK).to(device)
    student = LightEncoder(cfg.encoder_width).to(device)
    parts = nn.ModuleDict({"encoder": student, "embeddings": Embeddings(student, teacher)}).to(device)
    opt = torch.optim.Adam(parts.parameters(), lr=cfg.distill_lr)
    rng = random.Random(cfg.seed + 2)
    half = max(1, cfg.batch // 2)

    def step_loss(step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        x = torch.cat([contents.batch(half, rng), styles.batch(half, rng)]).to(device)
        with torch.no_grad():
            target = teacher(x, TAPS)
        loss = distillation_loss(student(x, TAPS), target, parts["embeddings"])
        return loss, {"content": loss}

    # a fresh run has removed the stale distill.pt (train_adain): one that is there is this run's own
    outcome = run(Loop(parts, opt, step_loss, Budget(cfg.distill_steps), run_dir / "distill.pt", rng,
                       lambda: asdict(cfg), device, mixed_precision=False,
                       checkpoint_seconds=cfg.checkpoint_seconds, on_step=on_step), resume=True)
    with torch.no_grad():  # a check that distillation kept the features alive (at lr 5e-3, 117 of 128 died)
        probe = torch.cat([contents.batch(half, rng), styles.batch(half, rng)]).to(device)
        dead = dead_channels(student(probe, (BOTTLENECK,))[BOTTLENECK])
    save_light_encoder(student.cpu().eval(), {"distill_steps": outcome.steps,
                                              "distill_seconds": round(outcome.seconds, 1),
                                              "dead_relu4_1_channels": dead}, done)
    return student.to(device)


@dataclass
class AdainTrainConfig:
    content: list[str]
    styles: list[str]
    name: str = "adain"
    steps: int | None = None
    minutes: float | None = 60.0
    size: int = 192
    batch: int = 4
    lr: float = 1e-4
    style_weight: float = 10.0
    width: float = 1.0
    short: int = 256
    checkpoint_seconds: float = 120.0
    seed: int = 0
    max_photos: int = 2000
    mixed_precision: bool = True
    exclude: tuple[str, ...] = ()  # file-name globs left out of both sets (held-out evaluation images)
    encoder: str = "vgg19"  # or "light"
    encoder_width: float = 0.25
    distill_steps: int = 2000
    distill_lr: float = 1e-4  # Adam on pruned VGG-19 filters: at 5e-3 most relu4_1 channels died (ReLU never fires)
    identity_weight: float = 0.0  # > 0: the decoder must also rebuild the photo from its own features
    style_loss: str = "moments"  # or "gram": log Gram distances on relu1_1…relu5_1, the quality metric's terms
    ema: float = 0.995  # the decoder shipped is this moving average of the trained one's weights; 0: the last step's


def train_adain(cfg: AdainTrainConfig, run_dir: Path, out_path: Path, metadata: dict, resume: bool = False,
                on_step: Callable[[StepReport], None] | None = None,
                preview: tuple[np.ndarray, np.ndarray] | None = None, device: torch.device | None = None,
                on_distill_step: Callable[[StepReport], None] | None = None) -> Path:
    """Train the decoder; writes checkpoints and ``preview.png`` to ``run_dir`` and the decoder to ``out_path``."""
    budget = Budget(cfg.steps, cfg.minutes)  # refuses a run with neither
    device = device or torch.device("cpu")
    run_dir.mkdir(parents=True, exist_ok=True)
    ckpt = run_dir / "checkpoint.pt"
    rng = random.Random(cfg.seed)
    torch.manual_seed(cfg.seed)
    if cfg.encoder not in ("vgg19", "light"):
        raise ValueError(f"unknown encoder {cfg.encoder!r}: vgg19 or light")
    layers = style_layers(cfg.style_loss)
    deepest = layers[-1]  # VGG-19 must reach the style loss's deepest layer
    contents, styles = (CropSampler(list_images(dirs, cfg.exclude), cfg.size, cfg.short, cfg.max_photos,
                                    random.Random(cfg.seed + i)) for i, dirs in enumerate((cfg.content, cfg.styles)))
    judge = None  # the network that measures style: the encoder itself, or VGG-19 behind a light encoder
    if cfg.encoder == "light":
        if not resume:  # a fresh run distills afresh
            for stale in ("encoder.safetensors", "distill.pt"):
                (run_dir / stale).unlink(missing_ok=True)
        encoder = distill_light_encoder(cfg, run_dir, contents, styles, device, on_distill_step)
        net = AdaINNet(Decoder(cfg.width, encoder.out_channels), encoder).to(device)
        judge = VGG19Features(deepest).to(device)
    else:  # VGG-19 is both encoder and judge; only the decoder is saved
        net = AdaINNet(Decoder(cfg.width), VGG19Features(deepest)).to(device)
    opt = torch.optim.Adam(net.decoder.parameters(), lr=cfg.lr)
    phases = run_phases(ckpt if resume else None, run_settings(asdict(cfg)), metadata.get("command"))
    averaged = copy.deepcopy(net.decoder).requires_grad_(False) if cfg.ema > 0 else None
    shipped = averaged if averaged is not None else net.decoder  # what the previews show and the run writes

    def write_preview() -> None:
        if preview is None:
            return
        with torch.inference_mode():
            content, style = (to_tensor(p).to(device) for p in preview)
            target = adain(net.encoder(content, (BOTTLENECK,))[BOTTLENECK], *net.style_statistics(style))
            write_rgb(run_dir / "preview.png", to_uint8(shipped.eval()(target).clamp(0, 1)))

    def step_loss(step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        c_batch, s_batch = contents.batch(cfg.batch, rng).to(device), styles.batch(cfg.batch, rng).to(device)
        with torch.no_grad():
            style_feats = {k: v.float() for k, v in (judge or net.encoder)(s_batch, layers).items()}
            own = (style_feats if judge is None else net.encoder(s_batch, (BOTTLENECK,)))[BOTTLENECK].float()
            features = net.encoder(c_batch, (BOTTLENECK,))[BOTTLENECK].float()
            target = adain(features, *mean_std(own))
        output = net.decoder(target)
        c_loss, s_loss = adain_losses(net, output, target, style_feats, judge, cfg.style_loss)
        loss = c_loss + cfg.style_weight * s_loss
        if cfg.identity_weight > 0:  # the photo's own statistics make AdaIN the identity (Park & Lee 2019)
            loss = loss + cfg.identity_weight * identity_loss(net.decoder(features), c_batch)
        return loss, {"style": s_loss, "content": c_loss}

    outcome = run(Loop(net.decoder, opt, step_loss, budget, ckpt, rng,
                       lambda: {**asdict(cfg), "phases": phases}, device, cfg.mixed_precision, ema=cfg.ema,
                       averaged=averaged, checkpoint_seconds=cfg.checkpoint_seconds, on_step=on_step,
                       on_save=write_preview), resume=resume)
    meta = {**metadata, "train": {**run_settings(asdict(cfg)), "final_step": outcome.steps,
                                  "train_seconds": round(outcome.seconds, 1), "phases": phases}}
    return save_decoder(shipped.cpu().eval(), meta, out_path,
                        encoder=net.encoder.cpu().eval() if cfg.encoder == "light" else None)
