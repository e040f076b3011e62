"""The temporal warping error (video.metrics, QUALITY.md): against its formula, zero for a consistent output,
high for flicker, and clear errors for mismatched videos."""

from __future__ import annotations

import numpy as np
import pytest

from tests.video.media import moving_frame
from video.metrics import frame_error, warping_errors


def test_frame_error_against_the_formula():
    a = np.zeros((8, 8, 3), np.uint8)
    b = np.full((8, 8, 3), 51, np.uint8)  # 0.2 in [0, 1] units on each channel
    still = np.zeros((8, 8, 2), np.float32)
    mask = np.zeros((8, 8), bool)
    mask[:4] = True
    assert frame_error(a, b, still, mask) == pytest.approx(3 * 0.2**2, rel=1e-3)  # channels summed, masked mean


def test_feature_a_consistent_output_has_a_lower_error_than_a_flickering_one():
    inputs = [moving_frame(i, (96, 72)) for i in range(6)]
    consistent = [255 - f for f in inputs]  # follows the motion exactly
    rng = np.random.default_rng(0)
    flicker = [np.clip(f.astype(int) + rng.integers(-40, 40, f.shape), 0, 255).astype(np.uint8) for f in consistent]
    good, own, pairs = warping_errors(inputs, consistent)
    bad, _, _ = warping_errors(inputs, flicker)
    assert pairs == 5 and good < 0.5 * bad and good == pytest.approx(own, rel=0.5)


def test_exception_videos_of_other_lengths_or_sizes_are_refused():
    frames = [moving_frame(i) for i in range(3)]
    with pytest.raises(ValueError, match="fewer frames"):
        warping_errors(frames, frames[:2])
    with pytest.raises(ValueError, match="more frames"):
        warping_errors(frames[:2], frames)
    with pytest.raises(ValueError, match="sizes differ"):
        warping_errors(frames, [f[:, :32] for f in frames])
    with pytest.raises(ValueError, match="two frames"):
        warping_errors(frames[:1], frames[:1])
