"""Optical flow and warping (OpenCV), and the reliability mask of Ruder et al. (2016).

Flows are ``H×W×2 float32`` (u, v) in pixels. ``flow(a, b)`` gives, for each pixel x of
``a``, where it moved in ``b``: ``a(x) ≈ b(x + flow(x))``. :func:`warp` is the matching
backward warp: ``warp(b, flow)(x) = b(x + flow(x))``, an image aligned with ``a``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from models.errors import UserError

FLOW_METHODS = ("dis", "farneback", "raft")


def to_gray(image: np.ndarray) -> np.ndarray:
    """``H×W×3 uint8 RGB`` → ``H×W uint8`` luma."""
    import cv2

    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image


def raft_weights_path() -> Path:
    """Where torchvision keeps RAFT-large's weights once a user has them (never downloaded here)."""
    import torch
    from torchvision.models.optical_flow import Raft_Large_Weights

    return Path(torch.hub.get_dir()) / "checkpoints" / Raft_Large_Weights.DEFAULT.url.rsplit("/", 1)[1]


class RaftFlow:
    """torchvision's RAFT-large, used only when its weights are already on this machine (e.g. a GPU box)."""

    def __init__(self, weights: Path | None = None, device: str = "auto") -> None:
        import torch
        from torchvision.models.optical_flow import raft_large

        from models.inference.device import resolve_device

        path = weights or raft_weights_path()
        if not path.is_file():
            raise FlowUnavailable(f"RAFT weights not found at {path}; use --flow dis or farneback")
        self.device = resolve_device(device)
        self.model = raft_large(weights=None, progress=False)
        self.model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        self.model.eval().to(self.device)

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        import torch

        def prep(img: np.ndarray) -> torch.Tensor:
            rgb = np.repeat(img[..., None], 3, axis=2) if img.ndim == 2 else img
            return torch.from_numpy(rgb).permute(2, 0, 1)[None].float().div(127.5).sub(1).to(self.device)

        h, w = a.shape[:2]
        # RAFT wants multiples of 8 and at least 128 px per side.
        ph, pw = max(128, -(-h // 8) * 8) - h, max(128, -(-w // 8) * 8) - w
        x, y = (torch.nn.functional.pad(prep(i), (0, pw, 0, ph), mode="replicate") for i in (a, b))
        with torch.inference_mode():
            flow = self.model(x, y, num_flow_updates=12)[-1]
        return np.ascontiguousarray(flow[0, :, :h, :w].permute(1, 2, 0).float().cpu().numpy())


class FlowUnavailable(UserError):
    """A flow method this machine cannot run."""


class FlowEstimator:
    """Dense flow between frames: OpenCV DIS (default, ``medium`` preset as in QUALITY.md), Farnebäck,
    or RAFT when its weights are present."""

    def __init__(self, method: str = "dis", preset: str = "medium") -> None:
        import cv2

        if method not in FLOW_METHODS:
            raise ValueError(f"unknown flow method {method!r} (choose from {', '.join(FLOW_METHODS)})")
        self.method = method
        if method == "raft":
            self._raft = RaftFlow()
        if method == "dis":
            presets = {"ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST, "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
                       "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}
            self._dis = cv2.DISOpticalFlow_create(presets[preset])

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        import cv2

        if self.method == "raft":
            return self._raft(a, b)
        a, b = to_gray(a), to_gray(b)
        if self.method == "dis":
            return self._dis.calc(a, b, None)
        return cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 4, 15, 3, 5, 1.2, 0)


@functools.lru_cache(maxsize=8)
def _pixel_grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel x and y coordinates, ``H×W`` float32 each (read-only: shared between calls)."""
    grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    grid_x.flags.writeable = grid_y.flags.writeable = False
    return grid_x, grid_y


def warp(image: np.ndarray, flow: np.ndarray, border: int | None = None, cubic: bool = False) -> np.ndarray:
    """Backward warp: ``out(x) = image(x + flow(x))`` (bilinear, or bicubic: less blur when an image is
    warped again and again; edges replicated)."""
    import cv2

    grid_x, grid_y = _pixel_grid(*flow.shape[:2])
    map_x, map_y = grid_x + flow[..., 0], grid_y + flow[..., 1]
    mode = cv2.BORDER_REPLICATE if border is None else border
    return cv2.remap(image, map_x, map_y, interpolation=cv2.INTER_CUBIC if cubic else cv2.INTER_LINEAR,
                     borderMode=mode)


def reliable_mask(forward: np.ndarray, backward: np.ndarray) -> np.ndarray:
    """Pixels of frame t whose flow to t+1 is trustworthy (Ruder et al. 2016), ``H×W bool``.

    ``forward``: flow t→t+1; ``backward``: flow t+1→t. A pixel is unreliable when the
    forward–backward check fails, ``|w + ŵ|² > 0.01(|w|² + |ŵ|²) + 0.5`` with ŵ the backward
    flow sampled at x + w(x) (occlusion), or when it sits on a motion boundary,
    ``|∇u|² + |∇v|² > 0.01|w|² + 0.002``. The derivatives are ``np.gradient``'s (central differences,
    one-sided at the edges); the arithmetic runs in OpenCV (at 854×480, 5× faster than in numpy).
    """
    import cv2

    back_at = warp(backward, forward)
    sq_f, sq_b = _squared_norm(forward), _squared_norm(back_at)
    fb = _squared_norm(cv2.add(forward, back_at)) > cv2.addWeighted(sq_f, 0.01, sq_b, 0.01, 0.5)
    boundary = _gradient_energy(forward) > cv2.addWeighted(sq_f, 0.01, sq_f, 0.0, 0.002)
    return ~(fb | boundary)


def _squared_norm(flow: np.ndarray) -> np.ndarray:
    """``u² + v²`` of an ``H×W×2 float32`` field, ``H×W float32``."""
    import cv2

    u, v = cv2.split(flow)
    return cv2.add(cv2.multiply(u, u), cv2.multiply(v, v))


def _gradient_energy(flow: np.ndarray) -> np.ndarray:
    """``|∇u|² + |∇v|²`` with ``np.gradient``'s differences: central inside, one-sided on the first and last
    row and column (frames of at least 2×2 px)."""
    import cv2

    dx = cv2.Sobel(flow, cv2.CV_32F, 1, 0, ksize=1, scale=0.5, borderType=cv2.BORDER_REPLICATE)
    dy = cv2.Sobel(flow, cv2.CV_32F, 0, 1, ksize=1, scale=0.5, borderType=cv2.BORDER_REPLICATE)
    dx[:, 0], dx[:, -1] = flow[:, 1] - flow[:, 0], flow[:, -1] - flow[:, -2]  # replicated edge: half the step
    dy[0], dy[-1] = flow[1] - flow[0], flow[-1] - flow[-2]
    return cv2.add(_squared_norm(dx), _squared_norm(dy))


def inside_frame(flow: np.ndarray) -> np.ndarray:
    """Pixels whose backward flow lands inside the other frame (``x + flow(x)`` within its bounds),
    ``H×W bool``: the rest moved in from outside and have nothing to be warped from."""
    h, w = flow.shape[:2]
    grid_x, grid_y = _pixel_grid(h, w)
    x, y = grid_x + flow[..., 0], grid_y + flow[..., 1]
    return (x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)


def resize_flow(flow: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a flow field to ``size`` = (width, height), scaling the vectors with it."""
    import cv2

    h, w = flow.shape[:2]
    out = cv2.resize(flow, size, interpolation=cv2.INTER_LINEAR)
    out[..., 0] *= size[0] / w
    out[..., 1] *= size[1] / h
    return out
