"""The style file format: safetensors (raw tensors only, never unpickled) with the style's metadata embedded as
JSON, every tensor checked against the architecture the metadata declares before it is used. Reading, checking and
writing single-style networks and multi-style banks; :mod:`models.inference.decoder_files` holds the decoders'."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import torch

from models.errors import UserError
from models.nets.transformer import NetConfig, TransformerNet, build_network, tier_of

META_KEY = "stylecam"
MAX_WEIGHTS_BYTES = 256 * 1024 * 1024
MAX_PARAMETERS = 50_000_000


class StyleError(UserError):
    """A style that cannot be found or loaded; the message is one line for the user."""


def read_metadata(path: str | Path) -> dict:
    """The JSON metadata embedded in a style file, checked to be a dict with a network config."""
    meta = read_metadata_any(path)
    if not isinstance(meta.get("config"), dict):
        raise StyleError(f"{path}: stylecam metadata has no network config")
    return meta


def read_metadata_any(path: str | Path) -> dict:
    """The JSON metadata embedded in any stylecam safetensors file (style, bank or decoder)."""
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
    if not isinstance(meta, dict):
        raise StyleError(f"{path}: stylecam metadata is not a JSON object")
    return meta


def load_checked(path: Path, bank: bool = False):
    """Read and check a network file; ``bank=True`` also returns the extra tensors of a bank."""
    from safetensors.torch import load_file

    meta = read_metadata(path)
    if (meta.get("kind") == "bank") != bank:
        kind = "a multi-style bank" if meta.get("kind") == "bank" else "a single-style file"
        raise StyleError(f"{path}: is {kind}, not what was asked for")
    try:
        config = NetConfig.from_dict(meta["config"])
    except (TypeError, ValueError) as exc:
        raise StyleError(f"{path}: bad network config in metadata ({exc})") from None
    with torch.device("meta"):
        probe = build_network(config)
    expected = {k: tuple(v.shape) for k, v in probe.state_dict().items()}
    if sum(math.prod(s) for s in expected.values()) > MAX_PARAMETERS:
        raise StyleError(f"{path}: network config asks for more than {MAX_PARAMETERS} parameters")
    tensors = load_file(str(path))
    extra = {k: tensors.pop(k) for k in ("style_table",) if bank and k in tensors}
    if extra and extra["style_table"].numel() > MAX_PARAMETERS:
        raise StyleError(f"{path}: style table is implausibly large")
    got = {k: tuple(v.shape) for k, v in tensors.items()}
    if got != expected:
        missing = sorted(set(expected) - set(got))
        wrong = sorted(k for k in set(expected) & set(got) if expected[k] != got[k])
        unexpected = sorted(set(got) - set(expected))
        raise StyleError(
            f"{path}: weights do not match the network config (missing {len(missing)}, wrong shape {len(wrong)}, "
            f"unexpected {len(unexpected)} tensors)"
        )
    for key, tensor in {**tensors, **extra}.items():
        if not tensor.is_floating_point() or not torch.isfinite(tensor).all():
            raise StyleError(f"{path}: tensor {key!r} is not finite floating point")
    net = build_network(config)
    net.load_state_dict({k: v.float() for k, v in tensors.items()})
    net.eval()
    return (net, meta, extra) if bank else (net, meta)


HALF_STORED_TIERS = ("quality",)  # GPU networks, run in float16 there: half the file (1.7 M parameters)


def save_style(net: TransformerNet, meta: dict, path: str | Path) -> Path:
    """Write ``net``'s weights and ``meta`` (plus its config) atomically to ``path``: float32, or float16
    for the tiers in :data:`HALF_STORED_TIERS`; :func:`models.inference.registry.load_style` loads both into float32."""
    path = Path(path)
    meta = {**meta, "config": net.config.to_dict()}
    dtype = torch.float16 if tier_of(net.config) in HALF_STORED_TIERS else torch.float32
    state = {k: v.detach().to(dtype).contiguous().cpu() for k, v in net.state_dict().items()}
    return write_file(state, meta, path)


def save_bank(bank, meta: dict, styles: list[dict], path: str | Path) -> Path:
    """Write a :class:`~models.nets.multistyle.StyleBank`: shared weights, the style table, per-style metadata."""
    if len(styles) != bank.n_styles:
        raise ValueError("one metadata entry per style in the bank")
    meta = {**meta, "kind": "bank", "styles": styles, "config": bank.net.config.to_dict()}
    state = {k: v.detach().float().contiguous().cpu() for k, v in bank.net.state_dict().items()}
    state["style_table"] = bank.table.detach().float().contiguous().cpu()
    return write_file(state, meta, Path(path))


def write_file(state: dict[str, torch.Tensor], meta: dict, path: Path) -> Path:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    save_file(state, str(tmp), metadata={META_KEY: json.dumps(meta, sort_keys=True)})
    os.replace(tmp, path)
    return path


def checked_tensors(path: Path, module: torch.nn.Module, tensors: dict[str, torch.Tensor], what: str) -> None:
    """Load ``tensors`` into ``module`` after checking names, shapes and values: one clear error otherwise."""
    expected = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    if {k: tuple(v.shape) for k, v in tensors.items()} != expected:
        raise StyleError(f"{path}: {what} weights do not match the declared sizes")
    if not all(t.is_floating_point() and torch.isfinite(t).all() for t in tensors.values()):
        raise StyleError(f"{path}: {what} weights are not finite floating point")
    module.load_state_dict(tensors)
