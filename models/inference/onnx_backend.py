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


def _export(module: torch.nn.Module, dummy: torch.Tensor, names: tuple[str, str], axes: dict[int, str]) -> bytes:
    """ONNX bytes of an eval-mode module with one input and one output, dynamic along ``axes``."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (dummy,), buffer, input_names=[names[0]], output_names=[names[1]],
                          dynamic_axes={names[0]: axes, names[1]: axes}, opset_version=17, dynamo=False)
    return buffer.getvalue()


def export(net: torch.nn.Module) -> bytes:
    """The ONNX graph of an eval-mode image network, with dynamic height and width."""
    return _export(net.to("cpu", torch.float32).eval(), torch.rand(1, 3, 64, 64), ("x", "y"),
                   {2: "height", 3: "width"})


class FrameIO(torch.nn.Module):
    """``net`` behind 8-bit frames: ``1×H×W×3 uint8 RGB`` in and out, the conversions inside the graph (where
    ONNX Runtime does them in a millisecond instead of several in Python around it). ``rounded=False``: the
    output stays ``float32`` on the 0–255 scale, for a step after the graph that must not see rounded values."""

    def __init__(self, net: torch.nn.Module, rounded: bool = True) -> None:
        super().__init__()
        self.net, self.rounded = net, rounded

    def forward(self, frame: torch.Tensor) -> torch.Tensor:
        y = self.net(frame.permute(0, 3, 1, 2).float() * (1.0 / 255.0)) * 255.0
        if not self.rounded:
            return y.permute(0, 2, 3, 1)
        return y.round().clamp(0.0, 255.0).to(torch.uint8).permute(0, 2, 3, 1)


class PainterFrameIO(torch.nn.Module):
    """A :class:`models.nets.live.FramePainter` behind 8-bit frames: the frame and the same frame at its trunk's
    size (``1×H×W×3`` and ``1×h×w×3 uint8 RGB``, sides multiples of the patch) in, the frame's stylization out."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, frame: torch.Tensor, small: torch.Tensor) -> torch.Tensor:
        x = frame.permute(0, 3, 1, 2).float() * (1.0 / 255.0)
        s = small.permute(0, 3, 1, 2).float() * (1.0 / 255.0)
        y = self.net.paint_frame(x, s) * 255.0
        return y.round().clamp(0.0, 255.0).to(torch.uint8).permute(0, 2, 3, 1)


def is_painter(net: torch.nn.Module) -> bool:
    return hasattr(net, "paint_frame")


def export_frames(net: torch.nn.Module, rounded: bool = True) -> bytes:
    """The ONNX graph of :class:`FrameIO` around an eval-mode image network, dynamic height and width (of
    :class:`PainterFrameIO` around a painter: two frames in, both sizes dynamic)."""
    net = net.to("cpu", torch.float32).eval()
    if is_painter(net):
        buffer = io.BytesIO()
        frame, small = torch.zeros(1, 64, 96, 3, dtype=torch.uint8), torch.zeros(1, 48, 64, 3, dtype=torch.uint8)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(PainterFrameIO(net).eval(), (frame, small), buffer, input_names=["frame", "small"],
                              output_names=["out"], opset_version=17, dynamo=False,
                              dynamic_axes={"frame": {1: "height", 2: "width"}, "small": {1: "sh", 2: "sw"},
                                            "out": {1: "height", 2: "width"}})
        return buffer.getvalue()
    wrapped = FrameIO(net, rounded).eval()
    return _export(wrapped, torch.zeros(1, 64, 64, 3, dtype=torch.uint8), ("frame", "out"), {1: "height", 2: "width"})


def _session(model: bytes, threads: int | None):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or torch.get_num_threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # no busy-waiting between calls: the live loop's capture and display threads need those cores
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


class OnnxNet:
    """An ONNX Runtime session behind the call signature of a TorchScript module (CPU, float32)."""

    def __init__(self, model: bytes, threads: int | None = None, multiple: int = 1,
                 frames_model: bytes | None = None) -> None:
        """``multiple``: the graph wants sides that are multiples of this (the live tier's patch); other
        frames are padded (edge pixels repeated) before it and cropped after, as the network's own
        ``forward`` does (a traced graph cannot keep that data-dependent padding). ``frames_model``: the
        same network's :func:`export_frames` graph, for :meth:`frame`."""
        self.multiple = multiple
        self.session = _session(model, threads)
        self.frames = _session(frames_model, threads) if frames_model is not None else None
        self.painter = self.frames is not None and [i.name for i in self.frames.get_inputs()] == ["frame", "small"]

    def _padded(self, image: np.ndarray) -> np.ndarray:
        """``image`` with its sides padded (edge pixels repeated) to multiples of the graph's patch."""
        import cv2

        ph, pw = -image.shape[0] % self.multiple, -image.shape[1] % self.multiple
        return cv2.copyMakeBorder(image, 0, ph, 0, pw, cv2.BORDER_REPLICATE) if ph or pw else image

    def frame(self, image: np.ndarray, small: np.ndarray | None = None) -> np.ndarray:
        """``H×W×3 uint8 RGB`` → its stylization, the same (through the 8-bit graph when there is one; a graph
        exported with ``rounded=False`` gives ``float32`` on the 0–255 scale). ``small``: a painter's trunk
        input (the frame at the trunk's size, sides multiples of the patch; ``None``: the frame itself)."""

        h, w = image.shape[:2]
        padded = self._padded(image)
        if small is not None or self.painter:
            small = padded if small is None else self._padded(small)
            feed = {"frame": np.ascontiguousarray(padded)[None], "small": np.ascontiguousarray(small)[None]}
            y = self.frames.run(None, feed)[0][0]
            return np.ascontiguousarray(y[:h, :w])
        ph, pw = padded.shape[0] - h, padded.shape[1] - w
        image = padded
        if self.frames is None:
            x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float().div_(255.0)
            y = self(x)[0].mul_(255.0).round_().clamp_(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()
        else:
            y = self.frames.run(None, {"frame": np.ascontiguousarray(image)[None]})[0][0]
        return np.ascontiguousarray(y[:h, :w] if ph or pw else y)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        a = x.detach().float().cpu().numpy()
        h, w = a.shape[2:]
        ph, pw = -h % self.multiple, -w % self.multiple
        if ph or pw:
            a = np.pad(a, ((0, 0), (0, 0), (0, ph), (0, pw)), mode="edge")
        y = self.session.run(None, {"x": np.ascontiguousarray(a)})[0]
        return torch.from_numpy(np.ascontiguousarray(y[:, :, :h, :w]) if ph or pw else y)


class Recoloured:
    """An :class:`OnnxNet` of a picture network whose palette step (:meth:`models.nets.adain.ImageStyleNet.
    palette_step`) runs after it, outside the graph: ONNX has no eigendecomposition. ``frame`` recolours the
    unrounded output of a ``rounded=False`` frames graph in OpenCV (:func:`models.color.recolor_frame`; a
    rounded one would have its rounding steps stretched by the palette's gain), ``__call__`` the float
    output with the network's own ``palette_step``."""

    def __init__(self, net: OnnxNet, picture_net: torch.nn.Module) -> None:
        self.net, self.picture_net = net, picture_net.cpu().float().eval()
        self.mean = picture_net.palette_mean.detach().numpy()
        self.sqrt_cov = picture_net.palette_sqrt_cov.detach().numpy()

    def frame(self, image: np.ndarray) -> np.ndarray:
        from models.color import recolor_frame

        p = self.picture_net
        return recolor_frame(self.net.frame(image), self.mean, self.sqrt_cov, p.palette_min_variance, p.alpha)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return self.picture_net.palette_step(self.net(x))


def load_cached(net: torch.nn.Module, path: Path, rounded: bool = True) -> tuple[OnnxNet, bool]:
    """The session for ``net`` from the ONNX files cached at ``path`` (the float graph) and beside it (the
    frames graph, ``*.frames.onnx``, 8-bit out unless ``rounded`` is False), exporting and caching them on a
    miss (``path`` must differ for the two kinds of frames graph).

    Returns ``(network, from_cache)``.
    """
    multiple = int(getattr(net, "patch", 1))
    frames_path = path.with_name(path.stem + ".frames.onnx")
    if path.is_file() and frames_path.is_file():
        try:
            return OnnxNet(path.read_bytes(), multiple=multiple, frames_model=frames_path.read_bytes()), True
        except Exception:  # noqa: BLE001 - a stale or broken cache entry (ORT raises its own types): rebuild
            path.unlink(missing_ok=True)
            frames_path.unlink(missing_ok=True)
    model, frames = export(net), export_frames(net, rounded)
    for target, data in ((path, model), (frames_path, frames)):
        tmp = target.with_name(f"{target.name}.{os.getpid()}.part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            os.replace(tmp, target)
        except OSError:  # a read-only or full cache only costs start-up time
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
    return OnnxNet(model, multiple=multiple, frames_model=frames), False
