"""``stylecam learn``: the pack's networks fine-tuned on a new painting, installed under its name."""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.images import read_rgb, write_rgb
from models.inference.registry import read_metadata, user_style_dir, variant
from models.nets.vgg import VGG19Features
from models.training.learn import (
    FAR_DISTANCE,
    LearnPlan,
    far_weight,
    fast_config,
    live_config,
    nearest_pack_style,
    style_name,
)
from stylecam.cli import main


def _stripes(n=96, w=None):
    yy, xx = np.mgrid[0:n, 0:w or n]
    return np.stack([(np.sin((xx + yy) / 3) > 0) * 255, xx * 2, 80 + 0 * xx], axis=-1).astype(np.uint8)


def test_style_names_come_from_file_names():
    assert style_name("/x/Monet – Water Lilies (1919).JPG") == "monet_water_lilies_1919"
    assert style_name("???.png") == "painting"


def test_the_nearest_pack_style_is_the_one_whose_pictures_look_like_the_painting(photo):
    painting = _stripes(256)  # at the comparison's size: the same stripes as the "stripes" network draws
    candidates = [("grey", lambda f: np.full_like(f, 128)), ("stripes", lambda f: _stripes(*f.shape[:2])),
                  ("photo", lambda f: f)]
    best, scores = nearest_pack_style(painting, np.repeat(np.repeat(photo, 2, 0), 2, 1), candidates, VGG19Features())
    assert best == "stripes" and set(scores) == {"grey", "stripes", "photo"}
    assert scores["stripes"] < min(scores["grey"], scores["photo"])


def test_the_plan_gives_the_fast_tier_its_share_first_and_the_live_tier_a_teacher():
    plan = LearnPlan("n", "p.jpg", ("photos",), "udnie", 5.0)
    fast, live = fast_config(plan, "udnie"), live_config(plan, "live/udnie.safetensors", "n.safetensors")
    assert fast.tier == "fast" and live.tier == "painter" and fast.minutes + live.minutes == pytest.approx(5.0)
    assert fast.minutes > live.minutes and live.teacher == "n.safetensors" and fast.init_from == "udnie"
    steps = LearnPlan("n", "p.jpg", ("photos",), "udnie", 5.0, steps=7)
    assert fast_config(steps, "udnie").steps == 7 and fast_config(steps, "udnie").minutes is None
    # both tiers learn on the metric's own terms (logs) by default; the live tier, a painter, with the painters'
    # recipe beside its distillation terms (weight 2, no content term, the lattice loss)
    assert (fast.style_loss, fast.style_weight, fast.content_weight) == ("log", 1.0, 2.0)
    assert (live.style_loss, live.style_weight, live.content_weight) == ("log", 2.0, 0.0) and live.teacher
    assert live.lattice_weight == 300.0
    summed = fast_config(LearnPlan("n", "p.jpg", ("photos",), "udnie", 5.0, style_weight=15.0, style_loss="sum"), "u")
    assert (summed.style_loss, summed.style_weight, summed.content_weight) == ("sum", 15.0, 2.0)


def test_a_painting_far_from_every_pack_style_gets_heavier_style_terms_in_both_tiers():
    # the log loss's pull weakens as 1/√distance: the weight makes it up beyond the validated distance
    assert far_weight(0.0) == far_weight(FAR_DISTANCE) == 1.0 and far_weight(FAR_DISTANCE / 3) == 1.0
    assert far_weight(4 * FAR_DISTANCE) == pytest.approx(2.0)
    far = LearnPlan("n", "p.jpg", ("photos",), "udnie", 5.0, far_factor=2.0)
    assert fast_config(far, "u").style_weight == 2.0 and live_config(far, "l", "t").style_weight == 4.0
    assert (fast_config(far, "u").content_weight, live_config(far, "l", "t").content_weight) == (2.0, 0.0)
    # the sum loss's pull grows with the distance: no factor
    summed = LearnPlan("n", "p.jpg", ("photos",), "udnie", 5.0, style_weight=15.0, style_loss="sum", far_factor=2.0)
    assert fast_config(summed, "u").style_weight == 15.0 and live_config(summed, "l", "t").style_weight == 20.0


def test_feature_learn_installs_a_fast_and_a_live_network_that_image_finds_by_name_and_picture(tmp_path, capsys):
    painting = write_rgb(tmp_path / "My Painting.png", _stripes(160))
    photos = tmp_path / "photos"
    for i, name in enumerate(("a", "b")):
        write_rgb(photos / f"{name}.png", np.roll(_stripes(200), 17 * i, axis=0)[:, ::-1].copy())
    assert main(["learn", str(painting), "--steps", "1", "--start", "starry", "--data", str(photos),
                 "--threads", "1", "--quiet"]) == 0
    assert "my_painting" in capsys.readouterr().out
    fast, live = user_style_dir() / "my_painting.safetensors", variant("my_painting", "live")
    assert fast.is_file() and live is not None
    meta = read_metadata(live)
    assert "stylecam learn" in meta["command"] and meta["learn"]["start"] == "starry"
    # the start's distance was measured and set the style terms' weight (far_weight), in both tiers
    learned = meta["learn"]
    assert learned["start_distance"] > 0 and learned["far_factor"] == pytest.approx(
        far_weight(learned["start_distance"]), rel=1e-3)
    assert meta["train"]["style_weight"] == pytest.approx(2.0 * learned["far_factor"], rel=1e-3)  # the painter's 2
    assert meta["config"]["arch"] == "painter"  # the live tier learn makes paints the frame's own pixels
    assert json.loads(json.dumps(read_metadata(fast)["config"])) != meta["config"]  # two tiers, two networks
    for tier in ("fast", "live"):
        out = tmp_path / f"{tier}.png"
        assert main(["image", str(painting), str(out), "--style", "my_painting", "--tier", tier]) == 0
        assert read_rgb(out).shape == (160, 160, 3)
    # the painting itself as --style now means the learned networks (any copy of the file), unless a picture
    # network is asked for
    from models.inference.runtime import Stylizer

    copy = tmp_path / "copy.png"
    copy.write_bytes(painting.read_bytes())
    learned = Stylizer(str(copy), device="cpu", tier="live")
    assert learned.meta["name"] == "my_painting" and learned.tier == "live"
    assert Stylizer(str(painting), device="cpu", decoder="light").meta.get("kind") == "image"
    assert Stylizer(str(painting), device="cpu", alpha=0.5).meta.get("kind") == "image"
    other = write_rgb(tmp_path / "other.png", _stripes(160)[::-1].copy())
    assert Stylizer(str(other), device="cpu").meta.get("kind") == "image"
    # a second run under the same name must be asked for
    assert main(["learn", str(painting), "--steps", "1", "--start", "starry", "--data", str(photos)]) == 2
    assert "--force" in capsys.readouterr().err


def test_learn_user_errors_are_one_line(tmp_path, capsys):
    painting = write_rgb(tmp_path / "p.png", _stripes())
    for argv, message in [
        (["learn", str(tmp_path / "missing.jpg")], "missing.jpg"),
        (["learn", str(painting), "--name", "starry"], "shipped style"),
        (["learn", str(painting), "--start", "nope"], "not a pack style"),
        (["learn", str(painting), "--minutes", "0"], "--minutes"),
        (["learn", str(painting), "--style-weight", "0"], "--style-weight"),
        (["learn", str(painting), "--data", str(tmp_path / "none")], "not found"),
    ]:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1, err
