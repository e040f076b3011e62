import copy
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from models.nets.adain import AdaINNet, Decoder, adain, adain_losses, blend_statistics, mean_std


def test_mean_std_against_formula():
    x = torch.randn(2, 3, 4, 5)
    mean, std = mean_std(x, eps=0.0)
    assert mean.shape == (2, 3, 1, 1)
    torch.testing.assert_close(mean[1, 2, 0, 0], x[1, 2].mean())
    torch.testing.assert_close(std[1, 2, 0, 0], x[1, 2].std(unbiased=False))


def test_adain_output_statistics_match_the_style_per_channel():
    content = torch.randn(1, 8, 6, 6) * 3 + 1
    style = torch.randn(1, 8, 9, 7) * 0.5 - 2
    out = adain(content, *mean_std(style))
    m_o, s_o = mean_std(out)
    m_s, s_s = mean_std(style)
    torch.testing.assert_close(m_o, m_s, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(s_o, s_s, atol=1e-3, rtol=1e-3)


def test_blend_statistics_interpolates_and_rejects_bad_weights():
    a = (torch.zeros(1, 2, 1, 1), torch.ones(1, 2, 1, 1))
    b = (torch.full((1, 2, 1, 1), 4.0), torch.full((1, 2, 1, 1), 3.0))
    mean, std = blend_statistics([a, b], [3, 1])
    torch.testing.assert_close(mean, torch.full((1, 2, 1, 1), 1.0))
    torch.testing.assert_close(std, torch.full((1, 2, 1, 1), 1.5))
    with pytest.raises(ValueError):
        blend_statistics([a, b], [1])


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    return AdaINNet(Decoder(width=0.125)).eval()


def test_decoder_shapes_and_range(net):
    out = net.decoder(torch.rand(2, 512, 5, 6))
    assert out.shape == (2, 3, 40, 48) and out.min() >= 0 and out.max() <= 1


def test_alpha_zero_feeds_the_content_features_through(net):
    content = torch.rand(1, 3, 32, 32)
    style = torch.rand(1, 3, 32, 32)
    stats = net.style_statistics(style)
    features = net.encoder(content, ("block4_relu1",))["block4_relu1"]
    with torch.no_grad():
        torch.testing.assert_close(net(content, *stats, alpha=0.0), net.decoder(features))
        assert not torch.allclose(net(content, *stats, alpha=1.0), net.decoder(features))


def test_encoder_is_frozen_and_losses_train_only_the_decoder(net):
    net.train()
    content, style = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    features = net.encoder(content, ("block4_relu1",))["block4_relu1"]
    target = adain(features, *net.style_statistics(style))
    out = net.decoder(target)
    c, s = adain_losses(net, out, target, net.encode(style))
    (c + s).backward()
    assert all(p.grad is None for p in net.encoder.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.decoder.parameters())
    net.eval()


def test_train_adain_resumes_and_writes_a_checked_decoder(tmp_path, adain_data, computed_steps):
    from models.inference.registry import StyleError, load_decoder, load_style
    from stylecam.cli import main

    out = tmp_path / "dec.safetensors"
    common = ["train-adain", *adain_data, "--size", "32",
              "--batch", "1", "--width", "0.125", "--out", str(out), "--run-dir", str(tmp_path / "run"), "--quiet"]
    assert main([*common, "--steps", "2"]) == 0
    computed_steps.clear()
    assert main([*common, "--steps", "3", "--resume"]) == 0
    assert len(computed_steps) == 1  # the resume trains step 3 only, not all three again
    decoder, meta = load_decoder(out)
    assert meta["train"]["final_step"] == 3 and meta["command"].startswith("stylecam train-adain")
    assert len(meta["train"]["phases"]) == 1  # a longer budget is the same phase
    assert main([*common, "--steps", "4", "--resume", "--identity-weight", "5"]) == 0
    phases = load_decoder(out)[1]["train"]["phases"]  # other settings: a second phase, both recorded
    assert [p["from_step"] for p in phases] == [0, 3] and [p["config"]["identity_weight"] for p in phases] == [0, 5]
    assert "--identity-weight 5" in phases[1]["command"]
    assert main([*common, "--steps", "5", "--resume", "--identity-weight", "5", "--style-loss", "gram"]) == 0
    phases = load_decoder(out)[1]["train"]["phases"]  # the Gram loss (judged to relu5_1) continues the same decoder
    assert [p["config"]["style_loss"] for p in phases] == ["moments", "moments", "gram"]
    assert (tmp_path / "run" / "preview.png").is_file()
    with pytest.raises(StyleError):
        load_style(out)  # a decoder is not a style network


@pytest.fixture
def decoder_installed():
    from models.inference.registry import save_decoder, user_style_dir

    torch.manual_seed(0)
    return save_decoder(Decoder(width=0.125), {"name": "tiny"}, user_style_dir() / "tiny.decoder.safetensors")


def test_image_network_is_scriptable_and_keeps_the_frame_size(decoder_installed):
    from models.inference.registry import load_decoder
    from models.inference.runtime import compile_module
    from models.nets.adain import ImageStyleNet

    net, _ = load_decoder(decoder_installed)
    net = ImageStyleNet(net, *net.style_statistics(torch.rand(1, 3, 40, 40))).eval()
    scripted = compile_module(net, torch.device("cpu"), torch.float32)
    x = torch.rand(1, 3, 37, 45)
    with torch.no_grad():
        torch.testing.assert_close(scripted(x), net(x))
    assert scripted(x).shape == x.shape


def test_image_as_style_everywhere_a_style_is_accepted(decoder_installed, photo_file, photo, tmp_path):
    from models.images import read_rgb, write_rgb
    from models.inference.runtime import Stylizer
    from stylecam.cli import main

    painting = write_rgb(tmp_path / "painting.png", photo[::-1, ::-1])
    other = write_rgb(tmp_path / "other.png", 255 - photo)
    first = Stylizer(painting, device="cpu")
    again = Stylizer(painting, device="cpu")
    assert not first.from_cache and again.from_cache  # style statistics baked in once, then cached
    assert not Stylizer(other, device="cpu").from_cache
    out, half, kept = tmp_path / "out.png", tmp_path / "half.png", tmp_path / "kept.png"
    assert main(["image", str(photo_file), str(out), "--style", str(painting)]) == 0
    assert read_rgb(out).shape == photo.shape
    assert main(["image", str(photo_file), str(half), "--style", str(painting), "--alpha", "0.5"]) == 0
    assert main(["image", str(photo_file), str(kept), "--style", f"{painting}:1,{other}:1", "--preserve-color"]) == 0
    assert not np.array_equal(read_rgb(out), read_rgb(half)) and read_rgb(kept).shape == photo.shape
    assert main(["image", str(photo_file), str(half), "--style", str(painting), "--alpha", "2"]) == 2


def test_image_style_without_a_decoder_is_one_line_before_the_picture_is_read(photo_file, tmp_path, capsys,
                                                                                monkeypatch):
    from models.inference import style_folders
    from stylecam.cli import main

    monkeypatch.setattr(style_folders, "SHIPPED_DIR", tmp_path / "nothing shipped")

    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really a jpeg")
    for style in (photo_file, broken):  # no decoder installed in this test
        assert main(["image", str(photo_file), str(tmp_path / "o.png"), "--style", str(style)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "AdaIN decoder" in err[0]


def test_broken_style_picture_is_one_line(decoder_installed, photo_file, tmp_path, capsys):
    from stylecam.cli import main

    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really a jpeg")
    assert main(["image", str(photo_file), str(tmp_path / "o.png"), "--style", str(broken)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a readable image" in err[0]
    assert not (tmp_path / "o.png").exists()


def test_live_style_dir_rotates_through_pictures(decoder_installed, photo, tmp_path, capsys):
    from models.images import write_rgb
    from stylecam.cli import main

    for i in range(2):
        write_rgb(tmp_path / "paintings" / f"p{i}.png", np.roll(photo, 10 * i, axis=1))
    assert main(["live", "--source", "synthetic", "--size", "64x48", "--no-window", "--frames", "3",
                 "--style-dir", str(tmp_path / "paintings"), "--model-size", "32", "--no-learn"]) == 0
    out, err = capsys.readouterr()
    assert "3 frames shown" in out
    assert err.count("stylecam learn") == 1 and "p0.png --minutes 5" in err  # one hint, not one per picture
    assert main(["live", "--source", "synthetic", "--no-window", "--style-dir", str(tmp_path / "none")]) == 2


def test_picture_blend_parses_paths_and_weights():
    from pathlib import Path

    from models.errors import UserError
    from models.inference.picture_styles import picture_blend

    assert picture_blend("a/b.jpg") == [(Path("a/b.jpg"), 1.0)]
    assert picture_blend("a.jpg:0.7, b.PNG:0.3") == [(Path("a.jpg"), 0.7), (Path("b.PNG"), 0.3)]
    assert picture_blend("starry") is None and picture_blend("starry:0.5,wave:0.5") is None
    assert picture_blend("x/model.safetensors") is None
    for bad in ("a.jpg:-1", "a.jpg:0,b.jpg:0", "a.jpg:nan"):
        with pytest.raises(UserError):
            picture_blend(bad)


def test_picture_blend_statistics_are_the_weighted_mean(decoder_installed, photo, tmp_path):
    from models.images import resize_short_side, to_tensor, write_rgb
    from models.inference.picture_styles import PICTURE_SHORT_SIDE, picture_style_network

    a = write_rgb(tmp_path / "a.png", photo)
    b = write_rgb(tmp_path / "b.png", 255 - photo[::-1])
    net_a, _, key_a = picture_style_network(str(a))
    net_b, _, _ = picture_style_network(str(b))
    mixed, meta, key_mix = picture_style_network(f"{a}:3,{b}:1")
    torch.testing.assert_close(mixed.style_mean, 0.75 * net_a.style_mean + 0.25 * net_b.style_mean)
    torch.testing.assert_close(mixed.style_std, 0.75 * net_a.style_std + 0.25 * net_b.style_std)
    assert meta["weights"] == [3.0, 1.0] and key_mix != key_a
    # the statistics are those of the picture at the decoder's training scale
    stats = AdaINNet(net_a.decoder).style_statistics(to_tensor(resize_short_side(photo, PICTURE_SHORT_SIDE)))
    torch.testing.assert_close(net_a.style_mean, stats[0])


def test_picture_alpha_zero_reproduces_the_content_features(decoder_installed, photo, tmp_path):
    from models.images import to_tensor, write_rgb
    from models.inference.picture_styles import picture_style_network

    style = write_rgb(tmp_path / "s.png", 255 - photo)
    x = to_tensor(photo[:40, :48])
    none, _, _ = picture_style_network(str(style), alpha=0.0)
    full, _, _ = picture_style_network(str(style), alpha=1.0)
    with torch.no_grad():
        b = none.border
        padded = torch.nn.functional.pad(x, none.padding(40, 48), mode="reflect")
        features = none.encoder(padded.flip(1) * 255.0 - none.caffe_mean)
        torch.testing.assert_close(none(x), none.decoder(features)[..., b:b + 40, b:b + 48])
        assert not torch.allclose(full(x), none(x))


def test_frames_are_mirrored_out_before_encoding_whatever_their_size(net):
    from models.nets.adain import ImageStyleNet

    style = ImageStyleNet(net, *net.style_statistics(torch.rand(1, 3, 32, 32))).eval()
    assert style.border >= 8
    for h, w in ((40, 48), (37, 45), (480, 640), (9, 7)):
        left, right, top, bottom = style.padding(h, w)
        assert left == top == style.border and (w + left + right) % 8 == 0 and (h + top + bottom) % 8 == 0
    for h, w in ((37, 45), (9, 7)):  # a frame smaller than the border is repeated out, not mirrored
        with torch.no_grad():
            assert style(torch.rand(1, 3, h, w)).shape == (1, 3, h, w)


def test_picture_recoloured_to_the_photo_loses_its_colour_cast(decoder_installed, photo, tmp_path):
    from models.errors import UserError
    from models.images import write_rgb
    from models.inference.picture_styles import picture_style_network

    cast = photo.astype(float) * [0.4, 0.7, 1.0] + [20, 60, 90]  # the same picture with a blue cast
    style = write_rgb(tmp_path / "s.png", cast.clip(0, 255).astype(np.uint8))
    plain, _, key_plain = picture_style_network(str(style))
    recoloured, _, key_rec = picture_style_network(str(style), recolor_to=photo)
    photo_net, _, _ = picture_style_network(str(write_rgb(tmp_path / "p.png", photo)))
    assert key_plain != key_rec
    gap = (recoloured.style_mean - photo_net.style_mean).abs().mean()
    assert gap < 0.5 * (plain.style_mean - photo_net.style_mean).abs().mean()
    with pytest.raises(UserError, match="alpha"):
        picture_style_network(str(style), alpha=1.5)


def test_find_decoder_by_kind_preference_and_path(tmp_path, monkeypatch, capsys):
    from models.inference import style_folders
    from models.inference.registry import StyleError, find_decoder, save_decoder, user_style_dir
    from models.nets.light_encoder import LightEncoder
    from stylecam.cli import main

    shipped = tmp_path / "shipped"
    shipped.mkdir()
    monkeypatch.setattr(style_folders, "SHIPPED_DIR", shipped)
    with pytest.raises(StyleError, match="needs an AdaIN decoder"):
        find_decoder(prefer="light")
    light_encoder = LightEncoder(0.125)
    light = save_decoder(Decoder(0.125, light_encoder.out_channels), {"name": "l"}, shipped / "b.decoder.safetensors",
                         encoder=light_encoder)
    with pytest.raises(StyleError, match="no vgg19 AdaIN decoder is installed"):
        find_decoder("vgg19")
    assert find_decoder(prefer="vgg19") == light  # the preferred kind when there is one, else any
    vgg = save_decoder(Decoder(0.125), {"name": "v"}, user_style_dir() / "z.decoder.safetensors")
    assert find_decoder() == vgg  # the user's own first
    assert find_decoder(prefer="light") == light and find_decoder("light") == light
    assert find_decoder("vgg19", prefer="light") == vgg
    assert find_decoder(str(light)) == light
    with pytest.raises(StyleError, match="no such file"):
        find_decoder(str(tmp_path / "missing.safetensors"))
    photo = tmp_path / "p.png"
    from models.images import write_rgb

    write_rgb(photo, np.full((24, 32, 3), 90, np.uint8))
    assert main(["image", str(photo), str(tmp_path / "o.png"), "--style", str(photo), "--decoder", "nope.bin"]) == 2
    assert "--decoder nope.bin: no such file" in capsys.readouterr().err
    assert main(["image", str(photo), str(tmp_path / "o.png"), "--style", str(photo), "--decoder", "light"]) == 0


def test_bench_times_a_picture_style_on_every_installed_decoder(decoder_installed, tmp_path, monkeypatch, capsys):
    import json

    from models.images import write_rgb
    from models.inference import style_folders
    from models.inference.registry import save_decoder
    from models.nets.light_encoder import LightEncoder
    from stylecam.cli import main

    monkeypatch.setattr(style_folders, "SHIPPED_DIR", tmp_path / "shipped")
    encoder = LightEncoder(0.125)
    save_decoder(Decoder(0.125, encoder.out_channels), {"name": "l"}, tmp_path / "shipped" / "l.decoder.safetensors",
                 encoder=encoder)
    painting = write_rgb(tmp_path / "painting.png", np.random.default_rng(0).integers(0, 255, (40, 40, 3), np.uint8))
    assert main(["bench", "--style", str(painting), "--size", "64x48", "--frames", "2", "--warmup", "1",
                 "--decoder", "all", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [Path(r["decoder"]).name for r in results] == ["tiny.decoder.safetensors", "l.decoder.safetensors"]
    vgg, light = results
    assert light["gflops"] < vgg["gflops"] / 4 and all(r["median_ms"] > 0 for r in results)


def test_masked_adain_over_the_whole_frame_is_adain_and_a_region_gets_its_own_statistics():
    from models.nets.adain import masked_adain

    torch.manual_seed(0)
    f = torch.rand(2, 5, 6, 8) * 3
    m_s, s_s = torch.rand(2, 5, 1, 1), torch.rand(2, 5, 1, 1) + 0.5
    torch.testing.assert_close(masked_adain(f, torch.ones(2, 1, 6, 8), m_s, s_s), adain(f, m_s, s_s))
    mask = torch.zeros(2, 1, 6, 8)
    mask[..., :4] = 1.0
    inside = masked_adain(f, mask, m_s, s_s)[..., :4]  # the left half alone has the style's statistics
    mean, std = mean_std(inside)
    torch.testing.assert_close(mean, m_s, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(std, s_s, atol=1e-3, rtol=1e-3)


def test_two_pictures_in_one_frame_follow_the_mask(decoder_installed, photo_file, photo, tmp_path, capsys):
    from models.images import read_rgb, write_rgb
    from models.inference.registry import load_decoder
    from models.inference.runtime import compile_module
    from models.nets.adain import ImageStyleNet, RegionStyleNet
    from stylecam.cli import main

    net, _ = load_decoder(decoder_installed)
    torch.manual_seed(1)
    a = net.style_statistics(torch.rand(1, 3, 48, 48) * 0.3)
    b = net.style_statistics(torch.rand(1, 3, 48, 48) * 0.3 + 0.7)
    x = torch.rand(1, 3, 44, 60)
    with torch.no_grad():
        only_a, only_b = ImageStyleNet(net, *a).eval()(x), ImageStyleNet(net, *b).eval()(x)
        white = RegionStyleNet(net, a, b, torch.ones(1, 1, 5, 7)).eval()
        torch.testing.assert_close(white(x), only_b)  # white: the second style everywhere
        torch.testing.assert_close(RegionStyleNet(net, a, b, torch.zeros(1, 1, 9, 3)).eval()(x), only_a)
        half = torch.zeros(1, 1, 10, 10)
        half[..., 5:] = 1.0
        split = RegionStyleNet(net, a, b, half).eval()
        out = split(x)
        torch.testing.assert_close(compile_module(split, torch.device("cpu"), torch.float32)(x), out)
    left, right = out[..., :22], out[..., 38:]  # away from the seam
    assert (left - only_a[..., :22]).abs().mean() < (left - only_b[..., :22]).abs().mean()
    assert (right - only_b[..., 38:]).abs().mean() < (right - only_a[..., 38:]).abs().mean()

    dark, light = (write_rgb(tmp_path / f"{n}.png", np.full((32, 32, 3), v, np.uint8))
                   for n, v in (("d", 20), ("l", 235)))
    mask = np.zeros((10, 20, 3), np.uint8)
    mask[:, 10:] = 255
    mask_file = write_rgb(tmp_path / "mask.png", mask)
    out_file = tmp_path / "two.png"
    assert main(["image", str(photo_file), str(out_file), "--style", str(dark), "--mask-style", str(light),
                 "--mask", str(mask_file)]) == 0
    two = read_rgb(out_file).astype(float)
    w = two.shape[1]
    assert two[:, : w // 3].mean() < two[:, -w // 3:].mean()  # the light picture on the mask's white half
    for bad in (["--mask", str(mask_file)], ["--mask-style", str(light), "--mask", str(mask_file), "--style", "x"]):
        argv = ["image", str(photo_file), str(tmp_path / "o.png"), *bad]
        if "--style" not in bad:
            argv += ["--style", str(dark)]
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and ("go together" in err[0] or "needs a picture" in err[0]), err


def test_a_decoder_file_stores_half_precision_and_loads_within_a_level(tmp_path):
    from safetensors.torch import load_file

    from models.inference.registry import load_decoder, save_decoder

    torch.manual_seed(0)
    decoder = Decoder(0.125).eval()
    path = save_decoder(decoder, {"name": "h"}, tmp_path / "h.decoder.safetensors")
    assert {t.dtype for t in load_file(str(path)).values()} == {torch.float16}
    net, _ = load_decoder(path)
    assert all(p.dtype == torch.float32 for p in net.decoder.parameters())
    x = torch.randn(1, 512, 6, 7) * 20
    with torch.no_grad():
        assert (net.decoder(x) - decoder(x)).abs().max() < 1 / 255


def test_identity_loss_teaches_the_decoder_to_rebuild_the_photo(net):
    from models.nets.adain import BOTTLENECK
    from models.training.adain import identity_loss

    torch.manual_seed(0)
    photo = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        features = net.encoder(photo, (BOTTLENECK,))[BOTTLENECK]
    net.decoder.train()
    opt = torch.optim.Adam(net.decoder.parameters(), lr=1e-3)
    losses = []
    for _ in range(30):
        loss = identity_loss(net.decoder(features), photo)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert identity_loss(photo, photo).item() == 0.0 and losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("name, command, kind, megabytes", [
    ("adain", "stylecam train-adain", "vgg19", 8),
    ("adain-light", "stylecam distill-adain", "light", 1),  # the live one: taught by the VGG-19 one
])
def test_the_shipped_decoders_are_the_projects_own_and_stylize(tmp_path, name, command, kind, megabytes):
    from models.images import write_rgb
    from models.inference.registry import SHIPPED_DIR, find_decoder, load_decoder
    from models.inference.runtime import Stylizer

    path = SHIPPED_DIR / f"{name}.decoder.safetensors"
    _, meta = load_decoder(path)
    assert meta["command"].startswith(command) and meta["encoder"] == kind
    assert meta["train"]["phases"][0]["from_step"] == 0 and path.stat().st_size < megabytes * 1024 * 1024
    if kind == "light":
        assert meta["teacher"]["file"] == "adain.decoder.safetensors" and meta["init"]["command"]
    assert find_decoder(prefer=kind) == path  # live prefers the light one, image and render VGG-19's
    yy, xx = np.mgrid[0:64, 0:64]
    photo = np.stack([xx * 4, yy * 4, 128 + 0 * xx], axis=-1).astype(np.uint8)
    red = np.zeros((64, 64, 3), np.uint8)
    red[..., 0] = 200 + (np.sin(xx / 2.0) * 40).astype(np.uint8)
    painting = write_rgb(tmp_path / "red.png", red)
    out = Stylizer(str(painting), device="cpu", decoder=str(path))(photo).astype(float)
    assert out.shape == photo.shape
    assert out[..., 0].mean() - out[..., 2].mean() > photo[..., 0].mean() - photo[..., 2].mean() + 20  # redder


def test_log_gram_distance_is_the_log_of_the_quality_metrics_terms():
    from models.nets.adain import log_gram_distance, moment_distance
    from models.training.losses import gram

    torch.manual_seed(1)
    layers = ("a", "b")
    out = {"a": torch.rand(2, 4, 6, 6), "b": torch.rand(2, 8, 3, 3)}
    style = {"a": torch.rand(2, 4, 5, 7) * 2, "b": torch.rand(2, 8, 4, 4)}
    expected = torch.stack([torch.log(((gram(out[k][n:n + 1]) - gram(style[k][n:n + 1])) ** 2).mean())
                            for k in layers for n in range(2)]).mean()
    torch.testing.assert_close(log_gram_distance(out, style, layers), expected, rtol=1e-5, atol=1e-5)
    # halving every Gram distance lowers the loss by log 2, whatever the layer's scale: against features of zero
    # the distance is the mean of Gram² (a Gram scales as the features squared), so features × 2^(-1/4) halve it
    zero = {k: torch.zeros_like(style[k]) for k in layers}
    loud = {"a": out["a"], "b": out["b"] * 1000}  # one layer a million times the other's Gram
    halved = {k: v * 2 ** -0.25 for k, v in loud.items()}
    drop = log_gram_distance(loud, zero, layers) - log_gram_distance(halved, zero, layers)
    torch.testing.assert_close(drop, torch.tensor(math.log(2.0)), rtol=1e-4, atol=1e-4)
    assert log_gram_distance(style, style, layers) < -15  # the same features: the floor
    assert moment_distance(style, style, layers) == 0 and moment_distance(out, style, layers) > 0


def test_gram_style_loss_reaches_relu5_1_and_trains_only_the_decoder():
    from models.nets.adain import style_layers
    from models.nets.vgg import VGG19Features

    torch.manual_seed(0)
    net = AdaINNet(Decoder(width=0.125), VGG19Features("block5_relu1")).train()
    content, style = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    feats = net.encoder(style, style_layers("gram"))
    target = adain(net.encoder(content, ("block4_relu1",))["block4_relu1"], *mean_std(feats["block4_relu1"]))
    c, s = adain_losses(net, net.decoder(target), target, feats, style_loss="gram")
    assert "block5_relu1" in feats and torch.isfinite(c + s)
    s.backward()
    assert all(p.grad is None for p in net.encoder.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.decoder.parameters())
    with pytest.raises(ValueError, match="style loss"):
        style_layers("wct")


def test_palette_recolours_each_output_frame_and_compiles(net):
    from models.color import recolor
    from models.inference.runtime import compile_module
    from models.nets.adain import PALETTE_MIN_VARIANCE, ImageStyleNet, palette_for_network, picture_palette

    picture = torch.rand(1, 3, 48, 48) * torch.tensor([0.3, 0.5, 0.2]).view(1, 3, 1, 1) + 0.2
    stats = net.style_statistics(picture)
    palette = palette_for_network(*picture_palette(picture))
    plain = ImageStyleNet(net, *stats).eval()
    coloured = ImageStyleNet(net, *stats, palette=palette).eval()
    x = torch.rand(1, 3, 37, 45)
    with torch.no_grad():
        y = coloured(x)
        assert y.shape == x.shape and not torch.allclose(plain(x), y)
        torch.testing.assert_close(y, recolor(plain(x), *palette, PALETTE_MIN_VARIANCE))  # recolor's maths: test_color
        torch.testing.assert_close(compile_module(coloured, torch.device("cpu"), torch.float32)(x), y)
        # alpha 0 is the content features decoded, palette or not
        zero = ImageStyleNet(net, *stats, alpha=0.0, palette=palette).eval()
        torch.testing.assert_close(zero(x), ImageStyleNet(net, *stats, alpha=0.0).eval()(x))
        # half precision (the GPU path): the recolouring runs in float32 and the frame comes back in half
        half = copy.deepcopy(ImageStyleNet(net, *stats, palette=palette)).eval().half()  # the fixture stays fp32
        out = half(x.half())
        assert out.dtype == torch.float16 and torch.isfinite(out).all()


def test_picture_palette_is_on_by_default_and_off_with_the_photos_colours(decoder_installed, photo, tmp_path):
    from models.images import write_rgb
    from models.inference.picture_styles import picture_style_network

    style = write_rgb(tmp_path / "s.png", 255 - photo)
    on, meta_on, key_on = picture_style_network(str(style))
    off, meta_off, key_off = picture_style_network(str(style), palette=False)
    recoloured, meta_rec, _ = picture_style_network(str(style), recolor_to=photo)
    assert on.use_palette and meta_on["palette"] and not off.use_palette and not meta_off["palette"]
    assert not recoloured.use_palette and not meta_rec["palette"] and key_on != key_off
