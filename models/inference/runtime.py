"""The deployment runtime: a :class:`Stylizer` turns ``H×W×3 uint8 RGB`` frames into stylized ones.

The network is compiled with TorchScript (scripted, frozen) for the chosen device and
dtype and cached on disk, keyed by the weights' hash, the torch version, device and dtype,
so a second start loads the compiled module instead of compiling again. On the CPU a
single-style network runs through ONNX Runtime instead when it is installed
(:mod:`models.inference.onnx_backend`, exported and cached the same way). Nothing else in stylecam
needs to know how the network was compiled.

A style from a multi-style bank is compiled unfrozen, so that :meth:`Stylizer.set_blend`
can rewrite its instance-norm parameters in place: switching or blending styles costs no
recompilation and nothing per frame.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import os
import time
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from models.cache_paths import cache_root
from models.color import blend, preserve_color
from models.errors import UserError
from models.inference import onnx_backend
from models.inference.device import inference_backend, inference_dtype, resolve_device
from models.inference.picture_styles import is_picture_style, picture_style_network
from models.inference.registry import (
    StyleError,
    bank_rows,
    learned_style_for,
    load_bank,
    load_style,
    parse_blend,
    resolve_spec,
    weights_for_device,
)
from models.inference.upsample import upscale, upscale_tensor
from models.nets.multistyle import mix_rows, write_norm_params
from models.nets.transformer import NetConfig, tier_of

MIN_NETWORK_SIDE = 16  # the network's reflection pads and strided convs need this much; smaller frames run upscaled


def cache_dir() -> Path:
    return cache_root() / "torchscript"


def _cache_key(weights: Path, device: torch.device, dtype: torch.dtype, freeze: bool, extra: bytes = b"") -> str:
    h = hashlib.sha256(weights.read_bytes())
    h.update(extra)
    h.update(f"{torch.__version__}|{device.type}|{dtype}|{freeze}".encode())
    return h.hexdigest()[:32]


def compile_module(
    net: torch.nn.Module, device: torch.device, dtype: torch.dtype, freeze: bool = True
) -> torch.jit.ScriptModule:
    """Script (and by default freeze) an eval-mode network on ``device`` in ``dtype``."""
    net = net.to(device=device, dtype=dtype).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        scripted = torch.jit.script(net)
        return torch.jit.freeze(scripted) if freeze else scripted


def _onnx_picture(net: torch.nn.Module, meta: dict) -> bool:
    """Whether a picture style runs on ONNX Runtime: the light AdaIN network only (the live one). The VGG-19
    network's graph would cache ~70 MB for every picture; WCT and regions hold operations ONNX lacks."""
    from models.nets.adain import ImageStyleNet

    return type(net) is ImageStyleNet and meta.get("encoder") == "light"


def _load_onnx(net: torch.nn.Module, path: Path):
    """:func:`onnx_backend.load_cached`, a picture's palette step moved out of the graph (ONNX has no ``eigh``)."""
    if not getattr(net, "use_palette", False):
        return onnx_backend.load_cached(net, path)
    core = copy.deepcopy(net)
    core.use_palette = False
    onnx_net, from_cache = onnx_backend.load_cached(core, path.with_name(path.stem + ".float.onnx"), rounded=False)
    return onnx_backend.Recoloured(onnx_net, net), from_cache


def load_compiled(weights: Path, net: torch.nn.Module, device: torch.device, dtype: torch.dtype, freeze: bool = True,
                  extra_key: bytes = b""):
    """The compiled network from the disk cache, compiling and caching it on a miss.

    ``extra_key``: whatever else the network was built from (an image style's picture).
    Returns ``(module, seconds, from_cache)``.
    """
    t0 = time.perf_counter()
    path = cache_dir() / f"{_cache_key(weights, device, dtype, freeze, extra_key)}.pt"
    if path.is_file():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                module = torch.jit.load(str(path), map_location=device)
            return module, time.perf_counter() - t0, True
        except RuntimeError:
            path.unlink(missing_ok=True)  # a stale or broken cache entry: rebuild it
    module = compile_module(net, device, dtype, freeze)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        torch.jit.save(module, buffer)  # serialise in memory: a full disk must not abort inside torch
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(buffer.getvalue())
        os.replace(tmp, path)
    except OSError:  # a read-only or full cache only costs start-up time
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return module, time.perf_counter() - t0, False


class Stylizer:
    """Stylize ``H×W×3 uint8 RGB`` frames with one style.

    ``model_size``: the short side (px) the network runs at; ``None`` runs at the frame's
    size. The output always has the input's size. ``strength`` blends with the input;
    ``preserve_color`` keeps the input's chroma (luminance-only transfer). For a picture style
    (AdaIN, :mod:`models.inference.picture_styles`): ``alpha`` is the content–style trade-off in feature space,
    ``recolor_style_to`` gives the pictures a photo's colours before their statistics are taken, and
    ``decoder``/``prefer_decoder`` pick the AdaIN decoder (:func:`models.inference.registry.find_decoder`);
    ``region`` = ``(picture, mask image)`` puts a second picture style where the mask is white;
    ``palette`` recolours a picture style's output to the picture's colours (see ``picture_style_network``).
    ``tier``/``prefer_tier`` pick a named style's network (:func:`models.inference.registry.weights_for_device`): the
    live tier for the live preview on a CPU, the fast tier for stills and renders, the quality tier on GPUs.
    """

    def __init__(
        self,
        style: str | Path,
        device: str = "auto",
        model_size: int | None = None,
        strength: float = 1.0,
        preserve_colors: bool = False,
        compiled: bool = True,
        backend: str = "auto",
        alpha: float = 1.0,
        recolor_style_to: np.ndarray | None = None,
        decoder: str | None = None,
        prefer_decoder: str | None = None,
        region: tuple[str, str] | None = None,
        palette: bool = True,
        tier: str | None = None,
        prefer_tier: str | None = None,
    ) -> None:
        if model_size is not None and not 16 <= model_size <= 4096:
            raise UserError(f"model size must be between 16 and 4096 px, got {model_size}")
        if not 0.0 <= strength <= 1.0:
            raise UserError(f"strength must be between 0 and 1, got {strength}")
        self.device = resolve_device(device)
        picture = is_picture_style(style)
        if picture and decoder is None and region is None and recolor_style_to is None and alpha == 1.0 and palette:
            learned = learned_style_for(style)  # a painting `stylecam learn` made a style of: its networks
            if learned is not None:
                style, picture = learned, False
        self.dtype = inference_dtype(self.device, wide_range=picture)
        self.bank = None
        extra_key = b""
        if region is not None and not picture:
            raise UserError("--mask-style needs a picture as --style (two pictures in one frame)")
        if picture:
            net, self.meta, extra_key = picture_style_network(style, alpha, recolor_style_to, decoder, prefer_decoder,
                                                              region, palette)
            self.weights, blend = Path(self.meta["decoder"]), None
        else:
            self.weights, blend = resolve_spec(weights_for_device(style, self.device.type, tier, prefer_tier))
            if blend is None:
                net, self.meta = load_style(self.weights)
            else:
                self.bank, self.meta = load_bank(self.weights)
                net = self.bank.network_for({0: 1.0})
        self.config = getattr(net, "config", None)
        self.painter = onnx_backend.is_painter(net)  # paints the frame's own pixels, its trunk at model_size
        self.tier = tier_of(self.config) if isinstance(self.config, NetConfig) else None
        self.module = copy.deepcopy(net)  # eager CPU fp32 copy, for parameter and FLOP counts
        self.compiled = compiled
        # ONNX Runtime for a fixed network on the CPU; a bank keeps TorchScript (set_blend rewrites it in place)
        self.backend = inference_backend(self.device, backend) if compiled else "eager"
        if self.backend == "onnx" and (self.bank is not None or (picture and not _onnx_picture(net, self.meta))):
            self.backend = "torchscript"
        if self.backend == "onnx":
            t0 = time.perf_counter()
            key = _cache_key(self.weights, self.device, torch.float32, True, b"onnx" + extra_key)
            self.net, self.from_cache = _load_onnx(net, cache_dir().parent / "onnx" / f"{key}.onnx")
            self.load_seconds = time.perf_counter() - t0
        elif compiled:
            self.net, self.load_seconds, self.from_cache = load_compiled(
                self.weights, net, self.device, self.dtype, freeze=self.bank is None, extra_key=extra_key)
        else:
            self.net, self.load_seconds, self.from_cache = net.to(self.device, self.dtype), 0.0, False
        self.blend: dict[str, float] | None = None
        if blend is not None:
            self.set_blend(blend)
        self.model_size = model_size
        self.strength = strength
        self.preserve_colors = preserve_colors

    @property
    def name(self) -> str:
        if self.blend is not None:
            if len(self.blend) == 1:
                return next(iter(self.blend))
            return ",".join(f"{k}:{v:g}" for k, v in self.blend.items())
        return str(self.meta.get("name") or self.weights.stem)

    @property
    def bank_styles(self) -> list[str]:
        """The styles this stylizer can switch between without reloading (empty unless it holds a bank)."""
        return [s["name"] for s in self.meta.get("styles", [])] if self.bank is not None else []

    def set_blend(self, blend: str | dict[str, float]) -> None:
        """Switch to another style, or a blend, of the same bank: rewrites the norm parameters in place."""
        if self.bank is None:
            raise StyleError(f"style {self.name!r} is a single-style network; blends need a multi-style bank")
        if isinstance(blend, str):
            blend = parse_blend(blend) or {blend: 1.0}
        vector = mix_rows(self.bank.table.detach(), bank_rows(self.meta, blend))
        write_norm_params(self.net, self.bank.layout, vector.to(self.device, self.dtype))
        self.blend = dict(blend)

    def network_size(self, h: int, w: int) -> tuple[int, int]:
        """The (height, width) the network runs at for an ``h×w`` frame (a painter's trunk: both sides multiples
        of its patch, never above the frame's, so that its grid lies on the frame's)."""
        short = max(self.model_size or min(h, w), MIN_NETWORK_SIDE)  # tiny frames run upscaled
        if self.painter:
            short = min(short, min(h, w))
        if short == min(h, w):
            return h, w
        scale = short / min(h, w)
        size = max(short, round(h * scale)), max(short, round(w * scale))
        if self.painter:
            p = self.module.patch
            size = tuple(max(p, int(s / p + 0.5) * p) for s in size)
        return size

    def stylize_tensor(self, x: torch.Tensor) -> torch.Tensor:
        """``N×3×H×W`` float RGB [0, 1] (any device/dtype) → the same shape, stylized, float32 on the device."""
        x = x.to(self.device, self.dtype)
        h, w = x.shape[-2:]
        inp = x
        size = self.network_size(h, w)
        if size != (h, w):
            inp = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=size[0] < h)
        with torch.inference_mode():
            y = self.net(x, inp) if self.painter else self.net(inp)
            if y.shape[-2] < h:  # the strokes scaled up, nothing of the photo added (models.inference.upsample)
                y = upscale_tensor(y, (h, w))
            elif y.shape[-2:] != (h, w):
                y = F.interpolate(y, size=(h, w), mode="bilinear", align_corners=False, antialias=True).clamp_(0, 1)
            y, x = y.float(), x.float()
            if self.preserve_colors:
                y = preserve_color(y, x)
            return blend(y, x, self.strength)

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        """``H×W×3 uint8 RGB`` → ``H×W×3 uint8 RGB`` of the same size, C-contiguous."""
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"expected an H×W×3 uint8 RGB frame, got {frame.shape} {frame.dtype}")
        if self.device.type == "cpu" and not self.preserve_colors:
            # resizing and blending on 8-bit frames with OpenCV: ~2 ms at 640×480 instead of ~17 in float tensors
            small, out = self.stylize_small(frame)
            return self.finish(out, frame, small)
        with torch.inference_mode():
            x = torch.from_numpy(np.ascontiguousarray(frame)).to(self.device).permute(2, 0, 1).unsqueeze(0)
            y = self.stylize_tensor(x.to(self.dtype).div_(255.0))
            return _to_frame(y)

    def stylize_small(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First half of a frame: (the frame at the network's size, its stylization at that size), ``uint8``.

        The live loop smooths at this size (cheap) before :meth:`finish` scales up and blends. A painter
        (:class:`models.nets.live.FramePainter`) gives (the frame, its stylization at the frame's size): its trunk
        runs at the network's size, its strokes are painted at the frame's.
        """
        small = self._at_network_size(frame)
        if self.painter:  # the trunk at the network's size, the frame's own pixels painted: nothing to scale up
            if self.backend == "onnx":
                return frame, self.net.frame(frame, small)
            with torch.inference_mode():
                x, s = (torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1).unsqueeze(0)
                        .to(self.device, self.dtype).div_(255.0) for a in (frame, small))
                return frame, _to_frame(self.net(x, s))
        if self.backend == "onnx":
            return small, self.net.frame(small)
        with torch.inference_mode():
            x = torch.from_numpy(np.ascontiguousarray(small)).permute(2, 0, 1).unsqueeze(0)
            out = _to_frame(self.net(x.to(self.device, self.dtype).div_(255.0)))
        return small, out

    def _at_network_size(self, frame: np.ndarray) -> np.ndarray:
        """``frame`` resized to :meth:`network_size` (itself where that is its size)."""
        import cv2

        h, w = frame.shape[:2]
        nh, nw = self.network_size(h, w)
        if (nh, nw) == (h, w):
            return frame
        return cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_AREA if nh < h else cv2.INTER_LINEAR)

    def stylize_small_batch(self, frames: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """:meth:`stylize_small` for several frames of one size in one call of the network (a render's batch on a
        GPU); one frame, or ONNX Runtime, goes frame by frame."""
        if len(frames) == 1 or self.backend == "onnx" or self.painter or len({f.shape for f in frames}) > 1:
            return [self.stylize_small(f) for f in frames]
        frames = [self._at_network_size(f) for f in frames]
        with torch.inference_mode():
            x = torch.from_numpy(np.stack(frames)).to(self.device).permute(0, 3, 1, 2)
            outs = _to_frames(self.net(x.to(self.dtype).div_(255.0)))
        return list(zip(frames, outs))

    def finish(self, small_out: np.ndarray, frame: np.ndarray, small_in: np.ndarray | None = None) -> np.ndarray:
        """Second half: scale the stylization to the frame, keep the photo's colours if asked, blend by strength.

        A stylization smaller than the frame is scaled up bicubically (:func:`models.inference.upsample.upscale`):
        its strokes scaled, nothing of the photo added. ``small_in`` (the frame at the network's size) is accepted
        for the protocol and not needed."""
        import cv2

        h, w = frame.shape[:2]
        out = small_out
        if out.shape[0] < h:
            out = upscale(out, (h, w))
        elif out.shape[:2] != (h, w):
            out = cv2.resize(out, (w, h), interpolation=cv2.INTER_AREA)
        if self.preserve_colors:
            from models.images import to_tensor, to_uint8

            out = to_uint8(preserve_color(to_tensor(out), to_tensor(frame)))
        if self.strength < 1.0:
            out = cv2.addWeighted(out, self.strength, frame, 1.0 - self.strength, 0.0)
        return out


def _to_frames(y: torch.Tensor) -> np.ndarray:
    """``N×3×H×W`` float in [0, 1] → ``N×H×W×3 uint8``, rounded and C-contiguous."""
    # made contiguous where it lies: on a GPU a 1080p frame's HWC copy costs ~0.1 ms there, ~9 ms on the CPU after
    out = y.float().mul(255.0).round_().clamp_(0, 255).to(torch.uint8).permute(0, 2, 3, 1).contiguous()
    return out.cpu().numpy()


def _to_frame(y: torch.Tensor) -> np.ndarray:
    """``1×3×H×W`` float in [0, 1] → ``H×W×3 uint8``, rounded and C-contiguous."""
    return _to_frames(y[:1])[0]


class BankEntry:
    """One style of a multi-style bank, as a frame callable that shares the bank's compiled module."""

    def __init__(self, stylizer: Stylizer, style: str) -> None:
        self.stylizer, self.style = stylizer, style

    @property
    def strength(self) -> float:
        return self.stylizer.strength

    @strength.setter
    def strength(self, value: float) -> None:
        self.stylizer.strength = value

    @property
    def model_size(self) -> int | None:
        return self.stylizer.model_size

    @model_size.setter
    def model_size(self, value: int | None) -> None:
        self.stylizer.model_size = value

    def _select(self) -> Stylizer:
        if self.stylizer.blend != {self.style: 1.0}:
            self.stylizer.set_blend(self.style)
        return self.stylizer

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        return self._select()(frame)

    def stylize_small(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._select().stylize_small(frame)

    def finish(self, small_out: np.ndarray, frame: np.ndarray, small_in: np.ndarray | None = None) -> np.ndarray:
        return self.stylizer.finish(small_out, frame, small_in)


def load_stylizers(specs: list[str], **options) -> list[tuple[str, object]]:
    """(name, frame callable) for each spec; a bank's styles become entries sharing one network,
    except those whose name another entry has (a single-style network of the same painting, before
    or after the bank in ``specs``, or an earlier bank)."""
    stylizers = [(spec, Stylizer(spec, **options)) for spec in specs]

    def expands(spec: str, stylizer: Stylizer) -> bool:
        return stylizer.bank is not None and parse_blend(str(spec)) is None and spec not in stylizer.bank_styles

    singles = {stylizer.name for spec, stylizer in stylizers if not expands(spec, stylizer)}
    entries: list[tuple[str, object]] = []
    for spec, stylizer in stylizers:
        if expands(spec, stylizer):
            taken = singles | {name for name, _ in entries}
            entries += [(name, BankEntry(stylizer, name)) for name in stylizer.bank_styles if name not in taken]
        else:
            entries.append((stylizer.name, stylizer))
    return entries
