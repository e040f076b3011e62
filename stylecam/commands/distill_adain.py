"""``stylecam distill-adain``: teach the light (live) AdaIN network to draw what the VGG-19 one draws."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from models.errors import UserError
from stylecam.commands.options import add_picture_training_options, require_folders, run_training


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("distill-adain", help="train the light AdaIN network (live picture styles) to reproduce "
                                             "the VGG-19 one's pictures")
    add_picture_training_options(p, name="adain-light", size=128, lr=2e-4)
    p.add_argument("--teacher", default="vgg19", metavar="vgg19|FILE",
                   help="the VGG-19 AdaIN decoder to learn from (default: the installed one)")
    p.add_argument("--init", metavar="FILE", help="a light AdaIN decoder to start from (default: VGG-19 pruned "
                                                   "to --encoder-width and a new decoder of --width)")
    p.add_argument("--perceptual-weight", type=float, default=1.0,
                   help="weight of the VGG-19 relu1_1-relu3_1 feature distance beside the pixel distance")
    p.add_argument("--style-weight", type=float, default=6.0,
                   help="weight of the log-Gram style distance to the painting (relu1_1-relu5_1), which keeps "
                        "the strokes that copying alone smooths away (default: 6; 0: copy only)")
    p.add_argument("--encoder-width", type=float, default=0.25, help="without --init: light encoder channels "
                                                                     "relative to VGG-19's")
    p.add_argument("--width", type=float, default=0.25, help="without --init: decoder width relative to the paper's")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from models.inference.device import resolve_device
    from models.inference.registry import find_decoder, training_run_dir, user_style_dir
    from models.samples import sample_photo
    from models.training.adain_distill import DistillConfig, distill_adain
    from stylecam.progress import Progress, run_position

    if args.threads:
        torch.set_num_threads(args.threads)
    require_folders([*args.content, *args.styles])
    if not 0.05 <= args.width <= 4 or not 0.05 <= args.encoder_width <= 1:
        raise UserError("--width must be between 0.05 and 4, --encoder-width between 0.05 and 1")
    if not 0.0 <= args.ema < 1.0:
        raise UserError("--ema must be at least 0 and below 1")
    if args.perceptual_weight < 0 or args.style_weight < 0:
        raise UserError("--perceptual-weight and --style-weight must not be negative")
    if args.init is not None and not Path(args.init).is_file():
        raise UserError(f"--init {args.init}: no such file")
    teacher = find_decoder(args.teacher)  # a missing or unknown one ends in one clear line
    minutes = args.minutes if args.minutes is not None or args.steps is not None else 60.0
    cfg = DistillConfig(content=list(args.content), styles=list(args.styles), teacher=str(teacher), init=args.init,
                        name=args.name, steps=args.steps, minutes=minutes, size=args.size, batch=args.batch,
                        lr=args.lr, perceptual_weight=args.perceptual_weight, style_weight=args.style_weight,
                        encoder_width=args.encoder_width, width=args.width, ema=args.ema, exclude=tuple(args.exclude),
                        checkpoint_seconds=args.checkpoint_minutes * 60)
    out = Path(args.out) if args.out else user_style_dir() / f"{args.name}.decoder.safetensors"
    run_dir = training_run_dir(f"{args.name}-distill", args.run_dir)
    bar = Progress(f"distill-adain {args.name}", quiet=args.quiet)

    def on_step(r) -> None:
        fraction, eta, rate = run_position(r.step, r.elapsed, r.total_steps, r.budget_seconds)
        bar.update(fraction, f"step {r.step} pixel {r.content:.4g} features {r.style:.4g} style {r.tv:.4g} "
                             f"{rate:.2f} steps/s", eta)

    meta = {"name": args.name, "command": "stylecam " + shlex.join(args.argv)}
    preview = (sample_photo("astronaut")[::2, ::2].copy(), sample_photo("coffee")[::2, ::2].copy())
    path = run_training(lambda: distill_adain(cfg, run_dir, out, meta, resume=args.resume, on_step=on_step,
                                            preview=preview, device=resolve_device(args.device)),
                        bar, run_dir)
    if path is None:
        return 130
    print(f"wrote {path}")
    return 0
