"""``stylecam learn PAINTING.jpg``: any painting as a style of its own in a few minutes (see
:mod:`models.training.learn`)."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import time
from pathlib import Path

from models.errors import UserError
from stylecam import STARTED
from stylecam.commands.options import add_run_options, require_folders, run_training


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("learn", help="make a painting a style: fine-tune the pack's networks on it for a few minutes")
    p.add_argument("painting", help="the painting (an image file)")
    p.add_argument("--name", help="the new style's name (default: from the file name)")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=float, default=5.0,
                        help="how long the whole command takes, set-up and both networks' training together "
                             "(default: 5; 15 is better)")
    budget.add_argument("--steps", type=int, help="a number of steps for each network instead of a time")
    p.add_argument("--data", nargs="+",
                   help="folders (or files) of photos to train on (default: the photos that ship with scikit-image; "
                        "a few hundred photos of your own are better)")
    p.add_argument("--start", help="the pack style to start from (default: the one already nearest the painting)")
    p.add_argument("--style-loss", choices=("log", "sum"), default="log",
                   help="the fast tier's style loss: the log of each VGG layer's Gram distance, every layer by its "
                        "relative error, against the content distance's log (default), or the plain sum of the "
                        "distances (the pack's recipe)")
    p.add_argument("--style-weight", type=float,
                   help="how much the painting counts against the photo's content (default: 1 with the log loss, "
                        "against the content's 2; 15 with the sum, against 2)")
    p.add_argument("--force", action="store_true", help="replace a style of yours with the same name")
    add_run_options(p)
    p.set_defaults(func=run)


def _pack_styles() -> list[str]:
    """The shipped single-style networks that have a live-tier network too (the ones learn can start from)."""
    from models.inference.registry import list_styles, variant

    return [s.name for s in list_styles() if s.shipped and s.meta.get("kind") != "bank" and variant(s.name, "live")]


def run(args: argparse.Namespace) -> int:
    import torch

    from models.images import read_rgb
    from models.inference.device import resolve_device
    from models.inference.registry import (
        list_styles,
        picture_digest,
        training_run_dir,
        user_style_dir,
        user_style_path,
    )
    from models.inference.runtime import Stylizer
    from models.nets.vgg import VGG19Features
    from models.samples import sample_photo
    from models.training.feedforward import train
    from models.training.learn import (
        FAST_SHARE,
        STYLE_WEIGHT,
        LearnPlan,
        far_weight,
        fast_config,
        live_config,
        nearest_pack_style,
        style_name,
        write_builtin_photos,
    )
    from realtime.learning import exit_with_parent
    from stylecam.progress import Progress, run_position

    exit_with_parent()  # started by live's background learner: never outlive it
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.steps is not None and args.steps < 1:
        raise UserError(f"--steps must be at least 1, got {args.steps}")
    if not 0.5 <= args.minutes <= 24 * 60:
        raise UserError(f"--minutes must be between 0.5 and 1440, got {args.minutes:g}")
    painting = read_rgb(args.painting)  # a clear line for a missing or broken file, before anything loads
    name = args.name or style_name(args.painting)
    if not name.replace("_", "").replace("-", "").isalnum():
        raise UserError(f"--name {name!r}: letters, digits, '-' and '_' only")
    existing = {s.name: s for s in list_styles()}
    if name in existing and existing[name].shipped:
        raise UserError(f"{name!r} is a shipped style; give the new one another --name")
    fast_out, live_out = user_style_path(name), user_style_dir() / "live" / f"{name}.safetensors"
    if (fast_out.exists() or live_out.exists()) and not args.force:
        raise UserError(f"you already have a style {name!r}; --force replaces it, or give another --name")
    pack = _pack_styles()
    if args.start is not None and args.start not in pack:
        raise UserError(f"--start {args.start!r} is not a pack style (choose from {', '.join(pack)})")
    run_dir = training_run_dir(f"learn-{name}")
    if args.data:
        require_folders(args.data)
        data = tuple(args.data)
    else:
        data = tuple(write_builtin_photos(run_dir / "photos"))
    device = resolve_device(args.device)

    names = pack if args.start is None else [args.start]
    candidates = [(s, Stylizer(s, device="cpu", tier="fast", compiled=False)) for s in names]
    start, scores = nearest_pack_style(painting, sample_photo(), candidates, VGG19Features())
    if args.start is None:
        ranked = ", ".join(f"{k} {v:.3g}" for k, v in sorted(scores.items(), key=lambda kv: kv[1])[:3])
        print(f"starting from {start!r}, the pack style nearest the painting (style distance: {ranked})", flush=True)
    style_weight = args.style_weight if args.style_weight is not None else STYLE_WEIGHT[args.style_loss]
    if not 0.0 < style_weight <= 1e4:
        raise UserError(f"--style-weight must be above 0 and at most 10000, got {style_weight:g}")
    # a painting far from every pack style: its terms weigh more (far_weight), unless the user set the weight
    factor = far_weight(scores[start]) if args.style_weight is None and args.style_loss == "log" else 1.0
    if factor > 1.0:
        print(f"the painting lies far from {start!r} ({scores[start]:.3g}): its style terms weigh ×{factor:.2f}",
              flush=True)
    setup = time.monotonic() - STARTED
    plan = LearnPlan(name, str(args.painting), data, start, training_minutes(args.minutes, setup), args.steps,
                     style_weight, args.style_loss, factor)
    command = "stylecam " + shlex.join(args.argv)
    meta = {"name": name, "title": Path(args.painting).stem, "value_range": "RGB float [0, 1] in and out",
            "command": command,
            "learn": {"start": start, "minutes": args.minutes, "steps": args.steps, "data": list(data),
                      "training_minutes": None if args.steps else round(plan.minutes, 3),
                      "style_weight": style_weight, "style_loss": args.style_loss,
                      "start_distance": round(scores[start], 1), "far_factor": round(factor, 4),
                      "painting_sha256": picture_digest(args.painting)}}
    progress = Progress(f"learn {name}", quiet=args.quiet)
    done_before = 0.0  # of the whole run, when the live tier starts

    def on_step(r) -> None:
        fraction, eta, rate = run_position(r.step, r.elapsed, r.total_steps, r.budget_seconds)
        share = FAST_SHARE if phase == "fast" else 1.0 - FAST_SHARE
        whole = done_before + share * (fraction or 0.0)
        if plan.steps is None:
            eta = (1.0 - whole) * plan.minutes * 60
        progress.update(whole, f"{phase} tier step {r.step} style {r.style:.4g} {rate:.2f} steps/s", eta)

    stopped = f"stylecam: interrupted; nothing installed as {name!r} (run learn again to start over)"
    fast_tmp, live_tmp = run_dir / f"{name}.fast.safetensors", run_dir / f"{name}.live.safetensors"
    phase = "fast"
    path = run_training(lambda: train(fast_config(plan, start), run_dir / "fast", fast_tmp,
                                      {**meta, "tier": "fast"}, on_step=on_step, preview_image=sample_photo(),
                                      device=device),
                        progress, run_dir, (FileNotFoundError, ValueError, FloatingPointError), stopped)
    if path is None:
        return 130
    phase, done_before = "live", FAST_SHARE
    path = run_training(lambda: train(live_config(plan, start_live(start), str(fast_tmp)), run_dir / "live",
                                      live_tmp, {**meta, "tier": "live"}, on_step=on_step,
                                      preview_image=sample_photo(), device=device),
                        progress, run_dir, (FileNotFoundError, ValueError, FloatingPointError), stopped)
    if path is None:
        return 130
    for tmp, out in ((live_tmp, live_out), (fast_tmp, fast_out)):  # both or neither: installed once both exist
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(tmp, out.with_name(f".{out.name}.part"))  # a rename where both lie on one disk
        os.replace(out.with_name(f".{out.name}.part"), out)
    spent = f"{args.steps} steps each" if args.steps else f"{args.minutes:g} min"
    print(f"wrote {fast_out} and {live_out} (style {name!r}, started from {start!r}, {spent}): "
          f"stylecam image PHOTO OUT --style {name}; stylecam live --style {name} (the painting itself as --style "
          f"now means these networks too)")
    return 0


# learn's own work besides the two tiers' training clocks: each tier's set-up before its clock starts and the install
# at the end (measured on 2 cores, `learn --minutes 1`: about 4 s a tier and 3 s to install and exit)
AFTER_SETUP_SECONDS = 11.0
MIN_TRAINING_SHARE = 0.5  # however slow the set-up, at least half the minutes train


def training_minutes(minutes: float, setup_seconds: float) -> float:
    """The minutes the two tiers train for, so that the whole command takes ``minutes``: what the set-up took
    (``setup_seconds``: imports, the loss network, the nearest pack style) and what follows the training come out
    of it (on 2 cores `--minutes 1` trained a full minute and took 82–87 s), never below half of it."""
    left = minutes - (setup_seconds + AFTER_SETUP_SECONDS) / 60.0
    return max(MIN_TRAINING_SHARE * minutes, left)


def start_live(start: str) -> str:
    """The live-tier file of the pack style ``start``."""
    from models.inference.registry import variant

    return str(variant(start, "live"))
