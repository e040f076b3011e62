"""``stylecam gallery PHOTO... --out sheet.png``: a contact sheet, photos × styles.

Rows are photos, columns are styles (the first column is the photo itself), with a header
row naming each style. A PHOTO may be a file or a built-in sample (``sample:astronaut``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from models.errors import UserError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gallery", help="render a contact sheet: photos × styles")
    p.add_argument("photos", nargs="*", default=["sample:astronaut", "sample:chelsea", "sample:coffee"],
                   help="image files or sample:NAME (default: three built-in photos)")
    p.add_argument("--out", default="out/gallery.png", help="sheet to write (default: out/gallery.png)")
    p.add_argument("--styles", help="comma-separated style names or paths (default: every style)")
    p.add_argument("--cell", type=int, default=256, help="cell height in px; the network runs at it (default: 256)")
    p.add_argument("--device", default="auto")
    p.set_defaults(func=run)


def load_photo(spec: str) -> np.ndarray:
    from models.images import read_rgb
    from models.samples import sample_photo

    if spec.startswith("sample:"):
        try:
            return sample_photo(spec.split(":", 1)[1])
        except ValueError as exc:
            raise UserError(str(exc)) from None
    return read_rgb(spec)


def header_cell(text: str, width: int, height: int = 32) -> np.ndarray:
    import cv2

    cell = np.full((height, width, 3), 255, np.uint8)
    scale = 0.6
    while scale > 0.3 and cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][0] > width - 8:
        scale -= 0.05
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    cv2.putText(cell, text, ((width - tw) // 2, (height + th) // 2), cv2.FONT_HERSHEY_SIMPLEX, scale,
                (20, 20, 20), 1, cv2.LINE_AA)
    return cell


def contact_sheet(photos: list[np.ndarray], columns: list[tuple[str, object]], cell: int) -> np.ndarray:
    """``columns``: (title, stylizer or None for the photo itself). Every cell is ``cell`` px high."""
    from models.images import resize_short_side

    fitted = []
    for photo in photos:
        h, w = photo.shape[:2]
        small = resize_short_side(photo, cell) if h <= w else resize_short_side(photo, round(cell * w / h))
        fitted.append(small[:cell])
    width = max(p.shape[1] for p in fitted)
    rows = [np.concatenate([header_cell(title, width) for title, _ in columns], axis=1)]
    for photo in fitted:
        cells = []
        for _, stylizer in columns:
            img = photo if stylizer is None else stylizer(photo)
            pad = width - img.shape[1]
            cells.append(np.pad(img, ((0, 0), (pad // 2, pad - pad // 2), (0, 0)), constant_values=255))
        rows.append(np.concatenate(cells, axis=1))
    return np.concatenate(rows, axis=0)


def run(args: argparse.Namespace) -> int:
    from models.images import IMAGE_SUFFIXES, write_rgb
    from models.inference.registry import list_styles
    from models.inference.runtime import load_stylizers

    out = Path(args.out)
    if out.suffix.lower() not in IMAGE_SUFFIXES:
        raise UserError(f"{out}: unsupported output format {out.suffix or '(none)'}; use .png or .jpg")
    if not 32 <= args.cell <= 2048:
        raise UserError(f"--cell must be between 32 and 2048 px, got {args.cell}")
    names = [s.strip() for s in args.styles.split(",") if s.strip()] if args.styles else [s.name for s in
                                                                                          list_styles()]
    if not names:
        raise UserError("no styles to show")
    photos = [load_photo(p) for p in args.photos]
    columns: list[tuple[str, object]] = [("photo", None), *load_stylizers(names, device=args.device)]
    print(write_rgb(out, contact_sheet(photos, columns, args.cell)))
    return 0
