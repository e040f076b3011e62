import pytest
import torch

from models.color import blend, preserve_color, rgb_to_ycbcr, ycbcr_to_rgb


def test_ycbcr_round_trip_and_grey_has_no_chroma():
    x = torch.rand(2, 3, 5, 7)
    torch.testing.assert_close(ycbcr_to_rgb(rgb_to_ycbcr(x)), x, atol=1e-5, rtol=1e-5)
    grey = torch.full((1, 3, 2, 2), 0.4)
    ycc = rgb_to_ycbcr(grey)
    torch.testing.assert_close(ycc[:, 0], torch.full((1, 2, 2), 0.4))
    assert ycc[:, 1:].abs().max() < 1e-6


def test_preserve_color_takes_luma_from_stylized_and_chroma_from_original():
    # In gamut by construction: with o in [0.25, 0.75] and s = o/2 + 1/4, the result o + (Y_s - Y_o)
    # stays in [0.125, 0.875], so no clipping interferes; s's chroma is half o's, so the test can tell.
    original = torch.rand(1, 3, 6, 6, generator=torch.Generator().manual_seed(0)) * 0.5 + 0.25
    stylized = original * 0.5 + 0.25
    out = rgb_to_ycbcr(preserve_color(stylized, original))
    torch.testing.assert_close(out[:, 0], rgb_to_ycbcr(stylized)[:, 0], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out[:, 1:], rgb_to_ycbcr(original)[:, 1:], atol=1e-5, rtol=1e-5)


def test_blend_endpoints_and_exception():
    a, b = torch.zeros(1, 3, 2, 2), torch.ones(1, 3, 2, 2)
    torch.testing.assert_close(blend(b, a, 0.0), a)
    torch.testing.assert_close(blend(b, a, 1.0), b)
    torch.testing.assert_close(blend(b, a, 0.25), torch.full_like(a, 0.25))
    with pytest.raises(ValueError):
        blend(b, a, 1.5)


def test_match_color_gives_the_target_mean_and_covariance():
    from models.color import match_color

    torch.manual_seed(0)
    source = torch.rand(1, 3, 40, 30) * torch.tensor([0.3, 0.6, 0.2]).view(1, 3, 1, 1) + 0.1
    target = torch.rand(1, 3, 20, 20) * 0.4 + torch.tensor([0.5, 0.2, 0.3]).view(1, 3, 1, 1)
    target[:, 1] = 0.5 * target[:, 0] + 0.1  # correlated channels
    out = match_color(source, target)
    assert out.shape == source.shape and out.min() >= 0 and out.max() <= 1

    def stats(x):
        flat = x.double().reshape(3, -1)
        return flat.mean(1), torch.cov(flat, correction=0)

    (m_o, c_o), (m_t, c_t) = stats(out), stats(target)
    torch.testing.assert_close(m_o, m_t, atol=1e-3, rtol=0)
    torch.testing.assert_close(c_o, c_t, atol=1e-3, rtol=0)


def test_recolor_bounds_the_stretch_of_a_flat_colour_direction():
    from models.color import color_moments, recolor, symmetric_power

    torch.manual_seed(0)
    target = torch.rand(1, 3, 16, 16)
    mean, cov = color_moments(target)
    sqrt_cov = symmetric_power(cov, 0.5)
    grey = torch.rand(1, 1, 20, 20).expand(1, 3, 20, 20).clone() * 0.5 + 0.25  # no chroma at all
    grey[:, 2] += torch.randn(1, 20, 20) * 1e-2  # but a trace of noise in blue

    def second_spread(image):  # the second largest eigenvalue of the colour covariance
        return torch.linalg.eigvalsh(color_moments(image)[1])[0, 1]

    stretched = recolor(grey, mean, sqrt_cov)  # whitened: the noise becomes a full colour direction
    bounded = recolor(grey, mean, sqrt_cov, min_variance=1e-2)
    assert second_spread(stretched) > 0.2 * torch.linalg.eigvalsh(cov)[0, 1]
    assert second_spread(bounded) < 0.05 * second_spread(stretched)
    batch = torch.cat([torch.rand(1, 3, 8, 8) * 0.2, torch.rand(1, 3, 8, 8) * 0.5 + 0.3])
    out = recolor(batch, mean, sqrt_cov)  # each image of a batch gets its own transfer
    torch.testing.assert_close(color_moments(out)[0], mean.expand(2, 3, 1), atol=0.03, rtol=0)


@pytest.mark.parametrize("amount", [1.0, 0.4])
def test_recolor_frame_on_8_bit_frames_is_recolor(amount):
    import numpy as np

    from models.color import color_moments, recolor, recolor_frame, symmetric_power

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:30, 0:40]
    frame = np.stack([xx * 5, yy * 6 + xx, 200 - xx * 2], -1) + rng.integers(0, 30, (30, 40, 3))
    frame = frame.clip(0, 255).astype(np.uint8)
    target = torch.rand(1, 3, 16, 16) * torch.tensor([0.5, 0.2, 0.3]).view(1, 3, 1, 1) + 0.2
    mean, cov = color_moments(target)
    sqrt_cov = symmetric_power(cov, 0.5)
    x = torch.from_numpy(frame).permute(2, 0, 1)[None].double() / 255
    full = recolor(x, mean.double(), sqrt_cov.double(), 1e-3)
    expected = ((x + amount * (full - x))[0].permute(1, 2, 0) * 255).round().numpy()
    got = recolor_frame(frame, mean.numpy(), sqrt_cov.numpy(), 1e-3, amount)
    assert got.dtype == np.uint8 and got.shape == frame.shape
    assert np.abs(got - expected).max() <= 1
    assert np.abs(got.astype(int) - frame).mean() > 10  # it did recolour
