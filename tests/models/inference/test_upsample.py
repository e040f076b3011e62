"""Edge-aware upsampling (models.inference.upsample): the frame's edges survive where bilinear blurs them."""

import numpy as np
import pytest
import torch

from models.inference.upsample import guided_upsample, guided_upsample_tensor


def edge_width(row: np.ndarray) -> int:
    """The 10–90 % rise width, in pixels, of a monotonic step profile."""
    r = row.astype(float)
    lo, hi = r.min(), r.max()
    return int(np.sum((r > lo + 0.1 * (hi - lo)) & (r < lo + 0.9 * (hi - lo))))


def step_frame(h: int = 120, w: int = 160, at: int = 81) -> np.ndarray:
    frame = np.full((h, w, 3), 40, np.uint8)
    frame[:, at:] = (220, 200, 180)
    return frame


def small_of(frame: np.ndarray, factor: int) -> np.ndarray:
    import cv2

    h, w = frame.shape[:2]
    return cv2.resize(frame, (w // factor, h // factor), interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("factor", [2, 4])
def test_feature_a_step_edge_of_the_frame_stays_sharp_where_bilinear_blurs_it(factor):
    import cv2

    frame = step_frame()
    small = small_of(frame, factor)
    stylized = np.ascontiguousarray(255 - small[..., ::-1])  # a "stylization": other colours, same layout
    guided = guided_upsample(stylized, small, frame)
    bilinear = cv2.resize(stylized, frame.shape[1::-1], interpolation=cv2.INTER_LINEAR)
    row = frame.shape[0] // 2
    assert edge_width(guided[row, :, 0]) <= 1
    assert edge_width(bilinear[row, :, 0]) >= factor
    # and the colours are the stylization's on both sides of the edge, not the frame's
    assert abs(int(guided[row, 5, 0]) - int(stylized[row // factor, 1, 0])) <= 3
    assert abs(int(guided[row, -5, 2]) - int(stylized[row // factor, -2, 2])) <= 3


def test_cardinality_output_has_the_guides_size_and_dtype():
    frame = step_frame(90, 130)
    small = small_of(frame, 2)
    out = guided_upsample(small, small, frame)
    assert out.shape == frame.shape and out.dtype == np.uint8 and out.flags.c_contiguous


def test_exception_the_stylization_and_its_guide_must_match():
    frame = step_frame()
    with pytest.raises(ValueError, match="differ in size"):
        guided_upsample(small_of(frame, 2), small_of(frame, 4), frame)


def test_against_torch_the_two_implementations_agree_on_a_photo():
    import cv2
    from skimage import data

    frame = cv2.resize(data.astronaut(), (160, 120), interpolation=cv2.INTER_AREA)
    small = small_of(frame, 2)
    stylized = np.ascontiguousarray(np.roll(small, 3, axis=-1))

    def t(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1)[None].float() / 255

    ours = guided_upsample(stylized, small, frame).astype(float)
    theirs = (guided_upsample_tensor(t(stylized), t(small), t(frame))[0].permute(1, 2, 0).numpy() * 255)
    assert np.abs(ours - theirs).mean() < 1.0  # the OpenCV path rounds the luma to 8 bits


def test_feature_the_stylizer_upscales_edge_aware_below_the_frames_size(tmp_path):
    """A network run at half the frame's size: the finished frame jumps at the frame's step edge, where a
    bilinear upscale of the same network output ramps over several pixels."""
    import cv2

    from models.inference.registry import save_style
    from models.inference.runtime import Stylizer
    from models.nets.transformer import TIERS, build_network

    torch.manual_seed(0)
    path = save_style(build_network(TIERS["fast"]), {"name": "f"}, tmp_path / "f.safetensors")
    frame = step_frame()
    stylizer = Stylizer(path, device="cpu", model_size=60)
    out = stylizer(frame).astype(int)
    small_out = stylizer.stylize_small(frame)[1]
    bilinear = cv2.resize(small_out, frame.shape[1::-1], interpolation=cv2.INTER_LINEAR).astype(int)
    assert out.shape == frame.shape

    def jump(img: np.ndarray) -> float:  # the step across the frame's edge (columns 80 → 81), over all rows
        return float(np.abs(img[:, 81] - img[:, 80]).mean())

    assert jump(out) > 2 * jump(bilinear)
