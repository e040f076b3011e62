"""Command-line options shared by several subcommands."""

from __future__ import annotations

import argparse
import contextlib


def add_decoder_option(p: argparse.ArgumentParser, default: str) -> None:
    """``--decoder``: which AdaIN decoder a picture style runs on (:func:`models.inference.registry.find_decoder`)."""
    p.add_argument("--decoder", metavar="vgg19|light|wct|FILE",
                   help="picture styles: the AdaIN decoder, vgg19 (the paper's encoder), light (a distilled "
                        "encoder, fast enough for live), wct (whitening and colouring at four VGG-19 levels, "
                        f"decoders trained on photos only) or a decoder file (default: {default})")
    p.add_argument("--no-palette", dest="palette", action="store_false",
                   help="picture styles: keep the decoder's colours instead of recolouring each frame to the "
                        "picture's colour mean and covariance")


def add_tier_option(p: argparse.ArgumentParser, default: str) -> None:
    """``--tier live|fast|quality``: which of a named style's networks runs (pictures and style files: theirs)."""
    p.add_argument("--tier", choices=("live", "fast", "quality"),
                   help="a named style's network: live (8×8 patches, 1.3 GFLOPs at 640×480, for the live "
                        "preview on a CPU), fast (~15 GFLOPs) or quality (Johnson et al.'s size, for GPUs); "
                        f"default: {default}")


def add_region_options(p: argparse.ArgumentParser) -> None:
    """``--mask-style PICTURE --mask IMAGE``: a second picture style inside a mask (AdaIN spatial control)."""
    p.add_argument("--mask-style", metavar="PICTURE",
                   help="a second picture style, where --mask is white (--style, a picture, elsewhere)")
    p.add_argument("--mask", metavar="IMAGE", help="black and white image (any size, scaled to the frame)")


def region_of(args: argparse.Namespace) -> tuple[str, str] | None:
    """``(picture, mask)`` from ``--mask-style``/``--mask``, or ``None``; one without the other is an error."""
    from models.errors import UserError

    if (args.mask_style is None) != (args.mask is None):
        raise UserError("--mask-style and --mask go together")
    return None if args.mask is None else (args.mask_style, args.mask)


def add_picture_training_options(p: argparse.ArgumentParser, name: str, size: int, lr: float) -> None:
    """What the two AdaIN training commands share: photo and painting folders, held-out files, a
    step or time budget, crop size, batch, learning rate, weight averaging, resume, outputs and
    the run options."""
    p.add_argument("--content", required=True, nargs="+", help="folders of content photos")
    p.add_argument("--styles", required=True, nargs="+", help="folders of style images (paintings)")
    p.add_argument("--name", default=name)
    p.add_argument("--exclude", nargs="+", default=[], metavar="GLOB",
                   help="leave out files whose name matches (held-out paintings and photos for evaluation)")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=float, help="time budget (default: 60)")
    budget.add_argument("--steps", type=int)
    p.add_argument("--size", type=int, default=size, help=f"crop size in px (default: {size})")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--lr", type=float, default=lr)
    p.add_argument("--ema", type=float, default=0.995, metavar="DECAY",
                   help="ship the moving average of the weights with this decay per step (default: 0.995, about "
                        "the last 200 steps); 0 ships the last step's weights")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--out", help="decoder file (default: the user style folder)/NAME.decoder.safetensors")
    p.add_argument("--run-dir", help="checkpoint and preview folder")
    add_run_options(p)


def add_run_options(p: argparse.ArgumentParser) -> None:
    """The options every training command shares: device, threads, checkpoint interval, quiet."""
    p.add_argument("--device", default="auto")
    p.add_argument("--threads", type=int, help="CPU threads for torch (default: all cores)")
    p.add_argument("--checkpoint-minutes", type=float, default=2.0)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(stop_signals=True)


@contextlib.contextmanager
def stop_on_signals():
    """While inside, SIGINT and SIGTERM stop a training run like Ctrl-C (a checkpoint, then exit 130),
    also when it was started in the background (``nohup … &``), where the shell leaves SIGINT ignored."""
    import signal

    def interrupt(signum, frame) -> None:
        raise KeyboardInterrupt

    before = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def require_folders(folders: list[str]) -> None:
    """A training command's data folders must exist and hold images (or be image files): one clear line
    otherwise, before anything loads."""
    from pathlib import Path

    from models.errors import UserError
    from models.images import IMAGE_SUFFIXES

    for folder in folders:
        path = Path(folder)
        if not path.exists():
            raise UserError(f"training data not found: {folder}")
        if path.is_dir() and not any(p.suffix.lower() in IMAGE_SUFFIXES for p in path.rglob("*")):
            raise UserError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in training data folder: {folder}")


def run_training(job, bar, run_dir, errors: tuple[type[Exception], ...] = (FileNotFoundError, ValueError),
                 stopped: str | None = None):
    """``job()``'s result, or ``None`` when Ctrl-C or SIGTERM stopped it (the job saved its checkpoint
    first; the caller exits 130; ``stopped``: what to print then, instead of how to resume). ``errors``
    (bad data, bad settings) end as one line."""
    import sys

    from models.errors import UserError

    try:
        result = job()
    except KeyboardInterrupt:
        bar.close()
        print(stopped or f"stylecam: interrupted; checkpoint saved in {run_dir}, continue with --resume",
              file=sys.stderr)
        return None
    except errors as exc:
        raise UserError(str(exc)) from None
    bar.close()
    return result
