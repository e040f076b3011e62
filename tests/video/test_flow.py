"""Optical flow (video.flow): known shifts recovered, warping, reliability and resizing of flow fields."""

import numpy as np
import pytest

from tests.video.conftest import shift
from video.flow import FlowEstimator, inside_frame, reliable_mask, resize_flow, warp


@pytest.mark.parametrize("method", ["dis", "farneback"])
def test_flow_recovers_a_known_shift(texture, method):
    moved = shift(texture, 3, -2)  # content moves right 3, up 2
    flow = FlowEstimator(method)(texture, moved)
    inner = flow[20:-20, 20:-20]
    assert np.median(inner[..., 0]) == pytest.approx(3, abs=0.3)
    assert np.median(inner[..., 1]) == pytest.approx(-2, abs=0.3)


def test_warp_against_formula():
    img = np.arange(5 * 6, dtype=np.float32).reshape(5, 6)
    flow = np.zeros((5, 6, 2), np.float32)
    flow[..., 0] = 1.0
    out = warp(img, flow)
    np.testing.assert_allclose(out[:, :-1], img[:, 1:])


def test_warping_the_next_frame_back_aligns_it(texture):
    moved = shift(texture, 4, 1)
    flow = FlowEstimator("dis")(texture, moved)
    aligned = warp(moved, flow)
    inner = (slice(15, -15), slice(15, -15))
    assert np.abs(aligned[inner].astype(int) - texture[inner]).mean() < 4
    assert np.abs(moved[inner].astype(int) - texture[inner]).mean() > 15


def test_reliable_mask_flags_inconsistent_flow():
    fwd = np.zeros((20, 20, 2), np.float32)
    bwd = np.zeros((20, 20, 2), np.float32)
    assert reliable_mask(fwd, bwd).all()
    bwd[5:10, 5:10] = 5.0  # the way back disagrees: occluded
    mask = reliable_mask(fwd, bwd)
    assert not mask[5:10, 5:10].any() and mask[15:, 15:].all()


def test_resize_flow_scales_vectors():
    flow = np.ones((10, 20, 2), np.float32)
    big = resize_flow(flow, (40, 30))
    assert big.shape == (30, 40, 2)
    np.testing.assert_allclose(big[..., 0], 2.0)
    np.testing.assert_allclose(big[..., 1], 3.0)


def test_raft_without_weights_is_a_clear_error(tmp_path, monkeypatch):
    from video.flow import FlowUnavailable

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(FlowUnavailable, match="RAFT weights not found"):
        FlowEstimator("raft")


def test_raft_runs_when_weights_are_present(tmp_path, texture):
    import torch
    from torchvision.models.optical_flow import raft_large

    from video.flow import RaftFlow

    weights = tmp_path / "raft.pth"
    torch.manual_seed(0)
    torch.save(raft_large(weights=None).state_dict(), weights)  # untrained: checks the plumbing, not accuracy
    flow = RaftFlow(weights, device="cpu")(texture[:44, :60], texture[:44, :60])  # padded to RAFT's minimum
    assert flow.shape == (44, 60, 2) and flow.dtype == np.float32 and np.isfinite(flow).all()


def test_inside_frame_marks_pixels_that_moved_in_from_outside():
    flow = np.zeros((10, 12, 2), np.float32)
    flow[..., 0] = -3.0  # each pixel was 3 px further left in the other frame
    inside = inside_frame(flow)
    assert not inside[:, :3].any() and inside[:, 3:].all()
