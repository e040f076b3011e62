import pytest
import torch

from models.nets.transformer import TIERS, NetConfig, TransformerNet, build_network, conv_macs, count_parameters


@pytest.mark.parametrize("tier", ["live", "painter", "fast", "quality"])
@pytest.mark.parametrize("size", [(32, 32), (37, 53), (8, 11)])
def test_tiers_keep_shape_and_range(tier, size):
    net = build_network(TIERS[tier]).eval()
    x = torch.rand(2, 3, *size)
    with torch.no_grad():
        y = net(x)
    assert y.shape == x.shape
    assert y.min() >= 0 and y.max() <= 1


def test_fast_tier_is_smaller_and_cheaper_than_quality():
    fast, quality = TransformerNet(TIERS["fast"]), TransformerNet(TIERS["quality"])
    assert count_parameters(fast) < count_parameters(quality) / 5
    assert conv_macs(fast, 64, 64) < conv_macs(quality, 64, 64) / 3


def test_quality_tier_is_johnson_sized():
    # Johnson et al. 2016: 32-64-128 channels, five residual blocks, about 1.68 M parameters.
    assert 1.6e6 < count_parameters(TransformerNet(TIERS["quality"])) < 1.75e6


def test_no_transposed_convolutions():
    for tier in ("fast", "quality"):
        assert not any(isinstance(m, torch.nn.ConvTranspose2d) for m in TransformerNet(TIERS[tier]).modules())


@pytest.mark.parametrize("bad", [
    {"channels": (16, 32)}, {"channels": (16, 32, 100000)}, {"block": "weird"}, {"n_res": 1000}, {"kernel": 4},
    {"arch": "unet"}, {"arch": "patch", "patch": 5}, {"arch": "patch", "block": "full"},
    {"arch": "painter", "block": "dwsep", "overlap": True}, {"arch": "patch", "block": "dwsep", "detail": 16},
    {"arch": "painter", "block": "dwsep", "detail": 16}, {"arch": "patch", "block": "dwsep", "fine": 1},
])
def test_config_exception_on_bad_values(bad):
    with pytest.raises(ValueError):
        NetConfig(**bad)


def test_config_dict_round_trip_and_unknown_keys():
    cfg = TIERS["fast"]
    assert NetConfig.from_dict(cfg.to_dict()) == cfg
    assert "arch" not in cfg.to_dict()  # a fast-tier file written today reads as one written before the live tier
    assert NetConfig.from_dict(TIERS["live"].to_dict()) == TIERS["live"]
    live = TIERS["live"].to_dict()
    assert "detail" not in live and "fine" not in live  # the shipped live files' metadata reads as before the painter
    assert NetConfig.from_dict(TIERS["painter"].to_dict()) == TIERS["painter"]
    with pytest.raises(ValueError):
        NetConfig.from_dict({**cfg.to_dict(), "extra": 1})
