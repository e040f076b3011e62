"""The one place where device and precision are chosen.

``--device auto|cpu|cuda|mps``: ``auto`` takes CUDA, then MPS, then the CPU.
Inference runs in fp16 on CUDA and fp32 elsewhere, through TorchScript, or on the CPU
through ONNX Runtime when it is installed (faster there); training uses autocast (bf16 on a
CPU that has native bf16 instructions, fp16 on CUDA).
"""

from __future__ import annotations

import contextlib

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


def inference_dtype(device: torch.device) -> torch.dtype:
    """fp16 on CUDA (tensor cores, half the memory traffic); fp32 on the CPU and MPS."""
    return torch.float16 if device.type == "cuda" else torch.float32


def inference_backend(device: torch.device, requested: str = "auto") -> str:
    """``torchscript`` or ``onnx``: ``auto`` takes ONNX Runtime on the CPU when it is installed."""
    from models import onnx_backend

    if requested not in BACKENDS:
        raise DeviceError(f"unknown backend {requested!r} (choose from {', '.join(BACKENDS)})")
    if requested == "onnx":
        if device.type != "cpu":
            raise DeviceError(f"the onnx backend runs on the CPU only, not on {device.type}")
        if not onnx_backend.available():
            raise DeviceError("the onnx backend needs onnxruntime and onnx: pip install onnxruntime onnx")
        return "onnx"
    if requested == "auto":
        return "onnx" if device.type == "cpu" and onnx_backend.available() else "torchscript"
    return requested


def cpu_has_bf16() -> bool:
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def training_autocast(device: torch.device, enabled: bool = True) -> contextlib.AbstractContextManager:
    """Mixed precision for a training step: bf16 on a bf16-capable CPU, fp16 on CUDA, else off."""
    if enabled and device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.float16)
    if enabled and device.type == "cpu" and cpu_has_bf16():
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()
