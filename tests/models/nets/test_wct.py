import numpy as np
import pytest
import torch

from models.nets.vgg import VGG19Features
from models.nets.wct import (
    LEVELS,
    LevelDecoder,
    WCTStyleNet,
    colouring,
    covariance,
    matrix_power,
    style_statistics,
    whiten_colour,
)


def test_whiten_colour_gives_the_style_mean_and_covariance():
    torch.manual_seed(0)
    mix = torch.randn(6, 6)
    content = (mix @ torch.randn(1, 6, 400)).reshape(1, 6, 20, 20) + 3.0
    style = (torch.randn(6, 6) @ torch.randn(1, 6, 900)).reshape(1, 6, 30, 30) * 2.0 - 1.0
    out = whiten_colour(content, *colouring(style))
    (m_o, c_o), (m_s, c_s) = covariance(out, ridge=0.0), covariance(style, ridge=0.0)
    torch.testing.assert_close(m_o, m_s, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(c_o, c_s, atol=2e-3 * c_s.abs().max().item(), rtol=1e-2)
    assert out.dtype == content.dtype and out.shape == content.shape


def test_whiten_colour_alpha_zero_is_the_content_and_the_transform_is_not_the_identity():
    content = torch.randn(1, 4, 8, 8)
    stats = colouring(torch.randn(1, 4, 10, 10) * 5)
    torch.testing.assert_close(whiten_colour(content, *stats, alpha=0.0), content)
    assert (whiten_colour(content, *stats, alpha=1.0) - content).abs().mean() > 0.5


def test_matrix_power_square_root_squares_back_and_inverse_inverts():
    a = torch.randn(1, 5, 5, dtype=torch.float64)
    cov = a @ a.transpose(1, 2) + 0.1 * torch.eye(5, dtype=torch.float64)
    root = matrix_power(cov, 0.5)
    torch.testing.assert_close(root @ root, cov)
    torch.testing.assert_close(matrix_power(cov, -0.5) @ root, torch.eye(5, dtype=torch.float64)[None])


@pytest.mark.parametrize("level", LEVELS)
def test_level_decoder_returns_an_image_of_the_encoded_size(level):
    from models.nets.wct import LEVEL_LAYER

    encoder = VGG19Features(LEVEL_LAYER[level])
    image = torch.rand(1, 3, 48, 64)
    features = encoder(image, (LEVEL_LAYER[level],))[LEVEL_LAYER[level]]
    out = LevelDecoder(level, 0.25).eval()(features)
    assert out.shape == image.shape and 0.0 <= out.min() and out.max() <= 1.0
    with pytest.raises(ValueError):
        LevelDecoder(5)


@pytest.fixture(scope="module")
def small_net():
    torch.manual_seed(0)
    encoder = VGG19Features("block4_relu1")
    decoders = [LevelDecoder(level, 0.25) for level in LEVELS]
    picture = torch.rand(1, 3, 64, 80)
    return WCTStyleNet(encoder, decoders, style_statistics(encoder, picture), alpha=1.0).eval()


def test_wct_net_keeps_odd_frame_sizes_and_compiles_to_the_same_output(small_net):
    from models.inference.runtime import compile_module

    x = torch.rand(1, 3, 37, 51)
    with torch.no_grad():
        eager = small_net(x)
        compiled = compile_module(small_net, torch.device("cpu"), torch.float32)(x)
    assert eager.shape == x.shape
    # within a grey level: the statistics are float32 buffers once compiled
    torch.testing.assert_close(compiled, eager, atol=1 / 255, rtol=0)


def test_wct_decoders_file_round_trip_and_one_line_errors(tmp_path, small_net):
    from models.inference.registry import StyleError, load_wct_decoders, save_decoder, save_wct_decoders
    from models.nets.adain import Decoder

    decoders = [level.decoder for level in small_net.levels]
    path = save_wct_decoders(decoders, {"train": {"note": "test"}}, tmp_path / "w.safetensors")
    loaded, meta = load_wct_decoders(path)
    assert [d.level for d in loaded] == list(LEVELS) and meta["train"] == {"note": "test"}
    x = torch.rand(1, 128, 6, 6)
    torch.testing.assert_close(loaded[2](x), decoders[2](x), atol=2e-3, rtol=1e-2)  # stored in float16
    adain_file = save_decoder(Decoder(0.25), {}, tmp_path / "a.decoder.safetensors")
    with pytest.raises(StyleError, match="not a whitening-and-colouring"):
        load_wct_decoders(adain_file)
    with pytest.raises(StyleError, match="no such"):
        load_wct_decoders(tmp_path / "missing.safetensors")


def test_picture_style_takes_the_wct_file_and_refuses_a_region_with_it(tmp_path, small_net):
    from models.errors import UserError
    from models.images import write_rgb
    from models.inference.picture_styles import picture_style_network
    from models.inference.registry import save_wct_decoders
    from models.nets.wct import WCTStyleNet as Net

    path = save_wct_decoders([level.decoder for level in small_net.levels], {}, tmp_path / "w.safetensors")
    rng = np.random.default_rng(0)
    a = write_rgb(tmp_path / "a.png", rng.integers(0, 255, (40, 50, 3), dtype=np.uint8))
    b = write_rgb(tmp_path / "b.png", np.full((40, 50, 3), (200, 40, 10), dtype=np.uint8))
    net, meta, key = picture_style_network(str(a), decoder=str(path))
    assert isinstance(net, Net) and meta["method"] == "wct"
    other, _, key_b = picture_style_network(str(b), decoder=str(path))
    blend, _, key_ab = picture_style_network(f"{a}:1,{b}:1", decoder=str(path))
    assert len({key, key_b, key_ab}) == 3
    mean_a, mean_b = net.levels[0].mean, other.levels[0].mean
    torch.testing.assert_close(blend.levels[0].mean, (mean_a + mean_b) / 2)
    with pytest.raises(UserError, match="AdaIN"):
        picture_style_network(str(a), decoder=str(path), region=(str(b), str(a)))


def test_the_shipped_wct_decoders_stylize_a_picture_style_from_the_command_line(tmp_path):
    from models.images import read_rgb, write_rgb
    from models.inference.registry import wct_installed
    from stylecam.cli import main

    assert wct_installed()
    rng = np.random.default_rng(0)
    photo = write_rgb(tmp_path / "photo.png", rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    yy, xx = np.mgrid[0:60, 0:60]
    stripes = np.stack([(np.sin(xx / 3.0) > 0) * 220, (np.sin(yy / 5.0) > 0) * 180, xx * 4], axis=2).astype(np.uint8)
    painting = write_rgb(tmp_path / "stripes.png", stripes)
    assert main(["image", str(photo), str(tmp_path / "out.png"), "--style", str(painting), "--decoder", "wct"]) == 0
    out = read_rgb(tmp_path / "out.png")
    assert out.shape == (48, 64, 3)
    assert np.abs(out.astype(int) - read_rgb(photo).astype(int)).mean() > 10
