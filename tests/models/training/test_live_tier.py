"""The live tier (models.nets.live): shape, cost, compiled parity, tier choice, distillation."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from models.inference.registry import StyleError, save_style, user_style_dir, weights_for_device
from models.nets.cost import frame_flops
from models.nets.transformer import TIERS, NetConfig, build_network, conv_macs, count_parameters, tier_of
from tests.conftest import make_style

TINY_LIVE = NetConfig(channels=(8, 8, 8), n_res=1, block="dwsep", expand=1, kernel=3, arch="patch", patch=4)


def test_feature_live_tier_costs_under_2_gflops_at_640x480_every_layer_counted():
    live, fast = build_network(TIERS["live"]).eval(), build_network(TIERS["fast"]).eval()
    live_flops, fast_flops = frame_flops(live, 480, 640), frame_flops(fast, 480, 640)
    assert live_flops <= 2e9
    assert fast_flops > 8 * live_flops  # about ten times cheaper per pixel
    assert count_parameters(live) < 1_250_000  # well under 5 MB in float32


def test_against_formula_frame_flops_of_one_conv_and_norm():
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1, bias=False), torch.nn.InstanceNorm2d(4),
                              torch.nn.ReLU())
    h, w = 10, 12
    conv = h * w * 4 * 2 * 27
    assert frame_flops(net, h, w) == conv + 8 * 4 * h * w + 4 * h * w + 4 * 4 * h * w  # + the sigmoid convention
    assert 2 * conv_macs(net, h, w) == conv


def test_feature_the_head_reaches_every_pixel_with_four_taps_edges_included_no_checkerboard():
    """Every output pixel, the frame's rim included, gets the same number of kernel taps: no checkerboard, and
    no half-painted edge (the features are padded by one patch before the overlapping head)."""
    net = build_network(TIERS["live"])
    f = TIERS["live"].patch
    assert net.head.kernel_size == (2 * f, 2 * f) and net.head.stride == (f, f)
    with torch.no_grad():
        net.head.weight.fill_(1.0)
        net.head.bias.zero_()
        out = net.paint(torch.ones(1, net.head.in_channels, 3, 5))
    assert out.shape[2:] == (3 * f, 5 * f)
    assert torch.all(out == 4 * net.head.in_channels)


def test_feature_neighbouring_patches_blend_where_the_old_head_painted_them_alone():
    """One feature vector changed: the old head changes its own 8×8 square only; the overlapping head reaches
    into the neighbours (so a seam between patches can be smoothed by training)."""
    old_config = replace(TIERS["live"], overlap=False)
    f = TIERS["live"].patch
    for config, reach in ((old_config, f), (TIERS["live"], 2 * f)):
        torch.manual_seed(0)
        net = build_network(config)
        feats = torch.rand(1, net.head.in_channels, 4, 4)
        bumped = feats.clone()
        bumped[:, :, 1, 1] += 1.0
        with torch.no_grad():
            changed = (net.paint(bumped) - net.paint(feats)).abs().sum(1)[0] > 0
        rows, cols = torch.nonzero(changed.any(1)).flatten(), torch.nonzero(changed.any(0)).flatten()
        assert int(rows.max() - rows.min()) + 1 == reach and int(cols.max() - cols.min()) + 1 == reach


def test_feature_a_live_network_from_before_the_overlap_warm_starts_the_new_one_to_the_same_picture(photo):
    from models.training.feedforward import warm_start_state

    old_config = replace(TIERS["live"], overlap=False)
    torch.manual_seed(1)
    old = build_network(old_config).eval()
    assert NetConfig.from_dict({k: v for k, v in old_config.to_dict().items() if k != "overlap"}) == old_config
    assert tier_of(old_config) == "live"  # the files made before still serve as the live tier
    new = build_network(TIERS["live"]).eval()
    new.load_state_dict(warm_start_state(old, TIERS["live"], "old.safetensors"))
    x = torch.rand(1, 3, 37, 53)
    with torch.no_grad():
        assert torch.allclose(new(x), old(x), atol=1e-6)
    with pytest.raises(ValueError, match="differs"):
        warm_start_state(build_network(TIERS["fast"]), TIERS["live"], "fast.safetensors")


def test_feature_compiled_backends_match_eager_on_an_odd_frame(tmp_path, photo):
    from models.inference.runtime import Stylizer

    torch.manual_seed(0)
    path = save_style(build_network(TIERS["live"]), {"name": "l"}, tmp_path / "l.safetensors")
    frame = np.ascontiguousarray(np.pad(photo, ((0, 5), (0, 3), (0, 0)), mode="edge"))  # 53×67: not ×8
    outs = {b: Stylizer(path, device="cpu", backend=b)(frame).astype(int) for b in ("torchscript", "onnx")}
    eager = Stylizer(path, device="cpu", compiled=False)(frame).astype(int)
    assert outs["onnx"].shape == frame.shape
    for out in outs.values():
        assert np.abs(out - eager).max() <= 1
    assert Stylizer(path, device="cpu").tier == "live"


def test_feature_each_command_gets_the_tier_it_should():
    make_style(user_style_dir() / "oil.safetensors", name="oil")
    assert weights_for_device("oil", "cpu", prefer="live") == "oil"  # no live tier yet: the fast one
    live = save_style(build_network(TIERS["live"]), {"name": "oil"}, user_style_dir() / "live" / "oil.safetensors")
    assert weights_for_device("oil", "cpu", prefer="live") == live  # the live preview on a CPU
    assert weights_for_device("oil", "cpu") == "oil"  # stills and renders: the fast tier
    assert weights_for_device("oil", "cpu", tier="live") == live  # unless asked
    assert weights_for_device("oil", "cuda", prefer="live") == "oil"  # a GPU: quality if any, never live
    assert weights_for_device("oil", "cpu", tier="fast", prefer="live") == "oil"


def test_exception_a_tier_the_style_does_not_have_is_one_line():
    make_style(user_style_dir() / "oil.safetensors", name="oil")
    with pytest.raises(StyleError, match="no quality-tier network"):
        weights_for_device("oil", "cpu", tier="quality")
    with pytest.raises(StyleError, match="no live-tier network"):
        weights_for_device("oil:0.5,ink:0.5", "cpu", tier="live")


def test_cli_image_tier_live_uses_the_live_network(tmp_path, photo_file, capsys):
    from models.images import read_rgb
    from stylecam.cli import main

    make_style(user_style_dir() / "oil.safetensors", name="oil")
    torch.manual_seed(3)
    save_style(build_network(TIERS["live"]), {"name": "oil"}, user_style_dir() / "live" / "oil.safetensors")
    a, b = tmp_path / "fast.png", tmp_path / "live.png"
    assert main(["image", str(photo_file), str(a), "--style", "oil"]) == 0
    assert main(["image", str(photo_file), str(b), "--style", "oil", "--tier", "live"]) == 0
    assert read_rgb(a).shape == read_rgb(b).shape and not np.array_equal(read_rgb(a), read_rgb(b))
    assert main(["image", str(photo_file), str(b), "--style", "oil", "--tier", "quality"]) == 2
    assert "no quality-tier network" in capsys.readouterr().err


def test_feature_distillation_brings_the_student_towards_its_teacher(tmp_path, photo):
    """``stylecam train --teacher``: a few steps of pixel + feature distillation lower the distance to the
    teacher's pictures, and the file names its teacher and inherits its painter."""
    from models.images import write_rgb
    from models.inference.registry import load_style
    from models.training.feedforward import TrainConfig, train

    data = tmp_path / "photos"
    for i in range(3):
        write_rgb(data / f"p{i}.png", np.roll(photo, 11 * i, axis=1))
    painting = write_rgb(tmp_path / "painting.png", np.roll(photo, 20, axis=0))
    teacher = make_style(user_style_dir() / "ink.safetensors", seed=4, name="ink", artist="Hokusai")
    cfg = TrainConfig(styles=[str(painting)], data=[str(data)], name="s", steps=30, minutes=None, size=32,
                      batch=2, content_short=40, style_short=40, lr=1e-2, config=TINY_LIVE.to_dict(),
                      checkpoint_seconds=1e9, mixed_precision=False, teacher="ink", pixel_weight=10.0,
                      feature_weight=1.0, style_weight=0.0, content_weight=0.0, min_scale=0.5)
    x = torch.from_numpy(photo[:32, :32]).permute(2, 0, 1)[None].float() / 255
    teacher_net, _ = load_style(teacher)
    torch.manual_seed(cfg.seed)
    with torch.no_grad():
        target = teacher_net(x)
        before = (build_network(TINY_LIVE).eval()(x) - target).abs().mean().item()
    out = train(cfg, tmp_path / "run", tmp_path / "s.safetensors", {"name": "s"})
    student, meta = load_style(out)
    with torch.no_grad():
        after = (student(x) - target).abs().mean().item()
    assert after < 0.6 * before
    assert meta["teacher"]["name"] == "ink" and len(meta["teacher"]["sha256"]) == 64
    assert meta["artist"] == "Hokusai" and meta["config"]["arch"] == "patch"


def test_exception_a_bank_cannot_have_a_teacher(tmp_path, photo):
    from models.images import write_rgb
    from models.training.feedforward import TrainConfig, train

    write_rgb(tmp_path / "d" / "p.png", photo)
    a, b = write_rgb(tmp_path / "a.png", photo), write_rgb(tmp_path / "b.png", photo[::-1])
    make_style(user_style_dir() / "ink.safetensors", name="ink")
    cfg = TrainConfig(styles=[str(a), str(b)], data=[str(tmp_path / "d")], name="s", steps=1, minutes=None,
                      size=32, content_short=40, config=TINY_LIVE.to_dict(), teacher="ink", mixed_precision=False)
    with pytest.raises(ValueError, match="single-style"):
        train(cfg, tmp_path / "run", tmp_path / "s.safetensors", {"name": "s"})


def test_shipped_live_tier_covers_the_pack_and_records_how_it_was_made():
    from models.inference.registry import SHIPPED_DIR, list_styles, read_metadata

    names = [s.name for s in list_styles() if s.shipped and s.meta.get("kind") != "bank"]
    live = SHIPPED_DIR / "live"
    for name in names:
        path = live / f"{name}.safetensors"
        assert path.is_file(), f"{name} has no live-tier network"
        meta = read_metadata(path)
        assert NetConfig.from_dict(meta["config"]) == TIERS["painter"]  # issue 34: the painter is the live tier
        assert meta["command"].startswith("stylecam train --tier painter --teacher")
        assert meta["init_from"]["command"].startswith("stylecam train --tier live --teacher")
        assert meta["teacher"]["name"] == name
        assert path.stat().st_size < 1_500_000


def test_feature_a_resume_with_other_weights_is_recorded_as_a_new_phase(tmp_path, photo):
    from models.images import write_rgb
    from models.inference.registry import load_style
    from models.training.feedforward import TrainConfig, train

    write_rgb(tmp_path / "d" / "p.png", photo)
    painting = write_rgb(tmp_path / "a.png", photo[::-1])
    make_style(user_style_dir() / "ink.safetensors", name="ink")

    def cfg(steps: int, texture: float) -> TrainConfig:
        return TrainConfig(styles=[str(painting)], data=[str(tmp_path / "d")], name="s", steps=steps, minutes=None,
                           size=32, batch=1, content_short=40, style_short=40, config=TINY_LIVE.to_dict(),
                           teacher="ink", pixel_weight=1.0, feature_weight=1.0, texture_weight=texture,
                           style_weight=0.0, content_weight=0.0, mixed_precision=False, checkpoint_seconds=1e9)

    train(cfg(2, 0.0), tmp_path / "run", tmp_path / "s.safetensors", {"name": "s", "command": "first"})
    out = train(cfg(4, 8.0), tmp_path / "run", tmp_path / "s.safetensors", {"name": "s", "command": "second"},
                resume=True)
    phases = load_style(out)[1]["train"]["phases"]
    assert [p["from_step"] for p in phases] == [0, 2]
    assert phases[0]["config"]["texture_weight"] == 0.0 and phases[1]["config"]["texture_weight"] == 8.0
    assert phases[1]["command"] == "second"


def test_cli_styles_lists_each_styles_tiers(capsys):
    import json

    from stylecam.cli import main

    make_style(user_style_dir() / "oil.safetensors", name="oil")
    save_style(build_network(TIERS["live"]), {"name": "oil"}, user_style_dir() / "live" / "oil.safetensors")
    assert main(["styles", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["oil"]["tiers"] == ["live", "fast"]
    assert rows["pack"]["tiers"] == ["fast"]  # the bank has no live tier
