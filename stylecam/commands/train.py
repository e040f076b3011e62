"""``stylecam train``: a new style from a painting, trained by the project's own code."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from models.errors import UserError
from stylecam.commands.options import add_run_options, require_folders, run_training


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a new style from a painting (several: a multi-style bank)")
    p.add_argument("--style", required=True, nargs="+",
                   help="the painting (an image file); several paintings train one multi-style bank")
    p.add_argument("--data", required=True, nargs="+", help="folders (or files) of training photos")
    p.add_argument("--exclude", nargs="+", default=[], metavar="GLOB",
                   help="leave out the photos whose file names match (held-out evaluation photos in a training folder)")
    p.add_argument("--name", required=True, help="the new style's name")
    p.add_argument("--tier", choices=("live", "painter", "fast", "quality"), default="fast",
                   help="network size (default: fast; live: the 8×8-patch network of the live preview, best "
                        "taught by a trained style with --teacher; painter: the live network that paints at the "
                        "frame's own size whatever size its trunk runs at, warm-started --init-from a live one)")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=float, help="training time budget in minutes (default: 30)")
    budget.add_argument("--steps", type=int, help="number of training steps")
    p.add_argument("--size", type=int, default=128, help="training crop size in px (default: 128)")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--style-weight", type=float, default=15.0, help="weight of the Gram style loss (default: 15)")
    p.add_argument("--style-loss", choices=("sum", "log"), default="sum",
                   help="sum of the layers' Gram distances (default), or the mean of their logs plus the content "
                        "distance's log (then --style-weight 1 --content-weight 2 is learn's balance)")
    p.add_argument("--content-weight", type=float, default=2.0,
                   help="weight of the relu4_2 content loss (default: 2)")
    p.add_argument("--detail-weight", type=float, default=0.0,
                   help="also keep the photo's shapes: a content loss at relu2_2 with this weight (default: 0)")
    p.add_argument("--tv-weight", type=float, default=0.0)
    p.add_argument("--temporal-weight", type=float, default=0.0,
                   help="add a temporal-consistency loss (photos warped by random smooth motion); 0 = off")
    p.add_argument("--style-scale", type=int, default=256, help="the painting's short side in px (default: 256)")
    p.add_argument("--photo-scale", type=int, default=256,
                   help="the photos' short side in px before cropping (default: 256)")
    p.add_argument("--min-scale", type=float, default=1.0,
                   help="< 1: each crop shows the photo at a random scale in [MIN, 1] of --photo-scale")
    p.add_argument("--teacher", help="a trained style (name or file) whose pictures the new network learns to "
                                     "draw: distillation, e.g. the live tier from the fast tier's network")
    p.add_argument("--pixel-weight", type=float, default=10.0,
                   help="with --teacher: weight of the L1 distance to its picture (default: 10)")
    p.add_argument("--feature-weight", type=float, default=1.0,
                   help="with --teacher: weight of the VGG-19 relu1_1…relu3_1 distance to its picture (default: 1)")
    p.add_argument("--lattice-weight", type=float, default=0.0,
                   help="with --teacher: weight of the patch-lattice distance to its picture (a patch network's "
                        "8-px phases kept as even as the teacher's; models.training.losses.lattice_distance)")
    p.add_argument("--texture-weight", type=float, default=0.0,
                   help="with --teacher: weight of the Gram (texture) distance to its picture on the same layers: "
                        "its strokes' statistics without asking for their places (default: 0)")
    p.add_argument("--flat-head", action="store_true",
                   help="painter tier: a phase-flat head (no 8-px lattice; warm-starts from a painter without one)")
    p.add_argument("--init-from", help="start from an existing style's weights (same tier)")
    p.add_argument("--finetune", choices=("all", "norm"), default="all",
                   help="norm: train only the instance-norm parameters (needs --init-from)")
    p.add_argument("--names", help="comma-separated style names inside a bank (default: the paintings' file names)")
    p.add_argument("--row-shares", help="a bank: comma-separated steps per round for each painting, e.g. "
                   "1,1,3,1 gives the third painting three times the steps (default: equal)")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint of --name")
    p.add_argument("--out", help="weights file to write (default: the user style folder)")
    p.add_argument("--run-dir", help="checkpoint and preview folder (default: beside the user styles)")
    p.add_argument("--artist", default="", help="the painter ('|'-separated, one per painting, for a bank)")
    p.add_argument("--title", default="", help="the painting's title ('|'-separated for a bank)")
    p.add_argument("--year", default="", help="the painting's year ('|'-separated for a bank)")
    add_run_options(p)
    p.set_defaults(func=run)


def per_style_metadata(args: argparse.Namespace) -> list[dict]:
    """Name, artist, title and year of each painting; '|' separates the values of a bank's paintings."""
    n = len(args.style)
    names = [x.strip() for x in args.names.split(",")] if args.names else (
        [args.name] if n == 1 else [Path(p).stem for p in args.style])
    fields = {"artist": args.artist, "title": args.title, "year": args.year}
    split = {k: v.split("|") if n > 1 and v else [v] * n for k, v in fields.items()}
    if len(names) != n or any(len(v) != n for v in split.values()):
        raise UserError(f"give one name, artist, title and year per painting ({n} paintings)")
    return [{"name": names[i], **{k: v[i].strip() for k, v in split.items()}} for i in range(n)]


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    import torch

    from models.images import read_rgb
    from models.inference.device import resolve_device
    from models.inference.registry import training_run_dir, user_style_path
    from models.nets.transformer import TIERS
    from models.samples import sample_photo
    from models.training.feedforward import TrainConfig, train
    from stylecam.progress import Progress, run_position

    if args.threads:
        torch.set_num_threads(args.threads)
    require_folders(args.data)
    if not 0.1 <= args.min_scale <= 1.0:
        raise UserError(f"--min-scale must be between 0.1 and 1, got {args.min_scale}")
    for painting in args.style:
        read_rgb(painting)  # a clear error now rather than after loading the photos
    style_meta = per_style_metadata(args)
    try:
        shares = tuple(int(x) for x in args.row_shares.split(",")) if args.row_shares else None
    except ValueError:
        raise UserError(f"--row-shares {args.row_shares}: comma-separated whole numbers") from None
    minutes = args.minutes if args.minutes is not None or args.steps is not None else 30.0
    if args.flat_head and args.tier != "painter":
        raise UserError("--flat-head is a painter's (--tier painter)")
    config = replace(TIERS["painter"], flat_head=True).to_dict() if args.flat_head else None
    cfg = TrainConfig(
        styles=list(args.style), data=list(args.data), exclude=tuple(args.exclude), name=args.name, tier=args.tier,
        steps=args.steps,
        minutes=minutes, finetune=args.finetune, size=args.size, batch=args.batch, lr=args.lr,
        style_weight=args.style_weight, content_weight=args.content_weight, style_loss=args.style_loss,
        tv_weight=args.tv_weight,
        detail_weight=args.detail_weight,
        temporal_weight=args.temporal_weight, style_short=args.style_scale, content_short=args.photo_scale,
        min_scale=args.min_scale, teacher=args.teacher,
        pixel_weight=args.pixel_weight if args.teacher else 0.0,
        feature_weight=args.feature_weight if args.teacher else 0.0,
        texture_weight=args.texture_weight if args.teacher else 0.0,
        lattice_weight=args.lattice_weight if args.teacher else 0.0,
        checkpoint_seconds=args.checkpoint_minutes * 60, init_from=args.init_from, row_shares=shares, config=config,
    )
    out = Path(args.out) if args.out else user_style_path(args.name)
    run_dir = training_run_dir(args.name, args.run_dir)
    single = style_meta[0] if len(style_meta) == 1 else {"name": args.name}
    meta = {
        **single, "name": args.name, "tier": args.tier,
        "value_range": "RGB float [0, 1] in and out",
        "command": "stylecam " + shlex.join(args.argv),
    }
    progress = Progress(f"train {args.name}", quiet=args.quiet)

    def on_step(r) -> None:
        fraction, eta, rate = run_position(r.step, r.elapsed, r.total_steps, r.budget_seconds)
        text = f"step {r.step} style {r.style:.4g} content {r.content:.4g} {rate:.2f} steps/s lr {r.lr:.2g}"
        if args.temporal_weight:
            text += f" temporal {r.temporal:.3g}"
        if args.teacher:
            text += f" teacher {r.distill:.4g}"
        progress.update(fraction, text, eta)

    path = run_training(lambda: train(cfg, run_dir, out, meta, resume=args.resume, on_step=on_step,
                                      preview_image=sample_photo(), device=resolve_device(args.device),
                                      style_meta=style_meta),
                        progress, run_dir, (FileNotFoundError, ValueError, FloatingPointError))
    if path is None:
        return 130
    print(f"wrote {path} (style {args.name!r}; preview in {run_dir})")
    return 0
