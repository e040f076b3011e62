"""``stylecam demo``: the built-in default job, needing no camera, display or data files.

Stylizes a photo that ships with scikit-image with the default style (or ``--style``) and
writes it under ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="stylize a built-in photo with the default style (no camera needed)")
    p.add_argument("--out", default="out", help="output folder (default: out)")
    p.add_argument("--style", help="style name or path (default: the default style)")
    p.add_argument("--photo", default="astronaut", help="built-in photo: astronaut, chelsea, coffee or rocket")
    p.add_argument("--device", default="auto")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from models.errors import UserError
    from models.images import write_rgb
    from models.inference.registry import default_style_name
    from models.inference.runtime import Stylizer
    from models.samples import sample_photo

    try:
        photo = sample_photo(args.photo)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    stylizer = Stylizer(args.style or default_style_name(), device=args.device)
    path = write_rgb(Path(args.out) / f"{args.photo}_{stylizer.name}.png", stylizer(photo))
    print(path)
    return 0
