"""The one place where device and precision are chosen.

``--device auto|cpu|cuda|mps``: ``auto`` takes CUDA, then MPS, then the CPU.
Inference runs in fp16 on CUDA and fp32 elsewhere, through TorchScript, or on the CPU
through ONNX Runtime when it is installed (faster there); training uses autocast (bf16 on a
CPU that has native bf16 instructions, fp16 on CUDA). Losses and statistics that half precision
would overflow or round away (Gram matrices, moments, colour covariances and their
eigendecomposition, warping coordinates) are :func:`float32_math` whatever the autocast.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import TypeVar

import torch

from models.errors import UserError

DEVICES = ("auto", "cpu", "cuda", "mps")
BACKENDS = ("auto", "torchscript", "onnx")


class DeviceError(UserError):
    """A device the user asked for that this machine does not have."""


def resolve_device(name: str = "auto") -> torch.device:
    if name not in DEVICES and not name.startswith("cuda:"):
        raise DeviceError(f"unknown device {name!r} (choose from {', '.join(DEVICES)})")
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if name.startswith("cuda") and not cuda:
        raise DeviceError("device cuda requested but no CUDA GPU is available")
    if name == "mps" and not mps:
        raise DeviceError("device mps requested but Apple's Metal backend is not available")
    return torch.device(name)


def inference_dtype(device: torch.device, wide_range: bool = False) -> torch.dtype:
    """fp16 on CUDA (tensor cores, half the memory traffic); fp32 on the CPU and MPS.

    ``wide_range``: a network whose activations pass float16's 65504, as the AdaIN networks' do (VGG-19
    on Caffe-scale input: the decoder reached 72 k at 720p and 121 k at 1080p on a noise frame, where
    float16 gave infinities, then NaN, and ``linalg.eigh`` failed on an H200): bf16 on CUDA (float32's
    range at float16's speed), float32 on GPUs without bf16."""
    if device.type != "cuda":
        return torch.float32
    if wide_range:
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
    return torch.float16


def frame_batch(device: torch.device) -> int:
    """How many frames a render hands the network at once: 8 on a GPU, where one frame leaves it idle
    between launches and transfers; 1 on the CPU, where a bigger batch gains nothing and the render's
    other stages need the cores."""
    return 8 if device.type in ("cuda", "mps") else 1


def onnx_available() -> bool:
    """Whether ONNX Runtime and the ONNX exporter are installed (the CPU's faster backend)."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("onnx", "onnxruntime"))


def inference_backend(device: torch.device, requested: str = "auto") -> str:
    """``torchscript`` or ``onnx``: ``auto`` takes ONNX Runtime on the CPU when it is installed."""
    if requested not in BACKENDS:
        raise DeviceError(f"unknown backend {requested!r} (choose from {', '.join(BACKENDS)})")
    if requested == "onnx":
        if device.type != "cpu":
            raise DeviceError(f"the onnx backend runs on the CPU only, not on {device.type}")
        if not onnx_available():
            raise DeviceError("the onnx backend needs onnxruntime and onnx: pip install onnxruntime onnx")
        return "onnx"
    if requested == "auto":
        return "onnx" if device.type == "cpu" and onnx_available() else "torchscript"
    return requested


def cpu_has_bf16() -> bool:
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def training_dtype(device: torch.device, enabled: bool = True) -> torch.dtype | None:
    """The autocast dtype of a training step, ``None`` for plain float32: bf16 on a GPU that has it
    (float32's range: nothing overflows, no loss scaling) or a bf16-capable CPU, fp16 on older GPUs."""
    if not enabled:
        return None
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "cpu" and cpu_has_bf16():
        return torch.bfloat16
    return None


def training_autocast(device: torch.device, enabled: bool = True) -> contextlib.AbstractContextManager:
    """Mixed precision for a training step (:func:`training_dtype`); the losses stay float32 (:func:`float32_math`)."""
    dtype = training_dtype(device, enabled)
    return contextlib.nullcontext() if dtype is None else torch.autocast(device.type, dtype=dtype)


def grad_scaler(device: torch.device, enabled: bool = True) -> torch.amp.GradScaler:
    """Loss scaling where the step runs in fp16 (its small gradients underflow); a pass-through elsewhere."""
    fp16 = training_dtype(device, enabled) == torch.float16
    return torch.amp.GradScaler(device.type if fp16 else "cpu", enabled=fp16)


_F = TypeVar("_F", bound=Callable)
_HALF = (torch.float16, torch.bfloat16)


def _autocast_off() -> contextlib.ExitStack:
    """Autocast disabled on the CPU and, where there is one, on CUDA (the device types training uses)."""
    stack = contextlib.ExitStack()
    stack.enter_context(torch.autocast("cpu", enabled=False))
    if torch.cuda.is_available():
        stack.enter_context(torch.autocast("cuda", enabled=False))
    return stack


def map_tensors(fn: Callable[[torch.Tensor], torch.Tensor], value):
    """``fn`` applied to every tensor in ``value`` (a tensor, or dicts, lists and tuples of them); the rest as it is."""
    if isinstance(value, torch.Tensor):
        return fn(value)
    if isinstance(value, dict):
        return {k: map_tensors(fn, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(map_tensors(fn, v) for v in value)
    return value


def _to_float32(value):
    """Half-precision tensors (also inside dicts, lists and tuples) → float32; everything else as it is."""
    return map_tensors(lambda t: t.float() if t.dtype in _HALF else t, value)


def float32_math(fn: _F) -> _F:
    """Run ``fn`` in float32 whatever the autocast: autocast off around it (it would cast a matmul
    back to half precision) and its half-precision tensor arguments cast to float32, so its results
    are float32. For the pure loss and statistics maths.

    TorchScript compiles the undecorated function (``__prepare_scriptable__``): one that scripted
    networks call also casts explicitly in its body; those networks never run under autocast."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _autocast_off():
            return fn(*_to_float32(args), **_to_float32(kwargs))

    wrapper.__prepare_scriptable__ = lambda: fn
    return wrapper  # type: ignore[return-value]
