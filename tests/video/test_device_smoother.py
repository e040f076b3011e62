"""The GPU smoother's maths against the CPU one (run on the CPU here; on CUDA where there is one)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from video.device_smoother import DeviceSmoother, blur, gaussian_kernel, live_smoother
from video.temporal import TemporalSmoother

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA"))]


def frames_and_stylizations(n: int = 8, size=(320, 240)):
    """A photo panning 2 px a frame, and a 'stylization' of each frame whose strokes flicker frame to frame."""
    from skimage import data

    photo = cv2.resize(data.astronaut(), (size[0] + 2 * n, size[1]), interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(0)
    for t in range(n):
        frame = np.ascontiguousarray(photo[:, 2 * t: 2 * t + size[0]])
        strokes = cv2.GaussianBlur(rng.normal(0, 30, frame.shape[:2]).astype(np.float32), (0, 0), 1.2)
        yield frame, np.clip(frame + strokes[..., None], 0, 255).astype(np.uint8)


def test_the_gaussian_kernel_is_opencvs():
    for sigma in (1.5, 3.0, 6.0):
        want = cv2.getGaussianKernel(int(round(sigma * 8 + 1)) | 1, sigma, cv2.CV_32F).ravel()
        np.testing.assert_allclose(gaussian_kernel(sigma, torch.device("cpu")).numpy(), want, atol=1e-6)
    image = np.random.default_rng(1).uniform(0, 255, (40, 50, 3)).astype(np.float32)
    got = blur(torch.from_numpy(image).permute(2, 0, 1)[None], 2.0)[0].permute(1, 2, 0).numpy()
    want = cv2.GaussianBlur(image, (0, 0), 2.0, borderType=cv2.BORDER_REFLECT_101)
    np.testing.assert_allclose(got[4:-4, 4:-4], want[4:-4, 4:-4], atol=1e-3)  # the inside: the same filter


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("cubic, keep_texture", [(True, True), (False, True), (False, False)])
def test_the_device_smoother_draws_what_the_cpu_smoother_draws(device, cubic, keep_texture):
    cpu = TemporalSmoother(strength=0.6, flow_width=160, cubic=cubic, keep_texture=keep_texture)
    dev = DeviceSmoother(device, strength=0.6, flow_width=160, cubic=cubic, keep_texture=keep_texture)
    diffs, flicker = [], {"raw": [], "dev": []}
    last = {}
    for frame, stylized in frames_and_stylizations():
        a, b = cpu(frame, stylized), dev(frame, stylized)
        assert b.shape == a.shape and b.dtype == np.uint8 and b.flags.c_contiguous
        diffs.append(np.abs(a.astype(int) - b))
        for key, img in (("raw", stylized), ("dev", b)):
            if key in last:  # frame-to-frame change where the scene only moved 2 px: flicker
                flicker[key].append(np.abs(img[:, :-2].astype(int) - last[key][:, 2:]).mean())
            last[key] = img
    diff = np.stack(diffs)
    assert diff.mean() < 1.0 and np.percentile(diff, 99) <= 8, (diff.mean(), np.percentile(diff, 99))
    assert np.mean(flicker["dev"]) < 0.7 * np.mean(flicker["raw"])  # and it does smooth


def test_live_smoothing_takes_the_gpu_where_the_network_is_on_one():
    assert isinstance(live_smoother(torch.device("cuda")), DeviceSmoother)
    assert type(live_smoother(torch.device("cpu"))) is TemporalSmoother
    assert type(live_smoother()) is TemporalSmoother
