"""Style weights on disk: safetensors files with the style's metadata embedded as JSON.

One function, :func:`load_style`, takes a shipped style's name, a user-trained style's
name, a path to any ``.safetensors`` file, or a blend such as ``"starry:0.5,wave:0.5"`` of
styles that live in one multi-style bank (:mod:`models.nets.multistyle`). Files are never
unpickled: safetensors holds only raw tensors, and every tensor is checked against the
architecture in the metadata before it is used.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import torch

from models.errors import UserError
from models.nets.transformer import NetConfig, TransformerNet, build_network, tier_of

SHIPPED_DIR = Path(__file__).resolve().parents[1] / "weights"
META_KEY = "stylecam"
DEFAULT_STYLE = "starry"  # what `make run` and a bare `stylecam image` use, when it ships
MAX_WEIGHTS_BYTES = 256 * 1024 * 1024
MAX_PARAMETERS = 50_000_000


class StyleError(UserError):
    """A style that cannot be found or loaded; the message is one line for the user."""


def user_style_dir() -> Path:
    """Where ``stylecam train`` puts new styles: ``$STYLECAM_HOME/styles`` or ``~/.local/share/stylecam/styles``."""
    home = os.environ.get("STYLECAM_HOME")
    base = Path(home) if home else Path.home() / ".local" / "share" / "stylecam"
    return base / "styles"


def training_run_dir(name: str, given: str | None = None) -> Path:
    """A training run's folder (checkpoints, previews): ``given``, else ``runs/NAME`` beside the user styles."""
    return Path(given) if given else user_style_dir().parent / "runs" / name


@dataclass(frozen=True)
class StyleInfo:
    name: str
    path: Path
    meta: dict
    shipped: bool


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


def picture_digest(path: str | Path) -> str:
    """The SHA-256 of a picture file's bytes: what ``stylecam learn`` records of the painting it learned."""
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


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
    return user_style_dir() / f"{name}.safetensors"


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
    for directory in (SHIPPED_DIR, user_style_dir()):
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
    return _load_checked(path)


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

    net, meta, extra = _load_checked(Path(path), bank=True)
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


def _load_checked(path: Path, bank: bool = False):
    """Read and check a weights file; ``bank=True`` also returns the extra tensors of a bank."""
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
    for the tiers in :data:`HALF_STORED_TIERS`; :func:`load_style` loads both into float32."""
    path = Path(path)
    meta = {**meta, "config": net.config.to_dict()}
    dtype = torch.float16 if tier_of(net.config) in HALF_STORED_TIERS else torch.float32
    state = {k: v.detach().to(dtype).contiguous().cpu() for k, v in net.state_dict().items()}
    return _write(state, meta, path)


def save_bank(bank, meta: dict, styles: list[dict], path: str | Path) -> Path:
    """Write a :class:`~models.nets.multistyle.StyleBank`: shared weights, the style table, per-style metadata."""
    if len(styles) != bank.n_styles:
        raise ValueError("one metadata entry per style in the bank")
    meta = {**meta, "kind": "bank", "styles": styles, "config": bank.net.config.to_dict()}
    state = {k: v.detach().float().contiguous().cpu() for k, v in bank.net.state_dict().items()}
    state["style_table"] = bank.table.detach().float().contiguous().cpu()
    return _write(state, meta, Path(path))


def _write(state: dict[str, torch.Tensor], meta: dict, path: Path) -> Path:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    save_file(state, str(tmp), metadata={META_KEY: json.dumps(meta, sort_keys=True)})
    os.replace(tmp, path)
    return path


MAX_DECODER_WIDTH = 4.0


def save_decoder(decoder, meta: dict, path: str | Path, encoder=None) -> Path:
    """Write an AdaIN decoder (:class:`models.nets.adain.Decoder`) with its metadata; with a light
    encoder (:class:`models.nets.light_encoder.LightEncoder`) its weights go in the same file.

    Stored in float16 (half the size; the outputs differ by less than one level of 255), loaded
    into float32; training checkpoints keep float32."""
    meta = {**meta, "kind": "adain-decoder", "width": decoder.width, "in_channels": decoder.in_channels,
            "encoder": "vgg19" if encoder is None else "light", **({} if encoder is None else
                                                                    {"encoder_width": encoder.width})}
    state = {k: v.detach().half().contiguous().cpu() for k, v in decoder.state_dict().items()}
    if encoder is not None:
        state.update({f"{LIGHT_PREFIX}{k}": v.detach().half().contiguous().cpu()
                      for k, v in encoder.state_dict().items()})
    return _write(state, meta, Path(path))


LIGHT_PREFIX = "light_encoder."


def save_light_encoder(encoder, meta: dict, path: str | Path) -> Path:
    """Write a distilled light encoder alone (a training run's intermediate result)."""
    meta = {**meta, "kind": "light-encoder", "encoder_width": encoder.width}
    return _write({k: v.detach().float().contiguous().cpu() for k, v in encoder.state_dict().items()},
                  meta, Path(path))


def _checked_tensors(path: Path, module: torch.nn.Module, tensors: dict[str, torch.Tensor], what: str) -> None:
    """Load ``tensors`` into ``module`` after checking names, shapes and values: one clear error otherwise."""
    expected = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    if {k: tuple(v.shape) for k, v in tensors.items()} != expected:
        raise StyleError(f"{path}: {what} weights do not match the declared sizes")
    if not all(t.is_floating_point() and torch.isfinite(t).all() for t in tensors.values()):
        raise StyleError(f"{path}: {what} weights are not finite floating point")
    module.load_state_dict(tensors)


def _light_encoder(path: Path, width) -> torch.nn.Module:
    from models.nets.light_encoder import LightEncoder

    if not isinstance(width, (int, float)) or not 0.05 <= width <= 1.0:
        raise StyleError(f"{path}: implausible light encoder width {width!r}")
    return LightEncoder(float(width), from_vgg=False)


def load_light_encoder(path: str | Path):
    from safetensors.torch import load_file

    path = Path(path)
    meta = read_metadata_any(path)
    if meta.get("kind") != "light-encoder":
        raise StyleError(f"{path}: not a light encoder file")
    encoder = _light_encoder(path, meta.get("encoder_width"))
    _checked_tensors(path, encoder, load_file(str(path)), "encoder")
    return encoder.eval()


DECODER_KINDS = ("vgg19", "light")


def find_decoder(choice: str | Path | None = None, prefer: str | None = None) -> Path:
    """The AdaIN decoder for picture styles: user-trained ones first, then shipped ones.

    ``choice``: a decoder file, or an encoder kind (``vgg19``: the paper's network, best
    quality; ``light``: the distilled one, fast enough for live); ``None`` takes ``prefer``'s
    kind when one is installed, else the first decoder found.
    """
    if choice is not None and str(choice) not in DECODER_KINDS:
        path = Path(choice)
        if not path.is_file():
            raise StyleError(f"--decoder {choice}: no such file (or give one of {', '.join(DECODER_KINDS)})")
        return path
    found = [f for d in (user_style_dir(), SHIPPED_DIR) if d.is_dir() for f in sorted(d.glob("*.decoder.safetensors"))]
    if not found:
        raise StyleError("an image as --style needs an AdaIN decoder, and none is installed "
                         "(train one with: stylecam train-adain --content PHOTOS --styles PAINTINGS)")
    kind = str(choice) if choice is not None else prefer
    if kind is not None:
        for f in found:
            try:
                if read_metadata_any(f).get("encoder", "vgg19") == kind:
                    return f
            except StyleError:
                continue
        if choice is not None:
            raise StyleError(f"no {kind} AdaIN decoder is installed (installed: {', '.join(f.name for f in found)})")
    return found[0]


def load_decoder(path: str | Path):
    """Load an AdaIN decoder file as ``(AdaINNet, metadata)``: the decoder checked tensor by tensor
    against its declared sizes, with VGG-19 or the light encoder stored beside it."""
    from safetensors.torch import load_file

    from models.nets.adain import AdaINNet, Decoder

    path = Path(path)
    meta = read_metadata_any(path)
    if meta.get("kind") != "adain-decoder":
        raise StyleError(f"{path}: not an AdaIN decoder file")
    width = meta.get("width")
    if not isinstance(width, (int, float)) or not 0.05 <= width <= MAX_DECODER_WIDTH:
        raise StyleError(f"{path}: implausible decoder width {width!r}")
    tensors = load_file(str(path))
    encoder = None
    if meta.get("encoder", "vgg19") == "light":
        encoder = _light_encoder(path, meta.get("encoder_width"))
        _checked_tensors(path, encoder, {k[len(LIGHT_PREFIX):]: v for k, v in tensors.items()
                                         if k.startswith(LIGHT_PREFIX)}, "encoder")
    elif meta.get("encoder", "vgg19") != "vgg19":
        raise StyleError(f"{path}: unknown encoder {meta.get('encoder')!r}")
    decoder = Decoder(float(width), encoder.out_channels if encoder is not None else 512)
    _checked_tensors(path, decoder, {k: v for k, v in tensors.items() if not k.startswith(LIGHT_PREFIX)}, "decoder")
    return AdaINNet(decoder.eval(), encoder.eval() if encoder is not None else None).eval(), meta

WCT_FILE = "wct.decoders.safetensors"  # the whitening-and-colouring decoders, every level in one file


def save_wct_decoders(decoders: list, meta: dict, path: str | Path) -> Path:
    """Write the level decoders (:class:`models.nets.wct.LevelDecoder`) into one file, float16;
    ``meta["levels"]`` is then each one's level and width, in the cascade's order."""
    levels = [{"level": d.level, "width": d.width} for d in decoders]
    state = {f"level{d.level}.{k}": v.detach().half().contiguous().cpu()
             for d in decoders for k, v in d.state_dict().items()}
    return _write(state, {**meta, "kind": "wct-decoders", "levels": levels}, Path(path))


def wct_installed() -> bool:
    return (SHIPPED_DIR / WCT_FILE).is_file()


def load_wct_decoders(path: str | Path | None = None) -> tuple[list, dict]:
    """The level decoders of a file (default: the shipped one), in the cascade's order, checked tensor
    by tensor against their declared sizes, and the file's metadata."""
    from safetensors.torch import load_file

    from models.nets.wct import LEVEL_LAYER, LevelDecoder

    path = Path(path) if path is not None else SHIPPED_DIR / WCT_FILE
    if not path.is_file():
        raise StyleError(f"{path}: no such whitening-and-colouring decoder file")
    meta = read_metadata_any(path)
    levels = meta.get("levels")
    if meta.get("kind") != "wct-decoders" or not isinstance(levels, list) or not levels:
        raise StyleError(f"{path}: not a whitening-and-colouring decoder file")
    tensors = load_file(str(path))
    decoders = []
    for entry in levels:
        level, width = (entry.get("level"), entry.get("width")) if isinstance(entry, dict) else (None, None)
        if level not in LEVEL_LAYER or not isinstance(width, (int, float)) or not 0.05 <= width <= MAX_DECODER_WIDTH:
            raise StyleError(f"{path}: implausible decoder level {entry!r}")
        decoder = LevelDecoder(level, float(width))
        prefix = f"level{level}."
        _checked_tensors(path, decoder, {k[len(prefix):]: v.float() for k, v in tensors.items()
                                         if k.startswith(prefix)}, f"level {level} decoder")
        decoders.append(decoder.eval())
    return decoders, meta
