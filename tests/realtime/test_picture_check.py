"""realtime.picture_check: the live picture's sharpness against the full-frame reference, from frames the loop
kept while it showed them."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from realtime.picture_check import ShownSamples, sharpness_check, style_spec


def _strokes(seed: int, h: int = 48, w: int = 64) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.uniform(0, 255, (h, w, 3)).astype(np.float32), (0, 0), 0.7).astype(np.uint8)


def test_cardinality_keeps_the_last_of_every_third_frame():
    samples = ShownSamples(keep=4, every=3)
    frames = [np.full((8, 8, 3), i, np.uint8) for i in range(30)]
    for f in frames:
        samples.add(f, f)
    assert [int(s[0][0, 0, 0]) for s in samples.items] == [17, 20, 23, 26, 29][-4:]


def test_exception_free_frames_without_a_camera_frame_or_of_another_size_are_not_kept():
    samples = ShownSamples(keep=4, every=1)
    samples.add(_strokes(0), None)
    samples.add(_strokes(0), _strokes(0, 24, 32))
    assert not samples.items


def test_feature_a_blurred_live_picture_scores_under_one_and_the_reference_itself_one():
    reference = (lambda frame: _strokes(int(frame[0, 0, 0])), "stand-in")
    sharp, soft = ShownSamples(every=1), ShownSamples(every=1)
    for i in range(5):
        camera = np.full((48, 64, 3), i, np.uint8)
        sharp.add(_strokes(i), camera)
        soft.add(cv2.GaussianBlur(_strokes(i), (0, 0), 1.5), camera)
    same = sharpness_check(sharp, "x", reference=reference)
    blurred = sharpness_check(soft, "x", reference=reference)
    assert same.median == pytest.approx(1.0) and same.frames == 5 and same.reference == "stand-in"
    assert blurred.median < 0.6 and blurred.worst <= blurred.median
    assert "sharpness ×" in blurred.describe()


def test_feature_photo_edges_pasted_back_show_as_an_excess():
    camera = _strokes(7)
    reference = (lambda frame: _strokes(1), "stand-in")
    samples = ShownSamples(every=1)
    samples.add(cv2.addWeighted(_strokes(1), 0.3, camera, 0.7, 0), camera)  # the photo's edges over the strokes
    assert sharpness_check(samples, "x", reference=reference).edge_excess > 0.3


def test_no_samples_or_no_such_style_gives_none():
    assert sharpness_check(ShownSamples(), "starry") is None
    samples = ShownSamples(every=1)
    samples.add(_strokes(0), _strokes(1))
    assert sharpness_check(samples, "no-such-style-anywhere") is None


def test_style_spec_of_a_picture_style_is_its_picture():
    class Picture:
        meta = {"kind": "image", "style_file": "/p/painting.jpg,/p/other.jpg"}

    class Entry:  # a bank's entry: the bank's stylizer inside
        stylizer = type("S", (), {"meta": {"kind": "bank"}})()

    assert style_spec(Picture(), "painting") == "/p/painting.jpg"
    assert style_spec(Entry(), "wave") == "wave"


def test_feature_live_ratio_is_one_for_the_reference_itself_and_more_for_a_blur():
    from realtime.picture_check import live_ratio

    painting = _strokes(9, 64, 80)
    reference = (lambda frame: _strokes(int(frame[0, 0, 0])), "stand-in")
    same, soft = ShownSamples(every=1), ShownSamples(every=1)
    for i in range(3):
        camera = np.full((48, 64, 3), i, np.uint8)
        same.add(_strokes(i), camera)
        soft.add(cv2.GaussianBlur(_strokes(i), (0, 0), 2.0), camera)
    ratio = live_ratio(same, reference, painting)
    assert ratio.style == pytest.approx(1.0) and ratio.content == pytest.approx(1.0) and ratio.frames == 3
    assert live_ratio(soft, reference, painting).style > 1.2  # a blur is further from the painting's texture
    assert live_ratio(ShownSamples(), reference, painting) is None
