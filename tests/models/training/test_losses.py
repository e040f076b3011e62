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


def _lattice(h: int = 64, w: int = 96, amplitude: float = 0.1) -> torch.Tensor:
    """A smooth ramp with an 8-px lattice on top (the phase (0, 0) of every patch brighter)."""
    y = torch.linspace(0.2, 0.3, h).view(1, 1, h, 1).expand(1, 3, h, w).clone()
    y[:, :, ::8, ::8] += amplitude
    return y


def test_phase_deviation_of_a_smooth_picture_is_near_zero_and_of_a_lattice_its_amplitude():
    from models.training.losses import phase_deviation

    ramp = _lattice(amplitude=0.0)
    assert phase_deviation(ramp).abs().max() < 0.02  # the ramp's own phases differ by its slope only
    dev = phase_deviation(_lattice(amplitude=0.1))
    assert float(dev[0, 0, 0, 0].mean() - dev[0, 0, 3, 3].mean()) == pytest.approx(0.1, abs=0.02)
    assert dev.shape == (1, 3, 8, 8, 8, 12)


def test_lattice_distance_counts_only_the_students_lattice_beyond_the_teachers():
    from models.training.losses import lattice_distance

    smooth, lattice = _lattice(amplitude=0.0), _lattice(amplitude=0.1)
    assert float(lattice_distance(lattice, lattice)) == 0.0
    assert float(lattice_distance(lattice, smooth)) > 10 * float(lattice_distance(smooth + 0.05, smooth)) + 1e-6
    assert float(lattice_distance(smooth + 0.05, smooth)) == pytest.approx(0.0, abs=1e-10)  # a shift is no lattice


def test_lattice_distance_exception_on_a_picture_of_partial_patches():
    from models.training.losses import lattice_distance

    with pytest.raises(ValueError, match="patches"):
        lattice_distance(torch.rand(1, 3, 60, 64), torch.rand(1, 3, 60, 64))
