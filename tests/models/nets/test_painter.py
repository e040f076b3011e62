"""models.nets.live.FramePainter: the live network that paints the frame's own pixels, its trunk at any size."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from models.nets.live import FramePainter, painter_state
from models.nets.transformer import TIERS, build_network
from models.training.feedforward import warm_start_state


def _live(seed: int = 0):
    torch.manual_seed(seed)
    return build_network(TIERS["live"]).eval()


def _painter_from(live) -> FramePainter:
    painter = build_network(TIERS["painter"])
    painter.load_state_dict(warm_start_state(live, painter.config, "live"))
    return painter.eval()


def test_feature_warm_started_from_a_live_network_it_paints_the_same_picture_at_full_size():
    live = _live()
    painter = _painter_from(live)
    x = torch.rand(1, 3, 48, 64)
    with torch.no_grad():
        assert torch.equal(painter(x), live(x))


@pytest.mark.parametrize("small", [(36, 48), (24, 32), (48, 64)])
def test_cardinality_the_output_has_the_frames_size_whatever_the_trunks(small):
    painter = _painter_from(_live())
    x = torch.rand(2, 3, 48, 64)
    s = F.interpolate(x, size=small, mode="bilinear", align_corners=False)
    with torch.no_grad():
        y = painter(x, s)
    assert y.shape == x.shape and 0 <= float(y.min()) and float(y.max()) <= 1


def test_feature_the_detail_path_reaches_the_picture_once_its_mix_is_trained():
    painter = _painter_from(_live())
    x = torch.rand(1, 3, 48, 64)
    s = F.interpolate(x, size=(24, 32), mode="bilinear", align_corners=False)
    with torch.no_grad():
        before = painter(x, s)
        torch.nn.init.normal_(painter.mix.weight, std=0.5)
        after = painter(x, s)
    assert not torch.allclose(before, after)  # the frame's own pixels feed the strokes


def test_feature_in_training_the_trunk_sees_a_smaller_frame():
    painter = _painter_from(_live()).train()
    seen = []
    painter.stem.register_forward_hook(lambda m, i, o: seen.append(i[0].shape[-2:]))
    torch.manual_seed(3)
    for _ in range(8):
        painter(torch.rand(1, 3, 64, 64))
    assert any(h < 64 for h, _ in seen) and all(h % 8 == 0 and h >= 32 for h, _ in seen)


def test_exception_a_state_of_another_trunk_is_refused():
    fresh = build_network(TIERS["painter"]).state_dict()
    state = {k: v for k, v in _live().state_dict().items() if not k.startswith("res.3")}
    with pytest.raises(ValueError, match="res.3"):
        painter_state(state, fresh)


@pytest.mark.parametrize("flat_head", [False, True])
def test_smoke_scripted_and_exported_painters_agree(tmp_path, flat_head):
    from dataclasses import replace

    import numpy as np

    from models.inference import onnx_backend

    painter = _painter_from(_live())
    if flat_head:
        flat = build_network(replace(TIERS["painter"], flat_head=True)).eval()
        flat.load_state_dict(warm_start_state(painter, flat.config, "painter"))
        painter = flat
    torch.nn.init.normal_(painter.mix.weight, std=0.2)
    scripted = torch.jit.script(painter)
    net = onnx_backend.OnnxNet(onnx_backend.export(painter), multiple=8,
                               frames_model=onnx_backend.export_frames(painter))
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    small = np.ascontiguousarray(frame[::2, ::2])
    with torch.no_grad():
        x = torch.from_numpy(frame).permute(2, 0, 1)[None].float() / 255
        s = torch.from_numpy(small).permute(2, 0, 1)[None].float() / 255
        ref = (scripted(x, s)[0].permute(1, 2, 0) * 255).round().numpy()
    assert np.abs(net.frame(frame, small).astype(float) - ref).max() <= 1


def test_feature_a_phase_flat_head_paints_features_equal_across_patches_as_a_flat_colour():
    from dataclasses import replace

    from models.nets.live import flat_phase_head

    torch.manual_seed(1)
    features = torch.randn(1, 64, 1, 1).expand(1, 64, 6, 8)  # the same feature in every patch
    painter = _painter_from(_live())
    flat = build_network(replace(TIERS["painter"], flat_head=True))
    flat.load_state_dict(warm_start_state(painter, flat.config, "painter"))
    with torch.no_grad():
        torch.nn.init.normal_(painter.head.weight, std=0.1)
        flat.head.weight.copy_(painter.head.weight)
        lattice = painter.paint(features)[0, :, 8:-8, 8:-8]
        plain = flat.paint(features)[0, :, 8:-8, 8:-8]
    assert float(lattice.std(dim=(1, 2)).min()) > 0.05  # the head's own 8-px pattern
    assert float(plain.std(dim=(1, 2)).max()) < 1e-5
    w = painter.head.weight.detach()
    assert torch.allclose(flat_phase_head(flat_phase_head(w, 8), 8), flat_phase_head(w, 8), atol=1e-6)
    with pytest.raises(ValueError, match="2s×2s"):
        flat_phase_head(torch.zeros(64, 3, 8, 8), 8)


def test_feature_only_painters_written_with_a_flat_head_say_so_in_their_metadata():
    from dataclasses import replace

    from models.nets.transformer import NetConfig

    assert "flat_head" not in TIERS["painter"].to_dict()  # the painters shipped before it read alike
    flat = replace(TIERS["painter"], flat_head=True)
    assert NetConfig.from_dict(flat.to_dict()) == flat
    with pytest.raises(ValueError, match="phase-flat"):
        replace(TIERS["live"], flat_head=True)
