import math
import random

import numpy as np
import pytest
import torch

from models.images import write_rgb
from models.inference.registry import load_style
from models.nets.transformer import TransformerNet
from models.nets.vgg import VGG19Features
from models.training.data import CropSampler, list_images
from models.training.feedforward import TrainConfig, perceptual_losses, style_targets, train
from tests.conftest import TINY


@pytest.fixture
def dataset(tmp_path, photo):
    data = tmp_path / "photos"
    for i in range(3):
        write_rgb(data / f"p{i}.png", np.roll(photo, 9 * i, axis=1))
    yy, xx = np.mgrid[0:48, 0:48]
    stripes = np.stack([(np.sin((xx + yy) / 3) > 0) * 255, xx * 5, 80 + 0 * xx], axis=-1).astype(np.uint8)
    painting = write_rgb(tmp_path / "painting.png", stripes)
    return data, painting


def config(dataset, steps, **kw):
    data, painting = dataset
    return TrainConfig(styles=[str(painting)], data=[str(data)], name="t", steps=steps, minutes=None, size=32,
                       batch=2, content_short=40, style_short=40, lr=1e-2, config=TINY.to_dict(),
                       checkpoint_seconds=1e9, mixed_precision=False, **kw)


def fixed_loss(cfg, net):
    vgg = VGG19Features()
    from models.images import read_rgb, resize_short_side

    targets = style_targets(vgg, resize_short_side(read_rgb(cfg.styles[0]), cfg.style_short), torch.device("cpu"))
    sampler = CropSampler(list_images(cfg.data), cfg.size, cfg.content_short, 10, random.Random(1))
    batch = sampler.batch(4, random.Random(2))
    with torch.no_grad():
        s, c = perceptual_losses(vgg, net(batch), batch, targets)
    return (cfg.style_weight * s + cfg.content_weight * c).item()


def test_feature_a_few_steps_lower_the_loss(dataset, tmp_path):
    cfg = config(dataset, steps=25)
    torch.manual_seed(cfg.seed)
    before = fixed_loss(cfg, TransformerNet(TINY).eval())
    out = train(cfg, tmp_path / "run", tmp_path / "t.safetensors", {"name": "t"})
    net, meta = load_style(out)
    assert meta["train"]["final_step"] == 25 and meta["style_sha256"]
    assert fixed_loss(cfg, net) < 0.8 * before


def test_resume_continues_from_checkpoint_step(dataset, tmp_path):
    run = tmp_path / "run"
    seen = []

    def stop_at_3(report):
        seen.append(report.step)
        if report.step == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(config(dataset, steps=6), run, tmp_path / "t.safetensors", {"name": "t"}, on_step=stop_at_3)
    assert (run / "checkpoint.pt").is_file() and not (tmp_path / "t.safetensors").exists()
    seen.clear()
    out = train(config(dataset, steps=6), run, tmp_path / "t.safetensors", {"name": "t"}, resume=True,
                on_step=lambda r: seen.append(r.step))
    assert seen == [4, 5, 6]
    assert load_style(out)[1]["train"]["final_step"] == 6


def test_resume_is_deterministic(dataset, tmp_path):
    straight = train(config(dataset, steps=4), tmp_path / "a", tmp_path / "a.safetensors", {"name": "a"})

    def stop_at_2(report):
        if report.step == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(config(dataset, steps=4), tmp_path / "b", tmp_path / "b.safetensors", {"name": "b"}, on_step=stop_at_2)
    computed = []
    resumed = train(config(dataset, steps=4), tmp_path / "b", tmp_path / "b.safetensors", {"name": "b"}, resume=True,
                    on_step=lambda report: computed.append(report.step))
    assert computed == [3, 4]  # the resume computes only the steps after the checkpoint, not all four again
    a, b = load_style(straight)[0].state_dict(), load_style(resumed)[0].state_dict()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-4, atol=1e-5)


def test_empty_data_exception(tmp_path, dataset):
    empty = tmp_path / "empty"
    empty.mkdir()
    cfg = config(dataset, steps=1)
    cfg.data = [str(empty)]
    with pytest.raises(ValueError, match="no training images"):
        train(cfg, tmp_path / "run", tmp_path / "t.safetensors", {"name": "t"})


def test_non_finite_step_is_skipped_not_applied(dataset, tmp_path, monkeypatch):
    import models.training.feedforward as training

    real = training.perceptual_losses
    calls = {"n": 0}

    def sometimes_nan(*args, **kwargs):
        calls["n"] += 1
        s, c = real(*args, **kwargs)
        return (s * float("nan"), c) if calls["n"] == 2 else (s, c)

    monkeypatch.setattr(training, "perceptual_losses", sometimes_nan)
    out = train(config(dataset, steps=4), tmp_path / "run", tmp_path / "t.safetensors", {"name": "t"})
    net, meta = load_style(out)  # load_style refuses non-finite weights
    assert meta["train"]["skipped_steps"] == 1 and meta["train"]["final_step"] == 4


def test_log_style_loss_trains_towards_the_metric_and_is_refused_with_a_detail_term(dataset, tmp_path):
    seen = []
    cfg = config(dataset, steps=3, style_loss="log", style_weight=1.0, content_weight=1.0)
    out = train(cfg, tmp_path / "run", tmp_path / "t.safetensors", {"name": "t"}, on_step=lambda r: seen.append(r))
    assert load_style(out)[1]["train"]["style_loss"] == "log"
    assert len(seen) == 3 and all(math.isfinite(r.style) and r.style < 30 for r in seen)  # logs, not raw distances
    for bad in ({"style_loss": "max"}, {"style_loss": "log", "detail_weight": 1.0}):
        with pytest.raises(ValueError):
            train(config(dataset, steps=1, **bad), tmp_path / "bad", tmp_path / "bad.safetensors", {"name": "b"})


def test_temporal_weight_trains_and_reports_the_temporal_loss(dataset, tmp_path):
    seen = []
    cfg = config(dataset, steps=3, temporal_weight=1.0)
    train(cfg, tmp_path / "run", tmp_path / "t.safetensors", {"name": "t"}, on_step=lambda r: seen.append(r.temporal))
    assert len(seen) == 3 and all(v > 0 for v in seen)


def test_detail_weight_and_init_from_provenance(dataset, tmp_path):
    first = train(config(dataset, steps=2), tmp_path / "a", tmp_path / "a.safetensors",
                  {"name": "a", "command": "stylecam train --name a"})
    cfg = config(dataset, steps=2, detail_weight=1.0, init_from=str(first))
    out = train(cfg, tmp_path / "b", tmp_path / "b.safetensors", {"name": "b", "command": "stylecam train --name b"})
    meta = load_style(out)[1]
    assert meta["train"]["detail_weight"] == 1.0
    assert meta["init_from"]["command"] == "stylecam train --name a" and meta["init_from"]["train"]["final_step"] == 2


def test_list_images_leaves_out_excluded_names(tmp_path, photo):
    from models.images import write_rgb
    from models.training.data import list_images

    for name in ("a_starry.png", "b.png", "sub/c_starry_crop.jpg"):
        write_rgb(tmp_path / name, photo)
    assert [p.name for p in list_images([str(tmp_path)])] == ["a_starry.png", "b.png", "c_starry_crop.jpg"]
    assert [p.name for p in list_images([str(tmp_path)], ["*starry*"])] == ["b.png"]


def test_a_bank_warm_started_from_a_bank_starts_from_its_rows(dataset, tmp_path):
    from models.inference.registry import load_bank, save_bank
    from models.nets.multistyle import StyleBank

    data, painting = dataset
    torch.manual_seed(3)
    start = StyleBank(TINY, 2)
    with torch.no_grad():
        start.table.add_(torch.randn_like(start.table) * 0.3)
    init = save_bank(start, {"name": "start", "command": "stylecam bank"}, [{"name": "a"}, {"name": "b"}],
                     tmp_path / "start.safetensors")
    cfg = config(dataset, steps=0, init_from=str(init))
    cfg.styles = [str(painting), str(painting)]
    bank, meta = load_bank(train(cfg, tmp_path / "run", tmp_path / "bank.safetensors", {"name": "bank"}))
    torch.testing.assert_close(bank.table, start.table)  # every row, not the first row repeated
    x = torch.rand(1, 3, 24, 24)
    with torch.no_grad():
        torch.testing.assert_close(bank(x, 1), start.eval()(x, 1))
    assert meta["init_from"]["command"] == "stylecam bank"
    cfg.styles = [str(painting)] * 3
    with pytest.raises(ValueError, match="a bank of 2 styles"):
        train(cfg, tmp_path / "run3", tmp_path / "bank3.safetensors", {"name": "bank"})


def test_row_shares_give_each_bank_row_its_steps_spread_over_the_round(dataset, tmp_path):
    from collections import Counter

    from models.training.feedforward import row_schedule

    assert row_schedule(None, 3) == [0, 1, 2]
    shares = (1, 2, 3, 1, 4, 2, 1, 1)
    rounds = row_schedule(shares, 8)
    assert Counter(rounds) == {k: s for k, s in enumerate(shares)}
    assert all(a != b for a, b in zip(rounds, rounds[1:]))  # no painting twice in a row here
    for bad in ((1, 2), (1, 0, 1), (1, 1.5, 1)):
        with pytest.raises(ValueError, match="row shares"):
            row_schedule(bad, 3)
    data, painting = dataset
    cfg = config(dataset, steps=1, row_shares=(1, 2))
    with pytest.raises(ValueError, match="give 1 whole numbers"):
        train(cfg, tmp_path / "run", tmp_path / "one.safetensors", {"name": "one"})


def test_a_resume_keeps_the_new_learning_rate_and_the_saved_moments(tmp_path):
    from models.training.checkpoint import load_checkpoint, save_checkpoint

    net = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(net.parameters(), lr=5e-4)
    net(torch.ones(1, 3)).sum().backward()
    opt.step()
    save_checkpoint(tmp_path / "c.pt", net, opt, 1, 2.0, random.Random(0), {})
    again = torch.nn.Linear(3, 2)
    opt2 = torch.optim.Adam(again.parameters(), lr=1e-4)
    assert load_checkpoint(tmp_path / "c.pt", again, opt2, random.Random(1), torch.device("cpu")) == (1, 2.0)
    assert opt2.param_groups[0]["lr"] == 1e-4
    torch.testing.assert_close(opt2.state_dict()["state"][0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"])
