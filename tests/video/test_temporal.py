"""Temporal consistency (video.temporal): the blend, texture restoration and the smoothers."""

import numpy as np
import pytest

from tests.video.conftest import shift
from video.device_smoother import live_smoother
from video.temporal import (
    LOW_PASS_HALF_MIN_SIDE,
    TemporalSmoother,
    blend_weight,
    blend_with_previous,
    restore_texture,
)


def detail_energy(image):
    import cv2

    f = image.astype(np.float32)
    return float(((f - cv2.GaussianBlur(f, (0, 0), 3.0)) ** 2).mean())


def stroke_frames(texture, n, seed=2):
    """Stylizations of a still scene whose fine strokes differ from frame to frame: what a
    feed-forward network does to a video (the base picture stays, the strokes flicker)."""
    import cv2

    rng = np.random.default_rng(seed)
    base = cv2.GaussianBlur(texture, (0, 0), 3.0).astype(np.float32)
    for _ in range(n):
        strokes = cv2.GaussianBlur(rng.normal(0, 60, texture.shape[:2]).astype(np.float32), (0, 0), 1.5)
        yield np.clip(base + strokes[..., None], 0, 255).astype(np.uint8)


def test_blend_against_formula():
    a = np.full((2, 2, 3), 100, np.uint8)
    b = np.full((2, 2, 3), 200, np.uint8)
    w = np.array([[0.0, 0.5], [1.0, 0.25]], np.float32)
    out = blend_with_previous(a, b, w)
    np.testing.assert_array_equal(out[..., 0], [[100, 150], [200, 125]])


def test_feature_live_smoother_reduces_flicker_on_a_still_scene(texture):
    rng = np.random.default_rng(1)
    smoother = live_smoother()
    raw, smooth = [], []
    for _ in range(12):
        stylized = np.clip(texture.astype(int) + rng.integers(-30, 30, texture.shape), 0, 255).astype(np.uint8)
        raw.append(stylized.astype(float))
        smooth.append(smoother(texture, stylized).astype(float))
    flicker = lambda seq: np.mean([np.abs(b - a).mean() for a, b in zip(seq[4:], seq[5:])])  # noqa: E731
    assert flicker(smooth) < 0.6 * flicker(raw)


@pytest.mark.parametrize("cubic", [True, False])
def test_live_smoother_follows_motion_without_smearing(texture, cubic):
    smoother = live_smoother()
    smoother.cubic = cubic
    smoother(texture, texture)
    moved = shift(texture, 5, 0)
    out = smoother(moved, moved)  # the stylization equals the frame: a good warp changes nothing
    inner = (slice(20, -20), slice(20, -20))
    assert np.abs(out[inner].astype(int) - moved[inner]).mean() < 4


def test_blend_weight_is_the_closed_form_minimiser():
    # argmin_o (o - s)^2 + lam * m * (o - w)^2  =  (s + lam*m*w) / (1 + lam*m)
    s, w, lam = 10.0, 50.0, 4.0
    for m in (0.0, 1.0):
        weight = blend_weight(np.array([[m]]), lam)[0, 0]
        assert (1 - weight) * s + weight * w == pytest.approx((s + lam * m * w) / (1 + lam * m))


def test_full_resolution_smoother_matches_strength():
    smoother = TemporalSmoother(strength=0.8, method="farneback", preset="medium", flow_width=None)
    assert smoother.lam == pytest.approx(4.0)


def test_smoother_keeps_the_stroke_texture_that_a_plain_blend_averages_away(texture):
    flicker = lambda seq: np.mean([np.abs(b.astype(float) - a).mean() for a, b in zip(seq[4:], seq[5:])])  # noqa: E731
    frames = list(stroke_frames(texture, 12))
    results = {}
    for keep in (False, True):
        smoother = TemporalSmoother(strength=0.8, flow_width=None, keep_texture=keep)
        results[keep] = [smoother(texture, s) for s in frames]
    single = np.mean([detail_energy(f) for f in frames[4:]])
    plain = np.mean([detail_energy(f) for f in results[False][4:]])
    kept = np.mean([detail_energy(f) for f in results[True][4:]])
    assert plain < 0.6 * single  # the plain blend averages the strokes away
    assert 0.85 * single < kept < 1.3 * single
    assert flicker(results[True]) < 0.6 * flicker(frames)


def test_restore_texture_leaves_an_unblended_frame_alone_and_never_removes_detail(texture):
    frame = next(stroke_frames(texture, 1))
    assert np.array_equal(restore_texture(frame, frame), frame)
    import cv2

    soft = cv2.GaussianBlur(frame, (0, 0), 1.5)
    restored = restore_texture(soft, frame)
    assert detail_energy(soft) < detail_energy(restored) <= 1.2 * detail_energy(frame)
    assert np.abs(cv2.GaussianBlur(restored, (0, 0), 4).astype(int) - cv2.GaussianBlur(soft, (0, 0), 4)).mean() < 3


def test_smoother_takes_the_new_stylization_where_the_scene_entered_the_frame(texture):
    smoother = TemporalSmoother(strength=0.9, flow_width=None)
    dark = np.zeros_like(texture)
    smoother(texture, dark)
    moved = np.zeros_like(texture)
    moved[:, 6:] = texture[:, :-6]  # the camera pans: 6 new columns on the left
    moved[:, :6] = texture[:, -6:]
    bright = np.full_like(texture, 200)
    out = smoother(moved, bright)
    assert np.abs(out[10:-10, :4].astype(int) - 200).max() <= 2  # nothing to warp from: the new frame
    assert out[20:-20, 30:-30].mean() < 60  # the rest follows the previous (dark) output


def full_resolution_restore_texture(blended, current, sigma=3.0, max_gain=3.0):
    """restore_texture's formula computed directly: float32 images, energies blurred at full size."""
    import cv2

    blur = lambda x, s: cv2.GaussianBlur(x, (0, 0), s, borderType=cv2.BORDER_REFLECT)  # noqa: E731
    b, c = blended.astype(np.float32), current.astype(np.float32)
    low_b = blur(b, sigma)
    detail_b, detail_c = b - low_b, c - blur(c, sigma)
    energy_b = blur((detail_b * detail_b).sum(axis=-1), 4 * sigma)
    energy_c = blur((detail_c * detail_c).sum(axis=-1), 4 * sigma)
    gain = np.clip(np.sqrt((energy_c + 1e-3) / (energy_b + 1e-3)), 1.0, max_gain)
    return np.clip(low_b + detail_b * gain[..., None] + 0.5, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("name, size", [("astronaut", (640, 480)), ("coffee", (640, 480)), ("chelsea", (160, 120)),
                                        ("astronaut", (64, 48)), ("coffee", (1280, 720))])
def test_restore_texture_against_the_full_resolution_formula_on_photos(name, size):
    import cv2
    from skimage import data

    photo = cv2.resize(getattr(data, name)(), size, interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(0)
    strokes = cv2.GaussianBlur(rng.normal(0, 40, photo.shape[:2]).astype(np.float32), (0, 0), 1.2)
    current = np.clip(photo + strokes[..., None], 0, 255).astype(np.uint8)  # a stylization: photo and strokes
    previous = cv2.GaussianBlur(np.roll(current, 3, axis=1), (0, 0), 1.0)  # last output, warped and softened
    blended = blend_with_previous(current, previous, np.full(photo.shape[:2], 0.6, np.float32))
    expected = full_resolution_restore_texture(blended, current)
    got = restore_texture(blended, current)
    diff = np.abs(got.astype(int) - expected)
    if min(size) < LOW_PASS_HALF_MIN_SIDE:
        assert diff.max() <= 1 and diff.mean() < 0.01  # rounding: energies at half size, OpenCV's round-half-even
    else:  # the low-pass at half size too (720p: measured mean 0.1, max 2 levels)
        assert diff.max() <= 3 and diff.mean() < 0.2
    assert np.abs(got.astype(int) - blended).mean() > 1  # and the texture was restored at all


def test_smoother_continues_from_its_previous_output_when_the_flow_width_changes(texture):
    import cv2

    smoother = TemporalSmoother(strength=0.9, flow_width=160)
    big = cv2.resize(texture, (320, 240), interpolation=cv2.INTER_LINEAR)
    smoother(big, np.zeros_like(big))
    smoother.flow_width = 96  # the live loop's smoothing stepped down between two frames
    out = smoother(shift(big, 2, 0), np.full_like(big, 200))
    assert out[30:-30, 30:-30].mean() < 60  # blended with the previous (dark) output, not started afresh


def test_feature_motion_then_apply_is_the_call_and_both_directions_at_once_change_nothing(texture):
    frames = [shift(texture, 2 * i, i) for i in range(5)]
    rng = np.random.default_rng(3)
    stylized = [np.clip(f.astype(int) + rng.integers(-30, 30, f.shape), 0, 255).astype(np.uint8) for f in frames]
    one = TemporalSmoother(strength=0.6, preset="medium", flow_width=None)
    split = TemporalSmoother(strength=0.6, preset="medium", flow_width=None, both_directions_at_once=True)
    motions = [split.motion(f) for f in frames]  # all ahead of time, as render's pipeline may
    assert motions[0] is None and all(m.back.shape == texture.shape[:2] + (2,) for m in motions[1:])
    for f, s, m in zip(frames, stylized, motions):
        assert np.array_equal(one(f, s), split.apply(s, m))
