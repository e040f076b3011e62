"""``stylecam bank``: one multi-style network distilled from single-style networks."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from models.errors import UserError
from stylecam.commands.options import add_run_options, require_folders, run_training


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bank", help="distil single-style networks into one multi-style bank (instant switch/blend)")
    p.add_argument("--from", dest="sources", required=True,
                   help="comma-separated styles (names or .safetensors paths) of one architecture")
    p.add_argument("--data", required=True, nargs="+", help="folders of photos to distil on")
    p.add_argument("--name", default="pack")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--size", type=int, default=128, help="crop size in px (default: 128)")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--out", help="bank file (default: the user style folder)/NAME.safetensors")
    p.add_argument("--run-dir", help="checkpoint folder")
    p.add_argument("--resume", action="store_true")
    add_run_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import random

    import torch

    from models.inference.device import resolve_device
    from models.inference.registry import load_style, resolve, save_bank, training_run_dir, user_style_path
    from models.training.bank import bank_metadata, distill_bank
    from models.training.data import CropSampler, list_images
    from stylecam.progress import Progress

    if args.threads:
        torch.set_num_threads(args.threads)
    sources = [s.strip() for s in args.sources.split(",") if s.strip()]
    if len(sources) < 2:
        raise UserError("--from needs at least two styles")
    if not 1 <= args.steps <= 1_000_000:
        raise UserError("--steps must be between 1 and 1000000")
    teachers, metas = [], []
    for spec in sources:
        net, meta = load_style(resolve(spec))
        teachers.append(net)
        metas.append(meta)
    require_folders(args.data)
    try:
        sampler = CropSampler(list_images(args.data), args.size, 256, 2000, random.Random(0))
    except (FileNotFoundError, ValueError) as exc:
        raise UserError(str(exc)) from None
    out = Path(args.out) if args.out else user_style_path(args.name)
    run_dir = training_run_dir(args.name, args.run_dir)
    bar = Progress(f"bank {args.name}", quiet=args.quiet)

    def on_step(r) -> None:
        rate = r.step / max(r.elapsed, 1e-9)
        bar.update(r.step / r.total_steps, f"step {r.step} distance {r.content:.4g} {rate:.2f} steps/s",
                   (r.total_steps - r.step) / max(rate, 1e-9))

    result = run_training(lambda: distill_bank(
        teachers, sampler, args.steps, run_dir, batch=args.batch, lr=args.lr, resume=args.resume,
        checkpoint_seconds=args.checkpoint_minutes * 60, device=resolve_device(args.device), on_step=on_step),
        bar, run_dir, (ValueError,))
    if result is None:
        return 130
    bank, steps, seconds = result
    meta, styles = bank_metadata(args.name, metas, sources, "stylecam " + shlex.join(args.argv), steps, seconds,
                                 args.size, args.batch, args.lr)
    path = save_bank(bank, meta, styles, out)
    print(f"wrote {path} (bank {args.name!r}: {', '.join(s.get('name', '?') for s in styles)})")
    return 0
