"""Where styles live: the shipped weights folder, the user's style and run folders, and a picture's digest (what
``stylecam learn`` records of the painting it learned). Read :data:`SHIPPED_DIR` through this module
(``style_folders.SHIPPED_DIR``), so that one assignment moves it for every lookup (tests do)."""

from __future__ import annotations

import os
from pathlib import Path

SHIPPED_DIR = Path(__file__).resolve().parents[1] / "weights"


def user_style_dir() -> Path:
    """Where ``stylecam train`` puts new styles: ``$STYLECAM_HOME/styles`` or ``~/.local/share/stylecam/styles``."""
    home = os.environ.get("STYLECAM_HOME")
    base = Path(home) if home else Path.home() / ".local" / "share" / "stylecam"
    return base / "styles"


def training_run_dir(name: str, given: str | None = None) -> Path:
    """A training run's folder (checkpoints, previews): ``given``, else ``runs/NAME`` beside the user styles."""
    return Path(given) if given else user_style_dir().parent / "runs" / name


def picture_digest(path: str | Path) -> str:
    """The SHA-256 of a picture file's bytes: what ``stylecam learn`` records of the painting it learned."""
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
