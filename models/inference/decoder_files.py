"""Decoder files: the AdaIN decoders of picture styles (with their light encoder where they have one) and the
whitening-and-colouring decoders, in :mod:`models.inference.style_files`' format; finding the installed one."""

from __future__ import annotations

from pathlib import Path

import torch

from models.inference import style_folders
from models.inference.style_files import StyleError, checked_tensors, read_metadata_any, write_file

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
    return write_file(state, meta, Path(path))


LIGHT_PREFIX = "light_encoder."


def save_light_encoder(encoder, meta: dict, path: str | Path) -> Path:
    """Write a distilled light encoder alone (a training run's intermediate result)."""
    meta = {**meta, "kind": "light-encoder", "encoder_width": encoder.width}
    return write_file({k: v.detach().float().contiguous().cpu() for k, v in encoder.state_dict().items()},
                  meta, Path(path))


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
    checked_tensors(path, encoder, load_file(str(path)), "encoder")
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
    folders = (style_folders.user_style_dir(), style_folders.SHIPPED_DIR)
    found = [f for d in folders if d.is_dir() for f in sorted(d.glob("*.decoder.safetensors"))]
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
        checked_tensors(path, encoder, {k[len(LIGHT_PREFIX):]: v for k, v in tensors.items()
                                         if k.startswith(LIGHT_PREFIX)}, "encoder")
    elif meta.get("encoder", "vgg19") != "vgg19":
        raise StyleError(f"{path}: unknown encoder {meta.get('encoder')!r}")
    decoder = Decoder(float(width), encoder.out_channels if encoder is not None else 512)
    checked_tensors(path, decoder, {k: v for k, v in tensors.items() if not k.startswith(LIGHT_PREFIX)}, "decoder")
    return AdaINNet(decoder.eval(), encoder.eval() if encoder is not None else None).eval(), meta

WCT_FILE = "wct.decoders.safetensors"  # the whitening-and-colouring decoders, every level in one file


def save_wct_decoders(decoders: list, meta: dict, path: str | Path) -> Path:
    """Write the level decoders (:class:`models.nets.wct.LevelDecoder`) into one file, float16;
    ``meta["levels"]`` is then each one's level and width, in the cascade's order."""
    levels = [{"level": d.level, "width": d.width} for d in decoders]
    state = {f"level{d.level}.{k}": v.detach().half().contiguous().cpu()
             for d in decoders for k, v in d.state_dict().items()}
    return write_file(state, {**meta, "kind": "wct-decoders", "levels": levels}, Path(path))


def wct_installed() -> bool:
    return (style_folders.SHIPPED_DIR / WCT_FILE).is_file()


def load_wct_decoders(path: str | Path | None = None) -> tuple[list, dict]:
    """The level decoders of a file (default: the shipped one), in the cascade's order, checked tensor
    by tensor against their declared sizes, and the file's metadata."""
    from safetensors.torch import load_file

    from models.nets.wct import LEVEL_LAYER, LevelDecoder

    path = Path(path) if path is not None else style_folders.SHIPPED_DIR / WCT_FILE
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
        checked_tensors(path, decoder, {k[len(prefix):]: v.float() for k, v in tensors.items()
                                         if k.startswith(prefix)}, f"level {level} decoder")
        decoders.append(decoder.eval())
    return decoders, meta
