"""Finding styles: shipped and user-trained networks by name, blends of the styles inside a multi-style bank
(``"starry:0.5,wave:0.5"``, :mod:`models.nets.multistyle`), the tiers and variants beside each style, the style a
painting was learned as. The files themselves: :mod:`models.inference.style_files` (networks, banks) and
:mod:`models.inference.decoder_files` (decoders); the folders: :mod:`models.inference.style_folders`. Their public
names are importable from here too.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import torch

from models.inference import style_folders
from models.inference.decoder_files import (
    DECODER_KINDS,
    LIGHT_PREFIX,
    MAX_DECODER_WIDTH,
    WCT_FILE,
    find_decoder,
    load_decoder,
    load_light_encoder,
    load_wct_decoders,
    save_decoder,
    save_light_encoder,
    save_wct_decoders,
    wct_installed,
)
from models.inference.style_files import (
    HALF_STORED_TIERS,
    MAX_PARAMETERS,
    MAX_WEIGHTS_BYTES,
    META_KEY,
    StyleError,
    load_checked,
    read_metadata,
    read_metadata_any,
    save_bank,
    save_style,
)
from models.inference.style_folders import SHIPPED_DIR, picture_digest, training_run_dir, user_style_dir
from models.nets.transformer import TransformerNet

__all__ = ["DECODER_KINDS", "HALF_STORED_TIERS", "LIGHT_PREFIX", "MAX_DECODER_WIDTH", "MAX_PARAMETERS",
           "MAX_WEIGHTS_BYTES", "META_KEY", "SHIPPED_DIR", "StyleError", "WCT_FILE", "find_decoder", "load_decoder",
           "load_light_encoder", "load_wct_decoders", "picture_digest", "read_metadata", "read_metadata_any",
           "save_bank", "save_decoder", "save_light_encoder", "save_style", "save_wct_decoders", "training_run_dir",
           "user_style_dir", "wct_installed"]

DEFAULT_STYLE = "starry"  # what `make run` and a bare `stylecam image` use, when it ships


@dataclass(frozen=True)
class StyleInfo:
    name: str
    path: Path
    meta: dict
    shipped: bool


def list_styles() -> list[StyleInfo]:
    """Shipped styles, then user-trained ones (a user style never hides a shipped one)."""
    found: dict[str, StyleInfo] = {}
    for directory, shipped in ((style_folders.SHIPPED_DIR, True), (style_folders.user_style_dir(), False)):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.safetensors")):
            try:
                meta = read_metadata(path)
            except StyleError:
                continue
            found.setdefault(path.stem, StyleInfo(path.stem, path, meta, shipped))
    return list(found.values())


def learned_style_for(picture: str | Path) -> str | None:
    """The user style ``stylecam learn`` made from this picture (a file with the same bytes; the latest
    one where it learned the picture more than once), or None."""
    learned = [info for info in list_styles() if not info.shipped and isinstance(info.meta.get("learn"), dict)]
    if not learned:
        return None  # nothing learned: no need to read the picture here
    try:
        digest = picture_digest(picture)
    except OSError:
        return None  # the picture path reports its own error
    found = [info for info in learned if info.meta["learn"].get("painting_sha256") == digest]
    return max(found, key=lambda info: info.path.stat().st_mtime).name if found else None


def user_style_path(name: str) -> Path:
    """Where a new user style called ``name`` is written; a name a shipped style has is refused
    (the shipped one would hide it: see :func:`list_styles`)."""
    if any(info.shipped and info.name == name for info in list_styles()):
        raise StyleError(f"a shipped style is called {name!r}: choose another --name (or give --out)")
    return style_folders.user_style_dir() / f"{name}.safetensors"


def bank_styles(info: StyleInfo) -> list[str]:
    """Names of the styles inside a multi-style bank (empty for a single-style file)."""
    if info.meta.get("kind") != "bank":
        return []
    return [str(s.get("name")) for s in info.meta.get("styles", []) if isinstance(s, dict)]


def parse_blend(spec: str) -> dict[str, float] | None:
    """``"a:0.5,b:0.5"`` → ``{"a": 0.5, "b": 0.5}``; ``None`` for a plain name or path."""
    if ":" not in spec or os.sep in spec or spec.endswith(".safetensors"):
        return None
    blend: dict[str, float] = {}
    for part in spec.split(","):
        name, _, weight = part.strip().rpartition(":")
        try:
            value = float(weight)
        except ValueError:
            raise StyleError(f"bad style blend {spec!r}: use NAME:WEIGHT,NAME:WEIGHT") from None
        if not name or not math.isfinite(value) or value < 0:
            raise StyleError(f"bad style blend {spec!r}: use NAME:WEIGHT,NAME:WEIGHT with finite weights >= 0")
        blend[name] = blend.get(name, 0.0) + value
    if sum(blend.values()) <= 0:
        raise StyleError(f"bad style blend {spec!r}: the weights add up to zero")
    return blend


def resolve_spec(spec: str | Path) -> tuple[Path, dict[str, float] | None]:
    """A style spec → (weights file, blend by style name inside a bank, or None for a plain file).

    A plain name prefers a single-style file; a name found only inside a bank, or a blend,
    resolves to the first bank that holds every named style.
    """
    blend = parse_blend(str(spec))
    if blend is None:
        try:
            path = resolve(spec)
        except StyleError:
            banks = [i for i in list_styles() if str(spec) in bank_styles(i)]
            if not banks:
                raise
            return banks[0].path, {str(spec): 1.0}
        meta = read_metadata(path)
        if meta.get("kind") == "bank":
            first = [s["name"] for s in meta.get("styles", [])][:1]
            return path, {first[0]: 1.0} if first else None
        return path, None
    for info in list_styles():
        if set(blend) <= set(bank_styles(info)):
            return info.path, blend
    raise StyleError(f"no multi-style bank holds all of {', '.join(blend)} (see stylecam styles)")


def default_style_name() -> str:
    shipped = [s for s in list_styles() if s.shipped]
    if not shipped:
        raise StyleError("no shipped styles found (is the package installed with its weights?)")
    preferred = [s for s in shipped if s.name == DEFAULT_STYLE]
    return (preferred or shipped)[0].name


VIDEO_DIR = "video"  # beside the styles: their video-stable variants, trained with the temporal loss
QUALITY_DIR = "quality"  # beside the styles: quality-tier networks of the same paintings, for GPUs
LIVE_DIR = "live"  # beside the styles: live-tier networks of the same paintings (8×8 patches), for CPUs
TIER_NAMES = ("live", "fast", "quality")


def variant(name: str, kind: str) -> Path | None:
    """A named style's variant of ``kind`` (``video``, ``quality`` or ``live``): ``weights/KIND/NAME.safetensors``
    shipped, or the same in the user style folder; ``None`` when there is none. Variants are not
    listed as styles of their own."""
    if kind not in (VIDEO_DIR, QUALITY_DIR, LIVE_DIR):
        raise ValueError(f"unknown variant kind {kind!r}")
    for directory in (style_folders.SHIPPED_DIR, style_folders.user_style_dir()):
        path = directory / kind / f"{name}.safetensors"
        if path.is_file():
            return path
    return None


def video_variant(name: str) -> Path | None:
    """The video-stable variant of a named style, or ``None``."""
    return variant(name, VIDEO_DIR)


def weights_for_device(spec: str, device_type: str, tier: str | None = None, prefer: str | None = None
                       ) -> str | Path:
    """The weights of a named style for a device and tier.

    ``tier`` (the user's ``--tier``): ``fast`` is the style's own file, ``live`` and ``quality`` its variant of
    that tier (a one-line :class:`StyleError` when it has none). ``None`` picks the best for the device: on a
    GPU the quality tier when one exists; on the CPU the tier ``prefer`` names when one exists (``live`` for
    the live preview), else the style's own file. Paths and blends are returned unchanged (they name one
    network), unless a tier other than ``fast`` is asked of them.
    """
    if tier is not None and tier not in TIER_NAMES:
        raise StyleError(f"unknown tier {tier!r} (choose from {', '.join(TIER_NAMES)})")
    named = parse_blend(str(spec)) is None and not Path(str(spec)).suffix and os.sep not in str(spec)
    if tier is not None and tier != "fast":
        found = variant(str(spec), tier) if named else None
        if found is None:
            raise StyleError(f"style {spec!r} has no {tier}-tier network")
        return found
    if tier == "fast" or not named:
        return spec
    if device_type == "cuda":
        return variant(str(spec), QUALITY_DIR) or spec
    if prefer in (LIVE_DIR, QUALITY_DIR):
        return variant(str(spec), prefer) or spec
    return spec


def has_tier(spec: str, tier: str) -> bool:
    """Whether :func:`weights_for_device` finds a network of ``tier`` for ``spec``."""
    try:
        weights_for_device(spec, "cpu", tier)
    except StyleError:
        return False
    return True


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


def load_style(spec: str | Path) -> tuple[TransformerNet, dict]:
    """Load a style (name, path or blend) as an eval-mode CPU float32 :class:`TransformerNet` plus metadata."""
    path, blend = resolve_spec(spec)
    if blend is not None:
        bank, meta = load_bank(path)
        return bank.network_for(bank_rows(meta, blend)), {**meta, "blend": blend}
    return load_checked(path)


def bank_rows(meta: dict, blend: dict[str, float]) -> dict[int, float]:
    """Style names of a blend → row indices of the bank described by ``meta``."""
    names = [s["name"] for s in meta.get("styles", [])]
    missing = [n for n in blend if n not in names]
    if missing:
        raise StyleError(f"style bank {meta.get('name')!r} has no style {missing[0]!r} (it has {', '.join(names)})")
    return {names.index(n): w for n, w in blend.items()}


def load_bank(path: str | Path):
    """Load a multi-style bank file as an eval-mode :class:`~models.nets.multistyle.StyleBank` plus metadata."""
    from models.nets.multistyle import StyleBank

    net, meta, extra = load_checked(Path(path), bank=True)
    styles = meta.get("styles")
    table = extra.get("style_table")
    if not isinstance(styles, list) or table is None or table.ndim != 2 or table.shape[0] != len(styles):
        raise StyleError(f"{path}: not a valid multi-style bank (style table and style list disagree)")
    bank = StyleBank(net.config, len(styles))
    if table.shape[1] != bank.table.shape[1]:
        raise StyleError(f"{path}: style table has {table.shape[1]} columns, the network needs {bank.table.shape[1]}")
    bank.net.load_state_dict(net.state_dict())
    with torch.no_grad():
        bank.table.copy_(table)
    return bank.eval(), meta
