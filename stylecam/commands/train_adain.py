"""``stylecam train-adain``: train the decoder of the arbitrary-style (AdaIN) network."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from models.errors import UserError
from stylecam.commands.options import add_picture_training_options, require_folders, run_training


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train-adain", help="train the AdaIN decoder (any image as a style, no per-style training)")
    add_picture_training_options(p, name="adain", size=192, lr=1e-4)
    p.add_argument("--style-weight", type=float, default=10.0)
    p.add_argument("--style-loss", choices=("moments", "gram"), default="moments",
                   help="moments: the paper's mean/std of relu1_1-relu4_1; gram: log Gram distances of relu1_1-relu5_1 "
                        "(what the quality report measures; weigh it with --style-weight)")
    p.add_argument("--identity-weight", type=float, default=0.0,
                   help="also rebuild each photo from its own features (pixel loss; speeds up training, keeps "
                        "the photo's shapes); 0 = the paper's losses only")
    p.add_argument("--width", type=float, default=1.0, help="decoder width relative to the paper's (default: 1)")
    p.add_argument("--encoder", choices=("vgg19", "light"), default="vgg19",
                   help="vgg19: the paper's encoder; light: a small one distilled from VGG-19 first, for live use")
    p.add_argument("--encoder-width", type=float, default=0.25, help="light encoder channels relative to VGG-19's")
    p.add_argument("--distill-steps", type=int, default=2000, help="steps distilling the light encoder")
    p.add_argument("--distill-lr", type=float, default=1e-4, help="learning rate distilling the light encoder")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from models.inference.device import resolve_device
    from models.inference.registry import training_run_dir, user_style_dir
    from models.samples import sample_photo
    from models.training.adain import AdainTrainConfig, train_adain
    from stylecam.progress import Progress, run_position

    if args.threads:
        torch.set_num_threads(args.threads)
    require_folders([*args.content, *args.styles])
    if not 0.05 <= args.width <= 4:
        raise UserError("--width must be between 0.05 and 4")
    if not 0.05 <= args.encoder_width <= 1:
        raise UserError("--encoder-width must be between 0.05 and 1")
    if not 0.0 <= args.ema < 1.0:
        raise UserError("--ema must be at least 0 and below 1")
    if args.distill_steps < 1:
        raise UserError("--distill-steps must be at least 1")
    minutes = args.minutes if args.minutes is not None or args.steps is not None else 60.0
    cfg = AdainTrainConfig(content=list(args.content), styles=list(args.styles), name=args.name, steps=args.steps,
                           minutes=minutes, size=args.size, batch=args.batch, lr=args.lr,
                           style_weight=args.style_weight, style_loss=args.style_loss,
                           identity_weight=args.identity_weight, width=args.width, encoder=args.encoder,
                           encoder_width=args.encoder_width, distill_steps=args.distill_steps,
                           distill_lr=args.distill_lr, ema=args.ema,
                           exclude=tuple(args.exclude),
                           checkpoint_seconds=args.checkpoint_minutes * 60)
    out = Path(args.out) if args.out else user_style_dir() / f"{args.name}.decoder.safetensors"
    run_dir = training_run_dir(f"{args.name}-adain", args.run_dir)
    bar = Progress(f"train-adain {args.name}", quiet=args.quiet)

    def on_step(r) -> None:
        fraction, eta, rate = run_position(r.step, r.elapsed, r.total_steps, r.budget_seconds)
        bar.update(fraction, f"step {r.step} content {r.content:.4g} style {r.style:.4g} {rate:.2f} steps/s", eta)

    distill_bar = Progress(f"distill {args.name}", quiet=args.quiet)

    def on_distill_step(r) -> None:
        rate = r.step / max(r.elapsed, 1e-9)
        distill_bar.update(r.step / r.total_steps, f"step {r.step} feature loss {r.content:.4g} {rate:.2f} steps/s",
                           (r.total_steps - r.step) / rate)

    meta = {"name": args.name, "command": "stylecam " + shlex.join(args.argv)}
    preview = (sample_photo("astronaut")[::2, ::2].copy(), sample_photo("coffee")[::2, ::2].copy())
    path = run_training(lambda: train_adain(cfg, run_dir, out, meta, resume=args.resume, on_step=on_step,
                                            preview=preview, device=resolve_device(args.device),
                                            on_distill_step=on_distill_step),
                        bar, run_dir)
    if path is None:
        return 130
    print(f"wrote {path}")
    return 0
