"""Temporal smoothing with its full-resolution half on a GPU: the same maths as :mod:`video.temporal`.

The flow stays where it is cheap, ultrafast DIS on the CPU at the flow's small size, with its
reliability checks; the weight and the flow are scaled up, the previous output warped
(``grid_sample``), blended and its texture restored on the device, in float32 (0–255, rounded
to whole levels like the 8-bit original, so that a long run drifts the same way). The previous
output stays on the device between frames. On two CPU cores the whole smoother costs 85–89 ms a
1080p frame, 82 ms of it in this half; on an H200 this half costs 4.0 ms and the whole call 7.5 ms
(``scripts/device/profile_1080p.py``, 2026-12-04).
"""

from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn.functional as F

from video.temporal import ENERGY_MIN_SIDE, TemporalSmoother


@functools.lru_cache(maxsize=16)
def gaussian_kernel(sigma: float, device: torch.device) -> torch.Tensor:
    """OpenCV's ``getGaussianKernel(round(8σ + 1) | 1, σ)``: the same taps, normalised, float32 (made once
    per σ and device: three are needed every frame)."""
    size = int(round(sigma * 8 + 1)) | 1
    x = torch.arange(size, dtype=torch.float32, device=device) - (size - 1) / 2
    k = torch.exp(-(x * x) / (2 * sigma * sigma))
    return k / k.sum()


def blur(image: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of ``N×C×H×W`` float images, the borders mirrored."""
    k = gaussian_kernel(sigma, image.device)
    c, r = image.shape[1], k.numel() // 2
    h, w = image.shape[-2:]
    if r >= min(h, w):  # too small to mirror that far
        mode = "replicate"
    else:
        mode = "reflect"
    x = F.conv2d(F.pad(image, (r, r, 0, 0), mode=mode), k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(F.pad(x, (0, 0, r, r), mode=mode), k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


def detail_energy(detail: torch.Tensor, sigma: float) -> torch.Tensor:
    """The detail layer's squared norm over colour, blurred by ``sigma`` (at half size, σ halved, on frames
    of :data:`video.temporal.ENERGY_MIN_SIDE` px and more): ``N×1×H'×W'``."""
    energy = (detail * detail).sum(dim=1, keepdim=True)
    h, w = energy.shape[-2:]
    if min(h, w) < ENERGY_MIN_SIDE:
        return blur(energy, sigma)
    return blur(F.interpolate(energy, size=(h // 2, w // 2), mode="area"), sigma / 2)


def restore_texture(blended: torch.Tensor, current: torch.Tensor, sigma: float = 3.0, max_gain: float = 3.0
                    ) -> torch.Tensor:
    """:func:`video.temporal.restore_texture` on ``N×3×H×W`` float tensors in 0–255, rounded to whole levels."""
    low_b = blur(blended, sigma)
    detail_b = blended - low_b
    energy_b = detail_energy(detail_b, 4 * sigma)
    energy_c = detail_energy(current - blur(current, sigma), 4 * sigma)
    gain = torch.sqrt((energy_c + 1e-3) / (energy_b + 1e-3)).clamp_(1.0, max_gain)
    if gain.shape[-2:] != blended.shape[-2:]:
        gain = F.interpolate(gain, size=blended.shape[-2:], mode="bilinear", align_corners=False)
    return (low_b + detail_b * gain).round_().clamp_(0, 255)


def warp(image: torch.Tensor, flow: torch.Tensor, cubic: bool) -> torch.Tensor:
    """Backward warp ``out(x) = image(x + flow(x))`` of ``1×C×H×W`` by a ``1×2×H×W`` flow in pixels, the
    edges replicated (:func:`video.flow.warp`)."""
    _, _, h, w = image.shape
    ys = torch.arange(h, dtype=torch.float32, device=image.device).view(h, 1)
    xs = torch.arange(w, dtype=torch.float32, device=image.device).view(1, w)
    x = (xs + flow[0, 0]) * (2.0 / max(w - 1, 1)) - 1.0
    y = (ys + flow[0, 1]) * (2.0 / max(h - 1, 1)) - 1.0
    grid = torch.stack([x, y], dim=-1).unsqueeze(0)
    out = F.grid_sample(image, grid, mode="bicubic" if cubic else "bilinear", padding_mode="border",
                        align_corners=True)
    return out.clamp_(0, 255) if cubic else out


class DeviceSmoother(TemporalSmoother):
    """:class:`~video.temporal.TemporalSmoother` whose warp, blend and texture restoration run on ``device``;
    frames in and out are ``H×W×3 uint8`` as before."""

    def __init__(self, device: torch.device | str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.device = torch.device(device)

    def _upload(self, image: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(image)).to(self.device).permute(2, 0, 1)[None].float()

    @staticmethod
    def _download(image: torch.Tensor) -> np.ndarray:
        # HWC made contiguous on the device (the CPU's strided copy of a 1080p frame: ~18 ms on an H200's host)
        return image[0].to(torch.uint8).permute(1, 2, 0).contiguous().cpu().numpy()

    def _has_previous(self, shape: tuple[int, ...]) -> bool:
        return self._prev_out is not None and tuple(self._prev_out.shape[2:]) + (self._prev_out.shape[1],) == shape

    def _first(self, stylized: np.ndarray) -> np.ndarray:
        self._prev_out = self._upload(stylized)
        return stylized

    def prime(self, frame: np.ndarray, output: np.ndarray) -> None:
        super().prime(frame, output)
        self._prev_out = self._upload(output)

    @torch.inference_mode()
    def _blend(self, stylized: np.ndarray, back: np.ndarray, weight: np.ndarray) -> np.ndarray:
        h, w = stylized.shape[:2]
        current = self._upload(stylized)
        wt = torch.from_numpy(np.ascontiguousarray(weight, dtype=np.float32)).to(self.device)[None, None]
        flow = torch.from_numpy(np.ascontiguousarray(back, dtype=np.float32)).to(self.device).permute(2, 0, 1)[None]
        if wt.shape[-2:] != (h, w):
            fh, fw = wt.shape[-2:]
            wt = F.interpolate(wt, size=(h, w), mode="bilinear", align_corners=False)
            flow = F.interpolate(flow, size=(h, w), mode="bilinear", align_corners=False)
            flow = flow * torch.tensor([w / fw, h / fh], device=self.device).view(1, 2, 1, 1)
        out = torch.lerp(current, warp(self._prev_out, flow, self.cubic), wt).round_()
        if self.keep_texture:
            out = restore_texture(out, current)
        self._prev_out = out
        return self._download(out)


def live_smoother(device=None) -> TemporalSmoother:
    """Cheap enough for the live loop: ultrafast DIS on a 160 px wide copy; on a CUDA ``device`` the
    full-resolution warp, blend and texture restoration run there (:class:`DeviceSmoother`;
    the whole smoother costs 89 ms a 1080p frame on two CPU cores)."""
    if device is not None and getattr(device, "type", str(device)) == "cuda":
        return DeviceSmoother(device, strength=0.6, method="dis", preset="ultrafast", flow_width=160)
    return TemporalSmoother(strength=0.6, method="dis", preset="ultrafast", flow_width=160)
