"""``stylecam image IN OUT``: stylize one picture."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from models.errors import UserError

MAX_STYLIZE_PIXELS = 16_000_000


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("image", help="stylize an image file")
    p.add_argument("input", help="image to stylize")
    p.add_argument("output", help="where to write the result (.png or .jpg)")
    p.add_argument("--style", help="style name or .safetensors path (default: the default style)")
    p.add_argument("--size", type=int, help="short side in px of the result (default: the input's)")
    p.add_argument("--strength", type=float, default=1.0, help="0 = the photo, 1 = full style (default: 1)")
    p.add_argument("--preserve-color", action="store_true", help="keep the photo's colours")
    p.add_argument("--device", default="auto")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from models.images import IMAGE_SUFFIXES, read_rgb, resize_short_side, write_rgb
    from models.registry import default_style_name
    from models.runtime import Stylizer

    out = Path(args.output)
    if out.suffix.lower() not in IMAGE_SUFFIXES:
        raise UserError(f"{out}: unsupported output format {out.suffix or '(none)'}; use .png or .jpg")
    if args.size is not None and not 16 <= args.size <= 8192:
        raise UserError(f"--size must be between 16 and 8192 px, got {args.size}")
    if not 0.0 <= args.strength <= 1.0:
        raise UserError(f"--strength must be between 0 and 1, got {args.strength}")
    image = read_rgb(args.input)
    if args.size:
        image = resize_short_side(image, args.size)
    h, w = image.shape[:2]
    if h * w > MAX_STYLIZE_PIXELS:  # bounded memory: the network's activations grow with the pixel count
        scale = (MAX_STYLIZE_PIXELS / (h * w)) ** 0.5
        image = resize_short_side(image, int(min(h, w) * scale))
        print(f"stylecam: {w}x{h} is above {MAX_STYLIZE_PIXELS // 1_000_000} MP; stylizing at "
              f"{image.shape[1]}x{image.shape[0]}", file=sys.stderr)
    stylizer = Stylizer(
        args.style or default_style_name(), device=args.device, strength=args.strength,
        preserve_colors=args.preserve_color,
    )
    write_rgb(out, stylizer(image))
    print(out)
    return 0
