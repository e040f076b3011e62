"""``stylecam styles``: the shipped and user-trained styles with their metadata."""

from __future__ import annotations

import argparse
import json


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("styles", help="list the available styles")
    p.add_argument("--json", action="store_true", help="print the full metadata as JSON")
    p.add_argument("--thumbnails", metavar="DIR",
                   help="also write a thumbnail per style into DIR, made by stylizing a built-in photo")
    p.add_argument("--thumbnail-photo", default="chelsea", help="built-in photo for thumbnails (default: chelsea)")
    p.set_defaults(func=run)


THUMBNAIL_PX = 160


def write_thumbnails(names: list[str], folder: str, photo_name: str) -> dict[str, str]:
    """Stylize a photo that ships with scikit-image with each style; never a copy of anyone's data."""
    from pathlib import Path

    from models.images import resize_short_side, write_rgb
    from models.inference.runtime import load_stylizers
    from models.samples import sample_photo

    photo = resize_short_side(sample_photo(photo_name), THUMBNAIL_PX)
    return {n: str(write_rgb(Path(folder) / f"{n}.png", stylize(photo)))
            for n, stylize in load_stylizers(names, device="cpu")}  # a bank: one per style it adds


def tiers_of(style) -> list[str]:
    """The tiers a listed style has: its own file's, then its live and quality variants."""
    from models.inference.registry import LIVE_DIR, QUALITY_DIR, variant

    own = style.meta.get("tier", "fast")
    return [t for t in ("live", "fast", "quality")
            if t == own or (t in (LIVE_DIR, QUALITY_DIR) and variant(style.name, t) is not None)]


def run(args: argparse.Namespace) -> int:
    from models.errors import UserError
    from models.inference.registry import bank_styles, list_styles

    styles = list_styles()
    thumbs: dict[str, str] = {}
    if args.thumbnails:
        try:
            thumbs = write_thumbnails([s.name for s in styles], args.thumbnails, args.thumbnail_photo)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    source = f"skimage.data.{args.thumbnail_photo}() (ships with scikit-image), stylized at {THUMBNAIL_PX} px"
    if args.json:
        rows = []
        for s in styles:
            row = {"name": s.name, "path": str(s.path), "shipped": s.shipped, **s.meta, "tiers": tiers_of(s)}
            if s.name in thumbs:
                row["thumbnail"] = {"path": thumbs[s.name], "made_from": source}
            inside = [n for n in bank_styles(s) if n in thumbs]
            if inside:
                row["thumbnails"] = {n: {"path": thumbs[n], "made_from": source} for n in inside}
            rows.append(row)
        print(json.dumps(rows, indent=2, sort_keys=True))
        return 0
    if not styles:
        print("no styles found")
        return 0
    for s in styles:
        m = s.meta
        work = ", ".join(str(x) for x in (m.get("artist"), m.get("title"), m.get("year")) if x)
        where = "shipped" if s.shipped else "user"
        print(f"{s.name:<16} {'+'.join(tiers_of(s)):<18} {where:<8} {work}")
        print(f"{'':<16} {s.path}")
        inside = bank_styles(s)
        if inside:
            print(f"{'':<16} multi-style bank: {', '.join(inside)}")
        for name in [s.name, *inside]:
            if name in thumbs:
                print(f"{'':<16} thumbnail {thumbs.pop(name)} ({source})")
    return 0
