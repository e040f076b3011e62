import torch

from models.training.temporal_loss import random_smooth_flow, temporal_loss, warp_tensor


def test_zero_flow_is_identity_and_everything_is_inside():
    x = torch.rand(2, 3, 10, 12)
    out, inside = warp_tensor(x, torch.zeros(2, 2, 10, 12))
    torch.testing.assert_close(out, x)
    assert inside.all()


def test_integer_shift_against_formula():
    x = torch.rand(1, 3, 8, 9)
    flow = torch.zeros(1, 2, 8, 9)
    flow[:, 0] = 2.0  # sample two pixels to the right
    out, inside = warp_tensor(x, flow)
    torch.testing.assert_close(out[..., :-2], x[..., 2:])
    assert not inside[..., -2:].any() and inside[..., :-2].all()


def test_random_flow_is_smooth_and_bounded():
    g = torch.Generator().manual_seed(0)
    flow = random_smooth_flow(3, 32, 32, max_shift=4, max_wobble=2, generator=g)
    assert flow.shape == (3, 2, 32, 32) and flow.abs().max() <= 6.5
    assert (flow[..., 1:, :] - flow[..., :-1, :]).abs().max() < 0.6  # neighbours move alike


def test_loss_is_zero_for_an_equivariant_network_and_positive_otherwise():
    x = torch.rand(2, 3, 16, 16)
    flow = random_smooth_flow(2, 16, 16, generator=torch.Generator().manual_seed(1))

    def pointwise(t):
        return 1 - t  # commutes with warping

    warped_x = warp_tensor(x, flow)[0]
    assert temporal_loss(pointwise(x), pointwise(warped_x), flow).item() < 1e-6

    def position_dependent(t):
        ramp = torch.linspace(0, 1, t.shape[-1]).view(1, 1, 1, -1)
        return t * ramp  # does not commute with a shift

    assert temporal_loss(position_dependent(x), position_dependent(warped_x), flow).item() > 1.0
