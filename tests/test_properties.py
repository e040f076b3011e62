"""Property-based tests (hypothesis) of the pure functions that untrusted input reaches."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from models.color import blend, preserve_color, rgb_to_ycbcr, ycbcr_to_rgb
from models.errors import UserError
from models.images import to_tensor, to_uint8
from models.inference.registry import StyleError, parse_blend
from realtime.hotkeys import BINDINGS, action_for
from realtime.sources import parse_size
from video.flow import reliable_mask, warp
from video.temporal import blend_weight, blend_with_previous

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def images(max_side: int = 24):
    shape = st.tuples(st.integers(1, max_side), st.integers(1, max_side), st.just(3))
    return arrays(np.uint8, shape)


@FAST
@given(images())
def test_frame_conversion_round_trip(image):
    t = to_tensor(image)
    assert t.shape == (1, 3, *image.shape[:2]) and 0.0 <= t.min() and t.max() <= 1.0
    np.testing.assert_array_equal(to_uint8(t), image)


@FAST
@given(images(), st.floats(0.0, 1.0))
def test_strength_blend_stays_between_photo_and_style(image, strength):
    a = to_tensor(image)
    b = to_tensor(255 - image)
    out = blend(a, b, strength)
    lo, hi = torch.minimum(a, b), torch.maximum(a, b)
    assert bool(((out >= lo - 1e-6) & (out <= hi + 1e-6)).all())


@FAST
@given(images())
def test_preserve_color_keeps_the_stylized_luminance(image):
    stylized = to_tensor(image)
    original = to_tensor(np.roll(image, 1, axis=2))
    out = preserve_color(stylized, original)
    assert 0.0 <= out.min() and out.max() <= 1.0
    # exact wherever the stylized Y with the photo's Cb, Cr is a colour RGB can show (elsewhere it is clipped)
    y, cbcr = rgb_to_ycbcr(stylized)[:, :1], rgb_to_ycbcr(original)[:, 1:]
    unclipped = ycbcr_to_rgb(torch.cat([y, cbcr], dim=1))
    in_gamut = ((unclipped >= 0) & (unclipped <= 1)).all(dim=1)
    y_out = rgb_to_ycbcr(out)[:, 0]
    assert bool(((y_out - y[:, 0]).abs() < 1e-4)[in_gamut].all())


@FAST
@given(images(), st.integers(-3, 3), st.integers(-3, 3))
def test_warp_by_a_whole_pixel_shift_is_a_shift(image, dx, dy):
    h, w = image.shape[:2]
    flow = np.zeros((h, w, 2), np.float32)
    flow[..., 0], flow[..., 1] = dx, dy
    out = warp(image, flow)
    assert out.shape == image.shape
    ys, xs = np.mgrid[0:h, 0:w]
    inside = (xs + dx >= 0) & (xs + dx < w) & (ys + dy >= 0) & (ys + dy < h)
    expected = image[np.clip(ys + dy, 0, h - 1), np.clip(xs + dx, 0, w - 1)]
    np.testing.assert_array_equal(out[inside], expected[inside])


@FAST
@given(st.integers(2, 20), st.integers(2, 20))
def test_zero_motion_is_reliable_everywhere(h, w):
    zero = np.zeros((h, w, 2), np.float32)
    assert reliable_mask(zero, zero).all()


@FAST
@given(images(), st.floats(0.0, 1.0, width=32))
def test_temporal_blend_is_between_its_inputs(image, weight):
    other = np.ascontiguousarray(255 - image)
    wmap = np.full(image.shape[:2], weight, np.float32)
    out = blend_with_previous(image, other, wmap).astype(int)
    lo, hi = np.minimum(image, other).astype(int), np.maximum(image, other).astype(int)
    assert ((out >= lo - 1) & (out <= hi + 1)).all()
    if weight == 0.0:
        np.testing.assert_array_equal(out, image)


@FAST
@given(arrays(np.bool_, st.tuples(st.integers(1, 8), st.integers(1, 8))), st.floats(0.0, 1e6))
def test_blend_weight_is_a_fraction(mask, lam):
    w = blend_weight(mask, lam)
    assert ((w >= 0) & (w < 1)).all() and (w[~mask] == 0).all()


@FAST
@given(st.integers(-(2**31), 2**31))
def test_any_key_code_maps_to_a_known_action_or_nothing(key):
    actions = {b.action for b in BINDINGS}
    got = action_for(key)
    assert got is None or (got[0] in actions and (got[1] is None or 1 <= got[1] <= 9))


def test_every_bound_key_maps_back_to_its_action():
    for b in BINDINGS:
        for key in b.keys:
            assert action_for(key)[0] == b.action


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-", min_size=1, max_size=10)


@FAST
@given(st.dictionaries(names, st.floats(0.01, 100.0), min_size=1, max_size=5))
def test_style_blend_round_trip(weights):
    spec = ",".join(f"{k}:{v!r}" for k, v in weights.items())
    parsed = parse_blend(spec)
    assert parsed.keys() == weights.keys()
    for k, v in weights.items():
        assert parsed[k] == pytest.approx(v)


@FAST
@given(st.text(max_size=40))
@example("a:nan")  # found by hand after hypothesis: float() accepts nan and inf
@example("a:inf,b:1")
@example("a:1e400")
def test_any_style_spec_parses_or_fails_with_a_style_error(text):
    try:
        parsed = parse_blend(text)
    except StyleError:
        return
    assert parsed is None or (parsed and all(0 <= v < float("inf") for v in parsed.values())
                              and sum(parsed.values()) > 0)


@FAST
@given(st.text(max_size=20))
def test_any_size_text_parses_in_range_or_fails_with_a_user_error(text):
    try:
        size = parse_size(text)
    except UserError:
        return
    assert size is None or all(16 <= v <= 8192 for v in size)
