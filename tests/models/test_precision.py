"""Losses and statistics stay float32 under half-precision autocast (what CUDA training runs in).

The features are VGG-19's real activations of real pictures (skimage's), so their magnitudes are
the ones that overflow float16: a Gram matrix of relu1_1 sums tens of thousands of products of
values in the hundreds. Each function runs on the features rounded to float16, as autocast hands
them over, once plainly in float32 and once inside ``torch.autocast("cpu", dtype=torch.float16)``:
the results must be float32, finite and the same.
"""

from __future__ import annotations

import pytest
import torch

from models import color
from models.inference import optimize
from models.inference.device import float32_math
from models.nets import adain
from models.nets.vgg import CONTENT_LAYER, STYLE_LAYERS, VGG19Features
from models.training import losses, temporal_loss

LAYERS = (*STYLE_LAYERS, CONTENT_LAYER)


def _picture(name: str, size: int = 160) -> torch.Tensor:
    from skimage import data

    image = torch.from_numpy(getattr(data, name)()).permute(2, 0, 1)[None].float() / 255.0
    return torch.nn.functional.interpolate(image, size=(size, size), mode="area")


@pytest.fixture(scope="module")
def pictures():
    """(photo, painting) as autocast would give them: RGB rounded to float16, VGG-19 features in float16."""
    vgg = VGG19Features("block5_relu1")
    out = []
    for name in ("astronaut", "coffee"):
        image = _picture(name)
        with torch.no_grad():
            feats = {k: v.half() for k, v in vgg(image, LAYERS).items()}
        out.append((image.half(), feats))
    return out


def _under_autocast(fn, *args):
    with torch.autocast("cpu", dtype=torch.float16):
        return fn(*args)


def _floats(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _upcast(value):
    if isinstance(value, torch.Tensor):
        return value.float()
    if isinstance(value, dict):
        return {k: _upcast(v) for k, v in value.items()}
    return value


def test_the_features_are_big_enough_to_overflow_half_precision(pictures):
    """The premise: autocast's own matmul of these features overflows (so the tests below can fail)."""
    feats = pictures[0][1]["block1_relu1"]
    flat = feats.reshape(1, feats.shape[1], -1).float()
    with torch.autocast("cpu", dtype=torch.float16):
        product = torch.bmm(flat, flat.transpose(1, 2))
    assert product.dtype == torch.float16 and not torch.isfinite(product).all()
    with torch.autocast("cpu", dtype=torch.float16):  # the undecorated Gram: autocast casts its bmm back
        assert not torch.isfinite(losses.gram.__wrapped__(feats)).all()


def _cases(photo, paint):
    (image, f), (painting, g) = photo, paint
    layers = STYLE_LAYERS
    grams = {k: losses.gram(g[k].float())[0] for k in layers}
    m, s = adain.mean_std(g["block4_relu1"])
    mean, cov = color.color_moments(painting)
    flow = torch.full((1, 2, *image.shape[-2:]), 0.37)
    return {
        "gram": (losses.gram, f["block1_relu1"]),
        "style_loss": (losses.style_loss, f, grams),
        "content_loss": (losses.content_loss, f[CONTENT_LAYER], g[CONTENT_LAYER]),
        "feature_distance": (losses.feature_distance, f, g, layers),
        "gram_distance": (losses.gram_distance, f, g, layers),
        "tv_loss": (losses.tv_loss, image),
        "mean_std": (adain.mean_std, f["block4_relu1"]),
        "moment_distance": (adain.moment_distance, f, g, layers[:4]),
        "log_gram_distance": (adain.log_gram_distance, f, g, layers),
        "blend_statistics": (adain.blend_statistics, [adain.mean_std(f["block4_relu1"]), (m, s)], [0.3, 0.7]),
        "color_moments": (color.color_moments, image),
        "symmetric_power": (color.symmetric_power, cov, -0.5, 1e-3),
        "recolor": (color.recolor, image, mean, color.symmetric_power(cov, 0.5)),
        "warp_tensor": (temporal_loss.warp_tensor, image, flow),
        "temporal_loss": (temporal_loss.temporal_loss, image, painting, flow),
        "pastiche_objective": (optimize.pastiche_objective, f, g[CONTENT_LAYER],
                               {k: losses.gram(g[k].float()) for k in layers}),
    }


CASES = ("gram", "style_loss", "content_loss", "feature_distance", "gram_distance", "tv_loss", "mean_std",
         "moment_distance", "log_gram_distance", "blend_statistics", "color_moments", "symmetric_power", "recolor",
         "warp_tensor", "temporal_loss", "pastiche_objective")


@pytest.mark.parametrize("name", CASES)
def test_float32_whatever_the_autocast(pictures, name):
    fn, *args = _cases(*pictures)[name]
    reference = _floats(fn(*[_upcast(a) for a in args]))  # the float32 path, no autocast
    for result in (_under_autocast(fn, *args), _under_autocast(fn, *[_upcast(a) for a in args])):
        for got, want in zip(_floats(result), reference):
            assert got.dtype == torch.float32, name
            assert torch.isfinite(got).all(), name
            torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)


def test_adain_normalises_in_float32_and_hands_back_the_decoders_dtype(pictures):
    (_, f), (_, g) = pictures
    content, style = f["block4_relu1"], adain.mean_std(g["block4_relu1"])
    want = adain.adain(content.float(), *style)
    mask = torch.zeros(1, 1, *content.shape[-2:])
    mask[..., : content.shape[-1] // 2] = 1.0
    masked_want = adain.masked_adain(content.float(), mask, *style)
    with torch.autocast("cpu", dtype=torch.float16):
        got, masked = adain.adain(content, *style), adain.masked_adain(content, mask, *style)
    for out, ref in ((got, want), (masked, masked_want)):
        assert out.dtype == torch.float16 and torch.isfinite(out).all()
        torch.testing.assert_close(out.float(), ref, rtol=2e-3, atol=2e-3)  # one float16 rounding apart


def test_float32_math_leaves_float64_alone_and_other_arguments_as_they_are():
    seen = {}

    @float32_math
    def probe(a, b, *, c, n):
        seen.update(a=a.dtype, b=b[0].dtype, c=c["x"].dtype, n=n, autocast=torch.is_autocast_enabled("cpu"))
        return a

    with torch.autocast("cpu", dtype=torch.bfloat16):
        probe(torch.zeros(2, dtype=torch.float64), [torch.zeros(2, dtype=torch.bfloat16)],
              c={"x": torch.zeros(2, dtype=torch.float16)}, n=3)
    assert seen == {"a": torch.float64, "b": torch.float32, "c": torch.float32, "n": 3, "autocast": False}
    assert torch.is_autocast_enabled("cpu") is False


def test_training_steps_take_bf16_where_the_device_has_it_and_scale_fp16_losses(monkeypatch):
    from models.inference import device as dev

    cuda = torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert dev.training_dtype(cuda) == torch.bfloat16  # float32's range: no overflow, no loss scaling
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert dev.training_dtype(cuda) == torch.float16  # a GPU before Ampere
    assert dev.training_dtype(cuda, enabled=False) is None
    cpu = torch.device("cpu")
    assert dev.training_dtype(cpu) == (torch.bfloat16 if dev.cpu_has_bf16() else None)
    assert not dev.grad_scaler(cpu).is_enabled()  # no fp16 step on the CPU, nothing to scale


def test_quality_tier_files_are_stored_in_half_precision_and_load_into_float32(tmp_path):
    from safetensors.torch import load_file

    from models.inference.registry import load_style, save_style
    from models.nets.transformer import TIERS, build_network

    torch.manual_seed(0)
    net = build_network(TIERS["quality"]).eval()
    path = save_style(net, {"name": "q"}, tmp_path / "q.safetensors")
    assert {t.dtype for t in load_file(str(path)).values()} == {torch.float16}
    loaded, _ = load_style(path)
    assert {p.dtype for p in loaded.parameters()} == {torch.float32}
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        assert (loaded(x) - net(x)).abs().max() < 2 / 255  # within two levels of the float32 network
    fast = save_style(build_network(TIERS["fast"]), {"name": "f"}, tmp_path / "f.safetensors")
    assert {t.dtype for t in load_file(str(fast)).values()} == {torch.float32}
