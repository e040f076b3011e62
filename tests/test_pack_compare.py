"""scripts/reports/pack_compare.py: a retrained network against the shipped one, photo by photo."""

from __future__ import annotations

import numpy as np
import pytest

from models.inference.runtime import Stylizer
from models.nets.vgg import VGG19Features
from scripts.reports.pack_compare import compare
from tests.conftest import make_style


@pytest.fixture(scope="module")
def vgg():
    return VGG19Features()


def test_a_network_against_itself_is_even_and_another_is_not(tmp_path, photo, vgg):
    one = Stylizer(make_style(tmp_path / "a.safetensors", seed=0), device="cpu", compiled=False)
    other = Stylizer(make_style(tmp_path / "b.safetensors", seed=5), device="cpu", compiled=False)
    painting = np.ascontiguousarray(photo[::-1, ::-1])
    same = compare(vgg, one, one, photo, painting)
    assert same["style"] == pytest.approx(1.0) and same["content"] == pytest.approx(1.0)
    assert same["detail"] == pytest.approx(1.0) and same["colour_old"] == same["colour_new"] > 0
    differs = compare(vgg, one, other, photo, painting)
    assert differs["style"] != pytest.approx(1.0, rel=1e-3) and differs["colour_old"] != differs["colour_new"]
    np.testing.assert_array_equal(differs["outputs"]["new"], other(photo))
