"""scripts/reports/far_check.py: the far print it makes, the two learns it asks for (scripts/reports/common.py's
``learn``), and the photos it refuses."""

from __future__ import annotations

import numpy as np
import pytest

import scripts.reports.common as common
import scripts.reports.far_check as fc


def test_the_print_is_pure_black_and_white_split_between_the_dark_and_the_light_half():
    rng = np.random.default_rng(0)
    dark, light = rng.integers(20, 60, (32, 16, 3)), rng.integers(180, 230, (32, 16, 3))
    cut = fc.black_and_white(np.concatenate([dark, light], axis=1).astype(np.uint8))
    assert cut.shape == (32, 32, 3) and cut.dtype == np.uint8
    assert (cut[:, :16] == 0).all() and (cut[:, 16:] == 255).all()


def test_learn_runs_once_as_it_is_and_once_at_weight_1_and_not_again_when_the_style_exists(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(common.subprocess, "run", lambda argv, **kw: calls.append(argv))
    home = tmp_path / "home"
    for suffix, options in fc.RUNS.values():
        common.learn(tmp_path / "p.png", f"p_{suffix}", 5, [tmp_path / "photos"], home, 2, options)
    assert [c[c.index("--name") + 1] for c in calls] == ["p_w1", "p_far"]
    assert calls[0][-2:] == ["--style-weight", "1"] and "--style-weight" not in calls[1]
    (home / "styles").mkdir(parents=True)
    (home / "styles" / "p_far.safetensors").write_bytes(b"")
    common.learn(tmp_path / "p.png", "p_far", 5, [tmp_path / "photos"], home, 2)
    assert len(calls) == 2


def test_a_photo_that_a_split_uses_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="no split uses"):
        fc.main(["--data", str(tmp_path), "--source", "content/bsd100/x.png", "--work", str(tmp_path / "w")])
