"""Style weights on disk: safetensors files with the style's metadata embedded as JSON.

One function, :func:`load_style`, takes a shipped style's name, a user-trained style's
name or a path to any ``.safetensors`` file. Files are never unpickled: safetensors holds
only raw tensors, and every tensor is checked against the architecture in the metadata
before it is used.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import torch

from models.errors import UserError
from models.transformer import NetConfig, TransformerNet

SHIPPED_DIR = Path(__file__).resolve().parent / "weights"
META_KEY = "stylecam"
MAX_WEIGHTS_BYTES = 256 * 1024 * 1024
MAX_PARAMETERS = 50_000_000


class StyleError(UserError):
    """A style that cannot be found or loaded; the message is one line for the user."""


def user_style_dir() -> Path:
    """Where ``stylecam train`` puts new styles: ``$STYLECAM_HOME/styles`` or ``~/.local/share/stylecam/styles``."""
    home = os.environ.get("STYLECAM_HOME")
    base = Path(home) if home else Path.home() / ".local" / "share" / "stylecam"
    return base / "styles"


@dataclass(frozen=True)
class StyleInfo:
    name: str
    path: Path
    meta: dict
    shipped: bool


def read_metadata(path: str | Path) -> dict:
    """The JSON metadata embedded in a style file, checked to be a dict with a network config."""
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    if not path.is_file():
        raise StyleError(f"style file not found: {path}")
    if path.stat().st_size > MAX_WEIGHTS_BYTES:
        raise StyleError(f"{path}: {path.stat().st_size} bytes is too large for a style file")
    try:
        with safe_open(str(path), framework="pt") as f:
            raw = (f.metadata() or {}).get(META_KEY)
    except (SafetensorError, OSError, ValueError) as exc:
        raise StyleError(f"{path}: not a valid safetensors style file ({exc})") from None
    if raw is None:
        raise StyleError(f"{path}: safetensors file has no stylecam metadata")
    try:
        meta = json.loads(raw)
    except json.JSONDecodeError:
        raise StyleError(f"{path}: stylecam metadata is not valid JSON") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("config"), dict):
        raise StyleError(f"{path}: stylecam metadata has no network config")
    return meta


def list_styles() -> list[StyleInfo]:
    """Shipped styles, then user-trained ones (a user style never hides a shipped one)."""
    found: dict[str, StyleInfo] = {}
    for directory, shipped in ((SHIPPED_DIR, True), (user_style_dir(), False)):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.safetensors")):
            try:
                meta = read_metadata(path)
            except StyleError:
                continue
            found.setdefault(path.stem, StyleInfo(path.stem, path, meta, shipped))
    return list(found.values())


def default_style_name() -> str:
    shipped = [s for s in list_styles() if s.shipped]
    if not shipped:
        raise StyleError("no shipped styles found (is the package installed with its weights?)")
    preferred = [s for s in shipped if s.meta.get("default")]
    return (preferred or shipped)[0].name


def resolve(name_or_path: str | Path) -> Path:
    """A style name or a path → the weights file, or a one-line :class:`StyleError`."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".safetensors" or candidate.exists() or os.sep in str(name_or_path):
        if not candidate.is_file():
            raise StyleError(f"style file not found: {candidate}")
        return candidate
    for info in list_styles():
        if info.name == str(name_or_path):
            return info.path
    names = ", ".join(s.name for s in list_styles()) or "none"
    raise StyleError(f"unknown style {name_or_path!r} (available: {names})")


def load_style(name_or_path: str | Path) -> tuple[TransformerNet, dict]:
    """Load a style as an eval-mode CPU float32 :class:`TransformerNet` plus its metadata."""
    from safetensors.torch import load_file

    path = resolve(name_or_path)
    meta = read_metadata(path)
    try:
        config = NetConfig.from_dict(meta["config"])
    except (TypeError, ValueError) as exc:
        raise StyleError(f"{path}: bad network config in metadata ({exc})") from None
    with torch.device("meta"):
        probe = TransformerNet(config)
    expected = {k: tuple(v.shape) for k, v in probe.state_dict().items()}
    if sum(math.prod(s) for s in expected.values()) > MAX_PARAMETERS:
        raise StyleError(f"{path}: network config asks for more than {MAX_PARAMETERS} parameters")
    tensors = load_file(str(path))
    got = {k: tuple(v.shape) for k, v in tensors.items()}
    if got != expected:
        missing = sorted(set(expected) - set(got))
        wrong = sorted(k for k in set(expected) & set(got) if expected[k] != got[k])
        extra = sorted(set(got) - set(expected))
        raise StyleError(
            f"{path}: weights do not match the network config (missing {len(missing)}, wrong shape {len(wrong)}, "
            f"unexpected {len(extra)} tensors)"
        )
    for key, tensor in tensors.items():
        if not tensor.is_floating_point() or not torch.isfinite(tensor).all():
            raise StyleError(f"{path}: tensor {key!r} is not finite floating point")
    net = TransformerNet(config)
    net.load_state_dict({k: v.float() for k, v in tensors.items()})
    net.eval()
    return net, meta


def save_style(net: TransformerNet, meta: dict, path: str | Path) -> Path:
    """Write ``net``'s weights and ``meta`` (plus its config) atomically to ``path``."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {**meta, "config": net.config.to_dict()}
    state = {k: v.detach().float().contiguous().cpu() for k, v in net.state_dict().items()}
    tmp = path.with_name(path.name + ".part")
    save_file(state, str(tmp), metadata={META_KEY: json.dumps(meta, sort_keys=True)})
    os.replace(tmp, path)
    return path
