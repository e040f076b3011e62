"""Output distillation: a light AdaIN network taught to draw what the VGG-19 network draws.

Trained on the paper's losses, the light network (:mod:`models.nets.light_encoder`, a decoder of a
quarter width) stayed at 14–18× the Gatys style distance, and more training made it worse: the
statistics of its distilled encoder tell the decoder too little about a painting's textures.
The VGG-19 network's own pictures are a far denser target: for every photo and painting, an
image to copy. So both halves of the light network learn here, end to end (the painting's
statistics come from the light encoder, so it must learn which ones matter), to reproduce the
frozen VGG-19 network's output for the same photo and painting:

    loss = |student − teacher|₁ + perceptual_weight · Σ_l ‖φ_l(student) − φ_l(teacher)‖² / ‖φ_l(teacher)‖²
           + style_weight · log-Gram distance(student, painting)

with φ_l VGG-19's relu1_1…relu3_1. The student cannot compute exactly what the teacher does, so
copying alone regresses to the mean: the layout and colours of the teacher's picture, smoothed
(after 2,300 steps: Munch ×6.2 the Gatys style distance, the strokes gone). The last term, the
teacher's own style loss (:func:`models.nets.adain.log_gram_distance` on relu1_1…relu5_1), asks for
the painting's texture statistics wherever the exact strokes cannot be copied.
Tensors are ``N×3×H×W`` RGB in [0, 1].
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from models.images import to_tensor, to_uint8, write_rgb
from models.inference.registry import load_decoder, read_metadata_any, save_decoder
from models.nets.adain import BOTTLENECK, AdaINNet, Decoder, adain, log_gram_distance, mean_std
from models.nets.light_encoder import LightEncoder
from models.nets.vgg import STYLE_LAYERS, VGG19Features
from models.training import losses
from models.training.checkpoint import run_phases, run_settings
from models.training.data import CropSampler, list_images
from models.training.loop import Budget, Loop, StepReport, run

PERCEPTUAL_LAYERS = ("block1_relu1", "block2_relu1", "block3_relu1")


def feature_distance(student: dict[str, torch.Tensor], teacher: dict[str, torch.Tensor],
                     layers: tuple[str, ...] = PERCEPTUAL_LAYERS) -> torch.Tensor:
    """:func:`models.training.losses.feature_distance` on the distillation's layers."""
    return losses.feature_distance(student, teacher, layers)


def stylize(net: AdaINNet, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    """``net``'s picture of ``content`` in the style of ``style`` (each sample with its own style)."""
    features = net.encoder(content, (BOTTLENECK,))[BOTTLENECK]
    return net.decoder(adain(features, *mean_std(net.encoder(style, (BOTTLENECK,))[BOTTLENECK])))


@dataclass
class DistillConfig:
    content: list[str]
    styles: list[str]
    teacher: str  # a VGG-19 AdaIN decoder file
    init: str | None = None  # a light AdaIN decoder file to start from; None: pruned VGG-19 and a fresh decoder
    name: str = "adain-light"
    steps: int | None = None
    minutes: float | None = 60.0
    size: int = 128
    batch: int = 4
    lr: float = 2e-4
    perceptual_weight: float = 1.0
    style_weight: float = 6.0  # > 0: also the log-Gram style distance to the painting (relu1_1…relu5_1)
    encoder_width: float = 0.25  # without init
    width: float = 0.25  # without init
    ema: float = 0.995
    short: int = 256
    checkpoint_seconds: float = 120.0
    seed: int = 0
    max_photos: int = 2000
    mixed_precision: bool = True
    exclude: tuple[str, ...] = ()


def teacher_network(path: str | Path) -> AdaINNet:
    """The frozen VGG-19 network to learn from; a light one is refused (nothing to gain from it)."""
    net, meta = load_decoder(path)
    if meta.get("encoder", "vgg19") != "vgg19":
        raise ValueError(f"{path}: the teacher must be a VGG-19 AdaIN decoder, not a {meta.get('encoder')} one")
    return net.eval().requires_grad_(False)


def student_network(cfg: DistillConfig) -> AdaINNet:
    """The light network to train: ``cfg.init``'s, or VGG-19 pruned to ``encoder_width`` with a fresh decoder."""
    if cfg.init is not None:
        net, meta = load_decoder(cfg.init)
        if meta.get("encoder") != "light":
            raise ValueError(f"{cfg.init}: --init must be a light AdaIN decoder")
    else:
        encoder = LightEncoder(cfg.encoder_width)
        net = AdaINNet(Decoder(cfg.width, encoder.out_channels), encoder)
    return net.train().requires_grad_(True)


def _provenance(path: str | None) -> dict | None:
    """What made a decoder file: its command and training summary, for the new file's metadata."""
    if path is None:
        return None
    meta = read_metadata_any(path)
    return {"file": Path(path).name, "command": meta.get("command"),
            "final_step": (meta.get("train") or {}).get("final_step")}


def distill_adain(cfg: DistillConfig, run_dir: Path, out_path: Path, metadata: dict, resume: bool = False,
                  on_step: Callable[[StepReport], None] | None = None,
                  preview: tuple[np.ndarray, np.ndarray] | None = None,
                  device: torch.device | None = None) -> Path:
    """Train the light network on the teacher's pictures; checkpoints and ``preview.png`` in ``run_dir``,
    the light decoder file (encoder inside) at ``out_path``. Resumable like every stylecam run."""
    budget = Budget(cfg.steps, cfg.minutes)  # refuses a run with neither
    device = device or torch.device("cpu")
    run_dir.mkdir(parents=True, exist_ok=True)
    ckpt = run_dir / "checkpoint.pt"
    rng = random.Random(cfg.seed)
    torch.manual_seed(cfg.seed)
    teacher = teacher_network(cfg.teacher).to(device)
    judge_layers = tuple(dict.fromkeys(PERCEPTUAL_LAYERS + (STYLE_LAYERS if cfg.style_weight > 0 else ())))
    judge = VGG19Features(judge_layers[-1]).to(device).requires_grad_(False)  # VGG-19 as far as the losses need
    student = student_network(cfg).to(device)
    contents, styles = (CropSampler(list_images(dirs, cfg.exclude), cfg.size, cfg.short, cfg.max_photos,
                                    random.Random(cfg.seed + i)) for i, dirs in enumerate((cfg.content, cfg.styles)))
    opt = torch.optim.Adam(student.parameters(), lr=cfg.lr)
    averaged = copy.deepcopy(student).requires_grad_(False) if cfg.ema > 0 else None
    shipped = averaged if averaged is not None else student
    settings = run_settings(asdict(cfg))
    phases = run_phases(ckpt if resume else None, settings, metadata.get("command"))

    def write_preview() -> None:
        if preview is not None:
            with torch.inference_mode():
                content, style = (to_tensor(p).to(device) for p in preview)
                shipped.eval()
                write_rgb(run_dir / "preview.png", to_uint8(stylize(shipped, content, style).clamp(0, 1)))
                shipped.train()

    def step_loss(step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        c_batch, s_batch = contents.batch(cfg.batch, rng).to(device), styles.batch(cfg.batch, rng).to(device)
        with torch.no_grad():
            target = stylize(teacher, c_batch, s_batch).float()  # eval mode: clamped to [0, 1]
            target_feats = judge(target, PERCEPTUAL_LAYERS)
            style_feats = judge(s_batch, STYLE_LAYERS) if cfg.style_weight > 0 else {}
        output = stylize(student, c_batch, s_batch).float()
        feats = judge(output, judge_layers)
        pixel = F.l1_loss(output, target)
        perceptual = feature_distance(feats, target_feats)
        style = log_gram_distance(feats, style_feats) if style_feats else output.new_zeros(())
        loss = pixel + cfg.perceptual_weight * perceptual + cfg.style_weight * style
        return loss, {"style": perceptual, "content": pixel, "tv": style}

    outcome = run(Loop(student, opt, step_loss, budget, ckpt, rng,
                       lambda: {**settings, "phases": phases}, device, cfg.mixed_precision, ema=cfg.ema,
                       averaged=averaged, checkpoint_seconds=cfg.checkpoint_seconds, on_step=on_step,
                       on_save=write_preview), resume=resume)
    meta = {**metadata, "teacher": _provenance(cfg.teacher), "init": _provenance(cfg.init),
            "train": {**settings, "final_step": outcome.steps, "train_seconds": round(outcome.seconds, 1),
                      "phases": phases}}
    shipped = shipped.cpu().eval()
    return save_decoder(shipped.decoder, meta, out_path, encoder=shipped.encoder)
