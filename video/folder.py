"""A folder of videos in, a folder of stylized MP4s out; a rerun skips what it already made.

Every video file in the input folder (not its subfolders, not hidden files) gets one MP4 of the same
name in the output folder. When one is finished, its fingerprint (:func:`video.resume.fingerprint`:
the input file, the options and the style's weights) goes into the output folder's manifest,
``.stylecam-render.json``; a rerun skips each output whose file exists and whose fingerprint is the
same, and renders the rest (a changed input, other options, another style, a deleted output).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from models.errors import UserError

VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv", ".avi", ".webm", ".mpg", ".mpeg", ".ts", ".wmv", ".flv")
MANIFEST = ".stylecam-render.json"


@dataclass(frozen=True)
class FolderJob:
    input: Path
    output: Path


def folder_jobs(in_dir: Path, out_dir: Path) -> list[FolderJob]:
    """One job per video in ``in_dir``, in name order: ``OUT_DIR/NAME.mp4`` (``NAME.EXT.mp4`` where two inputs
    share a name, e.g. ``a.mov`` and ``a.mkv``)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir}: a folder of videos renders into a folder, not a file")
    if out_dir.resolve() == in_dir.resolve():
        raise UserError("render a folder into another folder, not into itself")
    inputs = sorted(p for p in in_dir.iterdir()
                    if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in VIDEO_SUFFIXES)
    if not inputs:
        raise UserError(f"{in_dir}: no video files in it ({' '.join(VIDEO_SUFFIXES)})")
    stems = [p.stem for p in inputs]
    return [FolderJob(p, out_dir / (f"{p.stem}.mp4" if stems.count(p.stem) == 1 else f"{p.name}.mp4"))
            for p in inputs]


def _read(out_dir: Path) -> dict[str, str]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text())
        return {str(k): str(v) for k, v in data.get("done", {}).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def is_done(job: FolderJob, key: str) -> bool:
    """``job``'s output exists and was made from the same input, options and style (fingerprint ``key``)."""
    return job.output.is_file() and _read(job.output.parent).get(job.output.name) == key


def mark_done(job: FolderJob, key: str) -> None:
    """Record ``job``'s output as made with fingerprint ``key`` (the manifest is replaced whole, never half-written)."""
    out_dir = job.output.parent
    done = _read(out_dir)
    done[job.output.name] = key
    tmp = out_dir / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps({"version": 1, "done": done}, indent=1, sort_keys=True))
    os.replace(tmp, out_dir / MANIFEST)
