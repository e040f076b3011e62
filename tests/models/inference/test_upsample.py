"""The scale-up of a small stylization (models.inference.upsample): the stylization's strokes scaled, nothing of
the photo added (the guided filter it replaced painted the photo's edges over a wash of the painting's colours)."""

import numpy as np
import pytest
import torch

from models.inference.upsample import upscale, upscale_tensor


def step_frame(h: int = 120, w: int = 160, at: int = 81) -> np.ndarray:
    frame = np.full((h, w, 3), 40, np.uint8)
    frame[:, at:] = (220, 200, 180)
    return frame


def strokes(h: int = 60, w: int = 80, seed: int = 0) -> np.ndarray:
    """A small "stylization": random strokes of a few pixels."""
    import cv2

    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.uniform(0, 255, (h, w, 3)).astype(np.float32), (0, 0), 0.8)
    return np.clip((noise - 128) * 3 + 128, 0, 255).astype(np.uint8)


def test_cardinality_output_has_the_asked_size_and_dtype():
    out = upscale(strokes(), (90, 130))
    assert out.shape == (90, 130, 3) and out.dtype == np.uint8 and out.flags.c_contiguous


def test_against_a_formula_a_flat_stylization_stays_flat():
    flat = np.full((30, 40, 3), (10, 200, 90), np.uint8)
    assert (upscale(flat, (60, 80)) == np.array((10, 200, 90), np.uint8)).all()


def test_feature_the_strokes_survive_where_a_bilinear_upscale_softens_them():
    import cv2

    from models.quality import detail

    small = strokes()
    ours = upscale(small, (120, 160))
    bilinear = cv2.resize(small, (160, 120), interpolation=cv2.INTER_LINEAR)
    assert detail(ours) > 1.15 * detail(bilinear)


def test_against_torch_the_two_implementations_agree():
    small = strokes()
    ours = upscale(small, (90, 120)).astype(float)
    t = torch.from_numpy(small).permute(2, 0, 1)[None].float() / 255
    theirs = upscale_tensor(t, (90, 120))[0].permute(1, 2, 0).numpy() * 255
    assert np.abs(ours - theirs).mean() < 1.0  # the same cubic; OpenCV rounds to 8 bits and treats borders its way


@pytest.mark.parametrize("backend", ["eager", "auto"])
def test_feature_the_stylizer_adds_nothing_of_the_photo_below_the_frames_size(tmp_path, backend):
    """A network run at half the frame's size: the finished frame is its output scaled up, so the photo's step
    edge shows only as much as the network painted it (the guided filter pasted the frame's edge back in)."""
    from models.inference.registry import save_style
    from models.inference.runtime import Stylizer
    from models.nets.transformer import TIERS, build_network

    torch.manual_seed(0)
    path = save_style(build_network(TIERS["fast"]), {"name": "f"}, tmp_path / "f.safetensors")
    frame = step_frame()
    stylizer = Stylizer(path, device="cpu", model_size=60, compiled=backend != "eager")
    small_out = stylizer.stylize_small(frame)[1]
    assert small_out.shape[:2] == (60, 80)
    assert np.array_equal(stylizer(frame), upscale(small_out, frame.shape[:2]))
