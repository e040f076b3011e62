import numpy as np
import pytest
import torch

from models.training import losses


def test_gram_against_formula():
    f = torch.randn(2, 5, 4, 3)
    g = losses.gram(f)
    assert g.shape == (2, 5, 5)
    flat = f[1].reshape(5, -1).numpy()
    np.testing.assert_allclose(g[1].numpy(), flat @ flat.T / (5 * 4 * 3), rtol=1e-5, atol=1e-6)


def test_style_loss_zero_for_own_grams_and_positive_otherwise():
    feats = {"a": torch.randn(1, 3, 8, 8), "b": torch.randn(1, 6, 4, 4)}
    own = {k: losses.gram(v)[0] for k, v in feats.items()}
    assert losses.style_loss(feats, own).item() < 1e-12
    other = {k: v * 2 for k, v in own.items()}
    assert losses.style_loss(feats, other).item() > 0


def test_style_loss_layer_weights_scale_terms():
    feats = {"a": torch.randn(1, 3, 8, 8)}
    target = {"a": torch.zeros(3, 3)}
    one = losses.style_loss(feats, target, {"a": 1.0})
    three = losses.style_loss(feats, target, {"a": 3.0})
    torch.testing.assert_close(three, one * 3)


def test_tv_loss_zero_for_constant_and_known_for_ramp():
    assert losses.tv_loss(torch.full((1, 3, 5, 5), 0.3)).item() == 0
    ramp = torch.arange(5.0).view(1, 1, 1, 5).expand(1, 1, 5, 5)
    assert abs(losses.tv_loss(ramp).item() - 1.0) < 1e-6


def test_log_style_loss_is_the_mean_log_of_each_layers_distance():
    from models.training.losses import gram, log_style_loss

    torch.manual_seed(0)
    feats = {"a": torch.rand(2, 4, 5, 5), "b": torch.rand(2, 8, 3, 3) * 100}  # layers of very different scales
    targets = {k: gram(torch.rand(1, v.shape[1], 6, 6))[0] for k, v in feats.items()}
    per = [torch.log((gram(feats[k]) - targets[k]).pow(2).mean(dim=(1, 2))) for k in feats]
    torch.testing.assert_close(log_style_loss(feats, targets), torch.stack(per).mean(), rtol=1e-5, atol=1e-5)
    # scaling a layer's features scales its term by a constant: the gradient sees relative errors only
    scaled = {**feats, "b": feats["b"] * 10}
    assert log_style_loss(scaled, {**targets, "b": targets["b"] * 100}) == pytest.approx(
        float(log_style_loss(feats, targets)) + float(torch.log(torch.tensor(1e4))) / 2, rel=1e-4)
