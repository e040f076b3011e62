"""ONNX Runtime as the CPU inference engine of a single-style network.

On this project's CPUs ONNX Runtime runs the fast tier 1.4–1.7× faster than the frozen
TorchScript module (its depthwise and instance-norm kernels; ``stylecam bench`` prints
both). The ONNX graph is exported here from the project's own safetensors weights and
cached on disk beside the TorchScript cache; stylecam never loads an ONNX file a user
hands it. :class:`OnnxNet` is called like the TorchScript module: ``N×3×H×W`` float32
tensor in, the same out.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from pathlib import Path

import numpy as np
import torch


def available() -> bool:
    try:
        import onnx  # noqa: F401 - the exporter needs it
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def export(net: torch.nn.Module) -> bytes:
    """The ONNX graph of an eval-mode image network, with dynamic height and width."""
    net = net.to("cpu", torch.float32).eval()
    buffer = io.BytesIO()
    axes = {2: "height", 3: "width"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (torch.rand(1, 3, 64, 64),), buffer, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": axes, "y": axes}, opset_version=17, dynamo=False)
    return buffer.getvalue()


class OnnxNet:
    """An ONNX Runtime session behind the call signature of a TorchScript module (CPU, float32)."""

    def __init__(self, model: bytes, threads: int | None = None, multiple: int = 1) -> None:
        """``multiple``: the graph wants sides that are multiples of this (the live tier's patch); other
        frames are padded (edge pixels repeated) before it and cropped after, as the network's own
        ``forward`` does (a traced graph cannot keep that data-dependent padding)."""
        import onnxruntime as ort

        self.multiple = multiple
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # no busy-waiting between calls: the live loop's capture and display threads need those cores
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        a = x.detach().float().cpu().numpy()
        h, w = a.shape[2:]
        ph, pw = -h % self.multiple, -w % self.multiple
        if ph or pw:
            a = np.pad(a, ((0, 0), (0, 0), (0, ph), (0, pw)), mode="edge")
        y = self.session.run(None, {"x": np.ascontiguousarray(a)})[0]
        return torch.from_numpy(np.ascontiguousarray(y[:, :, :h, :w]) if ph or pw else y)


def load_cached(net: torch.nn.Module, path: Path) -> tuple[OnnxNet, bool]:
    """The session for ``net`` from the ONNX file cached at ``path`` (exporting and caching it on a miss).

    Returns ``(network, from_cache)``.
    """
    multiple = int(getattr(net, "patch", 1))
    if path.is_file():
        try:
            return OnnxNet(path.read_bytes(), multiple=multiple), True
        except Exception:  # noqa: BLE001 - a stale or broken cache entry (ORT raises its own types): rebuild
            path.unlink(missing_ok=True)
    model = export(net)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(model)
        os.replace(tmp, path)
    except OSError:  # a read-only or full cache only costs start-up time
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return OnnxNet(model, multiple=multiple), False
