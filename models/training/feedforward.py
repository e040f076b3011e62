"""Training a feed-forward style network against VGG-19 perceptual losses (Johnson et al. 2016).

With several paintings the network is a multi-style bank (conditional instance norm,
Dumoulin et al. 2017, :mod:`models.nets.multistyle`): the steps go round the styles, each step
using its style's row of norm parameters. ``finetune="norm"`` trains only the norm
parameters (a new style on top of an existing one's convolutions).

The loop is resumable: a checkpoint (network, optimizer, step, elapsed time, RNG state) is
written atomically every few minutes, on Ctrl-C and at the end; ``resume=True`` continues
from it. Time budgets count the time of every run, so a resumed 30-minute run stops after
30 minutes in total.

Speed notes (2-core CPU): the VGG passes dominate a step. Photos are resized once to the
evaluation scale (short side ``content_short``) and cut into ``size``-px crops, so a small
crop sees the painting's strokes at the scale they will have at run time while costing a
fraction of a full image; the style Grams are computed once; the content target is a
no-grad pass.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from pathlib import Path

import numpy as np
import torch

from models.images import read_rgb, resize_short_side, sha256_file, to_tensor, to_uint8, write_rgb
from models.inference.registry import load_bank, load_style, read_metadata, resolve, save_bank, save_style
from models.nets.live import overlapping_state, painter_state
from models.nets.multistyle import StyleBank, norm_vector
from models.nets.transformer import TIERS, NetConfig, build_network
from models.nets.vgg import CONTENT_LAYER, STYLE_LAYERS, VGG19Features
from models.training import losses
from models.training.checkpoint import run_phases, run_settings
from models.training.data import CropSampler, list_images
from models.training.loop import Budget, Loop, StepReport, run
from models.training.temporal_loss import random_smooth_flow, temporal_loss, warp_tensor


@dataclass
class TrainConfig:
    styles: list[str]  # one painting: a single-style network; several: a multi-style bank
    data: list[str]
    name: str
    tier: str = "fast"
    steps: int | None = None
    minutes: float | None = 30.0
    size: int = 128  # crop size in px
    batch: int = 4
    content_short: int = 256  # photos are resized to this short side before cropping
    style_short: int = 256  # the painting is resized to this short side
    lr: float = 2e-3
    style_weight: float = 15.0
    content_weight: float = 2.0
    # "sum": the style loss is the sum of the layers' Gram distances; "log": style_weight · the mean of their
    # logs plus content_weight · the content distance's log (the quality metric's own terms: every layer by its
    # relative error)
    style_loss: str = "sum"
    tv_weight: float = 0.0
    temporal_weight: float = 0.0  # > 0: add the temporal loss of models.training.temporal_loss
    detail_weight: float = 0.0  # > 0: also a content loss at relu2_2 (Johnson et al.'s layer): keeps shapes
    checkpoint_seconds: float = 120.0
    seed: int = 0
    init_from: str | None = None
    max_photos: int = 2000
    exclude: tuple[str, ...] = ()  # file-name globs left out of the photos (held-out evaluation photos)
    mixed_precision: bool = True
    finetune: str = "all"  # "all" or "norm" (only the instance-norm scales and shifts)
    row_shares: tuple[int, ...] | None = None  # a bank: steps per round given to each painting (default: 1 each)
    config: dict | None = field(default=None)  # explicit NetConfig overriding the tier
    # distillation (the live tier): a trained style network to imitate on every crop
    teacher: str | None = None  # its name or path
    pixel_weight: float = 0.0  # L1 distance to the teacher's picture
    feature_weight: float = 0.0  # VGG-19 feature distance to it (relu1_1…relu3_1, each layer normalised)
    texture_weight: float = 0.0  # Gram distance to it on the same layers (its strokes' statistics, not places)
    lattice_weight: float = 0.0  # a patch network's lattice beyond the teacher's (losses.lattice_distance)
    min_scale: float = 1.0  # < 1: crops of random scale in [min_scale, 1] (the net sees small and large frames)

    def net_config(self) -> NetConfig:
        return NetConfig.from_dict(self.config) if self.config else TIERS[self.tier]


def style_targets(vgg: VGG19Features, style_image: np.ndarray, device: torch.device) -> dict[str, torch.Tensor]:
    """The painting's Gram matrices (``C×C`` per style layer), computed once in fp32."""
    with torch.no_grad():
        feats = vgg(to_tensor(style_image).to(device), STYLE_LAYERS)
    return {k: losses.gram(v)[0] for k, v in feats.items()}


DETAIL_LAYER = "block2_relu2"


def painting_terms(feats: dict[str, torch.Tensor], targets: dict[str, torch.Tensor], content_target: torch.Tensor,
                   log: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """(style, content) of an output's features: the layers' Gram distances to the painting summed, and the
    relu4_2 distance to the photo's; with ``log``, :func:`models.training.losses.log_style_loss` and the
    content distance's log (the quality metric's own terms)."""
    content = losses.content_loss(feats[CONTENT_LAYER], content_target)
    if log:
        return losses.log_style_loss(feats, targets), torch.log(content + 1e-8)
    return losses.style_loss(feats, targets), content


def perceptual_losses(
    vgg: VGG19Features, output: torch.Tensor, content: torch.Tensor, targets: dict[str, torch.Tensor],
    detail: bool = False, log: bool = False,
) -> tuple[torch.Tensor, torch.Tensor] | tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(style, content) losses of a batch of outputs in QUALITY.md's units (unweighted sums);
    with ``detail`` also the relu2_2 content loss; with ``log`` the style loss is
    :func:`models.training.losses.log_style_loss` and the content loss its log."""
    content_layers = (CONTENT_LAYER, DETAIL_LAYER) if detail else (CONTENT_LAYER,)
    with torch.no_grad():
        content_feats = {k: v.float() for k, v in vgg(content, content_layers).items()}
    feats = {k: v.float() for k, v in vgg(output, (*STYLE_LAYERS, *content_layers)).items()}
    style, main = painting_terms(feats, targets, content_feats[CONTENT_LAYER], log)
    if not detail:
        return style, main
    return style, main, losses.content_loss(feats[DETAIL_LAYER], content_feats[DETAIL_LAYER])


DISTILL_LAYERS = ("block1_relu1", "block2_relu1", "block3_relu1")


def distill_losses(vgg: VGG19Features, output: torch.Tensor, content: torch.Tensor, targets: dict[str, torch.Tensor],
                   teacher_output: torch.Tensor, painting: bool = True, log: bool = False) -> dict[str, torch.Tensor]:
    """The terms of a distillation step, one VGG-19 pass through the student's output: ``pixel`` (L1 to the
    teacher's picture), ``feature`` (:func:`models.training.losses.feature_distance` on relu1_1…relu3_1), ``texture``
    (:func:`models.training.losses.gram_distance` on the same layers) and, with
    ``painting``, the painting's ``style`` and the photo's ``content`` losses as in :func:`perceptual_losses`
    (without them the pass stops at relu3_1, about half the cost on small crops); ``log``: those two as logs."""
    layers = (*STYLE_LAYERS, CONTENT_LAYER) if painting else DISTILL_LAYERS
    with torch.no_grad():
        teacher_feats = {k: v.float() for k, v in vgg(teacher_output, DISTILL_LAYERS).items()}
    feats = {k: v.float() for k, v in vgg(output, layers).items()}
    terms = {"pixel": torch.nn.functional.l1_loss(output.float(), teacher_output.float()),
             "feature": losses.feature_distance(feats, teacher_feats, DISTILL_LAYERS),
             "texture": losses.gram_distance(feats, teacher_feats, DISTILL_LAYERS)}
    zero = output.new_zeros((), dtype=torch.float32)
    terms["style"], terms["content"] = zero, zero
    if painting:
        with torch.no_grad():
            content_feats = vgg(content, (CONTENT_LAYER,))[CONTENT_LAYER].float()
        terms["style"], terms["content"] = painting_terms(feats, targets, content_feats, log)
    return terms


def warm_start_state(init_net, config, spec) -> dict:
    """``init_net``'s weights for a network of ``config``: the same config, a live-tier patch network
    without the overlapping head warm-starting one with it (the same picture to begin with), or a live-tier
    patch network warm-starting a painter of its trunk and head (:func:`models.nets.live.painter_state`), or a
    painter warm-starting the same painter with a phase-flat head (:func:`models.nets.live.flat_phase_head`)."""
    if init_net.config == config:
        return init_net.state_dict()
    if config.arch == "painter":
        if init_net.config == replace(config, flat_head=False):  # a painter warm-starting its phase-flat head
            return init_net.state_dict()
        if init_net.config == replace(config, arch="patch", detail=0, fine=0, flat_head=False):
            return painter_state(init_net.state_dict(), build_network(config).state_dict())
    elif (init_net.config.arch == "painter"
          and replace(init_net.config, arch="patch", detail=0, fine=0, flat_head=False) == config):
        # a painter (the shipped live tier since issue 34) warm-starting a patch network: its trunk and head
        return {k: v for k, v in init_net.state_dict().items() if not k.startswith(("detail.", "mix.", "fine."))}
    elif init_net.config == replace(config, overlap=False) and config.overlap:
        return overlapping_state(init_net.state_dict(), config.patch)
    raise ValueError(f"--init-from {spec}: its network config differs from this run's")


def row_schedule(shares: tuple[int, ...] | None, n_styles: int) -> list[int]:
    """The bank rows of one round of steps, in order: row k appears ``shares[k]`` times, spread out
    (1,0,2,1 for shares 1,2,1), so that a lagging painting gets more steps without long runs of it."""
    shares = tuple(shares) if shares else (1,) * n_styles
    if len(shares) != n_styles or any(int(s) != s or s < 1 for s in shares):
        raise ValueError(f"give {n_styles} whole numbers of at least 1 as row shares, one per painting")
    slots = sorted((j / s + 0.5 / s, k) for k, s in enumerate(shares) for j in range(s))
    return [k for _, k in slots]


def _lr_at(cfg: TrainConfig, progress: float) -> float:
    """Constant for the first half, then cosine down to a tenth."""
    if progress < 0.5:
        return cfg.lr
    t = min(1.0, (progress - 0.5) / 0.5)
    return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))


def train(
    cfg: TrainConfig,
    run_dir: Path,
    out_path: Path,
    metadata: dict,
    resume: bool = False,
    on_step: Callable[[StepReport], None] | None = None,
    preview_image: np.ndarray | None = None,
    device: torch.device | None = None,
    style_meta: list[dict] | None = None,
) -> Path:
    """Train ``cfg`` and write the finished style to ``out_path``; returns that path.

    ``run_dir`` holds ``checkpoint.pt`` and ``preview.png``. KeyboardInterrupt saves a
    checkpoint before it propagates. ``style_meta``: per-painting metadata (name, artist,
    title, year) of a multi-style bank.
    """
    budget = Budget(cfg.steps, cfg.minutes)  # refuses a run with neither
    device = device or torch.device("cpu")
    style_meta = style_meta or [{"name": Path(p).stem} for p in cfg.styles]
    if len(style_meta) != len(cfg.styles):
        raise ValueError("one metadata entry per painting")
    run_dir.mkdir(parents=True, exist_ok=True)
    ckpt_path = run_dir / "checkpoint.pt"
    rng = random.Random(cfg.seed)
    torch.manual_seed(cfg.seed)

    if not cfg.styles:
        raise ValueError("give at least one painting")
    if cfg.finetune not in ("all", "norm"):
        raise ValueError(f"unknown finetune mode {cfg.finetune!r}")
    if cfg.style_loss not in ("sum", "log"):
        raise ValueError(f"unknown style loss {cfg.style_loss!r} (sum or log)")
    if cfg.style_loss == "log" and cfg.detail_weight > 0:
        raise ValueError("the log style loss has no detail term")
    n_styles = len(cfg.styles)
    schedule = row_schedule(cfg.row_shares, n_styles)
    net = build_network(cfg.net_config())
    init_bank = None
    if cfg.init_from and n_styles > 1 and read_metadata(resolve(cfg.init_from)).get("kind") == "bank":
        init_bank, init_meta = load_bank(resolve(cfg.init_from))  # a bank warm-started from a bank: every row
        if init_bank.n_styles != n_styles:
            raise ValueError(f"--init-from {cfg.init_from}: a bank of {init_bank.n_styles} styles, "
                             f"this run has {n_styles} paintings")
        metadata = {**metadata, "init_from": {"spec": str(cfg.init_from), "command": init_meta.get("command"),
                                              "train": init_meta.get("train"),
                                              "init_from": init_meta.get("init_from")}}
        if init_bank.net.config != net.config:
            raise ValueError(f"--init-from {cfg.init_from}: its network config differs from this run's")
    elif cfg.init_from:
        init_net, init_meta = load_style(cfg.init_from)
        metadata = {**metadata, "init_from": {"spec": str(cfg.init_from), "command": init_meta.get("command"),
                                              "train": init_meta.get("train"),
                                              "init_from": init_meta.get("init_from")}}
        net.load_state_dict(warm_start_state(init_net, net.config, cfg.init_from))
    elif cfg.finetune == "norm":
        raise ValueError("fine-tuning only the norm parameters needs --init-from")
    bank = StyleBank(net.config, n_styles) if n_styles > 1 else None
    if init_bank is not None:
        bank.load_state_dict(init_bank.state_dict())
    elif bank is not None:
        bank.net.load_state_dict(net.state_dict())
        with torch.no_grad():
            bank.table.copy_(norm_vector(net).repeat(n_styles, 1))
    model = (bank or net).to(device)
    opt = torch.optim.Adam(_trainable(model, bank, cfg.finetune), lr=cfg.lr)
    defaults = {f.name: f.default for f in fields(TrainConfig) if f.default is not MISSING}
    phases = run_phases(ckpt_path if resume else None, run_settings(asdict(cfg)), metadata.get("command"), defaults)
    run_config = {**asdict(cfg), "phases": phases}  # what the checkpoints carry: a resume with new settings adds one

    teacher = None
    if cfg.teacher:
        if n_styles > 1:
            raise ValueError("a teacher network teaches a single-style network, not a bank")
        teacher, teacher_meta = load_style(cfg.teacher)
        teacher = teacher.to(device).eval().requires_grad_(False)
        inherited = {k: teacher_meta[k] for k in ("artist", "title", "year") if teacher_meta.get(k)}
        metadata = {**metadata, **{k: v for k, v in inherited.items() if not metadata.get(k)}}
        metadata = {**metadata, "teacher": {"spec": str(cfg.teacher), "name": teacher_meta.get("name"),
                                            "sha256": sha256_file(resolve(cfg.teacher)),
                                            "command": teacher_meta.get("command"),
                                            "config": teacher_meta.get("config")}}
    vgg = VGG19Features("block5_relu1").to(device)
    targets = [style_targets(vgg, resize_short_side(read_rgb(p), cfg.style_short), device) for p in cfg.styles]
    sampler = CropSampler(list_images(cfg.data, cfg.exclude), cfg.size, cfg.content_short, cfg.max_photos,
                          random.Random(cfg.seed))
    hashes = [sha256_file(p) for p in cfg.styles]
    metadata = {**metadata, "train": {k: v for k, v in asdict(cfg).items() if k not in ("data", "styles")}}
    if bank is None:
        metadata["style_sha256"] = hashes[0]

    def stylize(x: torch.Tensor, k: int) -> torch.Tensor:
        return bank(x, k) if bank is not None else net(x)

    def write_preview() -> None:
        if preview_image is None:
            return
        model.eval()
        with torch.inference_mode():
            x = to_tensor(preview_image).to(device)
            tiles = [to_uint8(stylize(x, k)) for k in range(n_styles)]
            write_rgb(run_dir / "preview.png", np.concatenate(tiles, axis=1))

    def step_loss(step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        content = sampler.batch(cfg.batch, rng, cfg.min_scale).to(device)
        k = schedule[step % len(schedule)]
        output = stylize(content, k)
        distill = torch.zeros(())
        if teacher is not None:
            with torch.no_grad():
                teacher_output = teacher(content)
            terms = distill_losses(vgg, output, content, targets[k], teacher_output,
                                   painting=cfg.style_weight > 0 or cfg.content_weight > 0, log=cfg.style_loss == "log")
            s_loss, c_loss, d_loss = terms["style"], terms["content"], torch.zeros(())
            distill = (cfg.pixel_weight * terms["pixel"] + cfg.feature_weight * terms["feature"]
                       + cfg.texture_weight * terms["texture"])
            if cfg.lattice_weight > 0:
                patch = int(getattr(net, "patch", 8))
                distill = distill + cfg.lattice_weight * losses.lattice_distance(output, teacher_output, patch)
        elif cfg.detail_weight > 0:
            s_loss, c_loss, d_loss = perceptual_losses(vgg, output, content, targets[k], detail=True)
        else:
            (s_loss, c_loss), d_loss = perceptual_losses(vgg, output, content, targets[k],
                                                         log=cfg.style_loss == "log"), torch.zeros(())
        tv = losses.tv_loss(output.float())
        loss = (cfg.style_weight * s_loss + cfg.content_weight * c_loss + cfg.detail_weight * d_loss
                + cfg.tv_weight * tv + distill)
        t_loss = torch.zeros(())
        if cfg.temporal_weight > 0:
            flow = random_smooth_flow(content.shape[0], content.shape[2], content.shape[3]).to(device)
            t_loss = temporal_loss(output.float(), stylize(warp_tensor(content, flow)[0], k).float(), flow)
            loss = loss + cfg.temporal_weight * t_loss
        return loss, {"style": s_loss, "content": c_loss, "tv": tv, "temporal": t_loss, "distill": distill}

    outcome = run(Loop(model, opt, step_loss, budget, ckpt_path, rng, lambda: run_config,
                       device, cfg.mixed_precision, lr_at=lambda progress: _lr_at(cfg, progress),
                       checkpoint_seconds=cfg.checkpoint_seconds, on_step=on_step, on_save=write_preview),
                  resume=resume)
    model.eval().cpu()
    metadata["train"]["final_step"] = outcome.steps
    metadata["train"]["phases"] = phases
    metadata["train"]["skipped_steps"] = outcome.skipped
    metadata["train"]["train_seconds"] = round(outcome.seconds, 1)
    if bank is None:
        return save_style(net, metadata, out_path)
    styles = [{**style_meta[k], "style_sha256": hashes[k]} for k in range(n_styles)]
    return save_bank(bank, metadata, styles, out_path)


def _trainable(model: torch.nn.Module, bank: StyleBank | None, finetune: str) -> list[torch.nn.Parameter]:
    """The parameters a run optimizes: everything, or only the norm scales and shifts."""
    if bank is not None:
        return [bank.table] if finetune == "norm" else [*bank.shared_parameters(), bank.table]
    if finetune == "norm":
        return [p for m in model.modules() if isinstance(m, torch.nn.InstanceNorm2d) for p in m.parameters()]
    return list(model.parameters())
