"""Where stylecam keeps what it can make again (compiled networks, the loss network's dequantized weights):
``$STYLECAM_CACHE``, else ``$XDG_CACHE_HOME/stylecam``, else ``~/.cache/stylecam``."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    return Path(os.environ.get("STYLECAM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "stylecam"))
