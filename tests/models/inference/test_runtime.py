import numpy as np
import pytest
import torch

from models.errors import UserError
from models.inference.registry import load_style
from models.inference.runtime import Stylizer, compile_module


def test_torchscript_matches_eager(tiny_style):
    net, _ = load_style(tiny_style)
    scripted = compile_module(net, torch.device("cpu"), torch.float32)
    x = torch.rand(1, 3, 29, 41)
    with torch.no_grad():
        torch.testing.assert_close(scripted(x), net(x), rtol=1e-5, atol=1e-5)


def test_compiled_network_is_cached_on_disk(tiny_style):
    first = Stylizer(tiny_style, device="cpu")
    second = Stylizer(tiny_style, device="cpu")
    assert not first.from_cache and second.from_cache
    frame = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    np.testing.assert_array_equal(first(frame), second(frame))


def test_stylizer_uint8_in_out_same_size(tiny_style, photo):
    out = Stylizer(tiny_style, device="cpu")(photo)
    assert out.shape == photo.shape and out.dtype == np.uint8 and out.flags["C_CONTIGUOUS"]
    assert not np.array_equal(out, photo)


def test_stylizer_matches_eager_network(tiny_style, photo):
    net, _ = load_style(tiny_style)
    x = torch.from_numpy(photo).permute(2, 0, 1).unsqueeze(0).float() / 255
    with torch.no_grad():
        expected = (net(x)[0].permute(1, 2, 0) * 255).round().numpy()
    got = Stylizer(tiny_style, device="cpu")(photo).astype(np.float32)
    assert np.abs(got - expected).max() <= 1


def test_model_size_runs_smaller_but_returns_frame_size(tiny_style, photo):
    stylizer = Stylizer(tiny_style, device="cpu", model_size=24)
    network_in, network_out = stylizer.stylize_small(photo)
    assert network_in.shape == network_out.shape == (24, 32, 3)  # the network ran at 24 px, not the frame's 48
    out = stylizer(photo)
    assert out.shape == photo.shape
    np.testing.assert_array_equal(out, stylizer.finish(network_out, photo, network_in))  # that small run, scaled up


def test_strength_zero_returns_the_photo(tiny_style, photo):
    out = Stylizer(tiny_style, device="cpu", strength=0.0)(photo)
    assert np.abs(out.astype(int) - photo).max() <= 1


def test_bad_arguments_exception(tiny_style):
    with pytest.raises(UserError):
        Stylizer(tiny_style, device="cpu", strength=2.0)
    with pytest.raises(UserError):
        Stylizer(tiny_style, device="quantum")
    with pytest.raises(ValueError):
        Stylizer(tiny_style, device="cpu")(np.zeros((4, 4), np.uint8))


def test_device_and_dtype_chosen_in_one_place(monkeypatch):
    from models.inference.device import inference_dtype, resolve_device

    assert resolve_device("cpu").type == "cpu"
    assert inference_dtype(torch.device("cuda")) == torch.float16
    assert inference_dtype(torch.device("cpu")) == torch.float32
    assert inference_dtype(torch.device("cpu"), wide_range=True) == torch.float32
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert inference_dtype(torch.device("cuda"), wide_range=True) == torch.bfloat16  # AdaIN: float32's range
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert inference_dtype(torch.device("cuda"), wide_range=True) == torch.float32
    monkeypatch.undo()
    if not torch.cuda.is_available():
        with pytest.raises(UserError, match="cuda"):
            resolve_device("cuda")
        assert resolve_device("auto").type in ("cpu", "mps")


def test_frame_batch_chosen_by_device_in_one_place():
    from models.inference.device import frame_batch

    assert frame_batch(torch.device("cpu")) == 1
    assert frame_batch(torch.device("cuda")) > 1


@pytest.mark.parametrize("backend", ["torchscript", "onnx"])
def test_a_batch_of_frames_stylizes_as_one_by_one(tiny_style, photo, backend):
    """The GPU render's batches (one network call for several frames), on the CPU's TorchScript module."""
    frames = [photo, np.ascontiguousarray(photo[::-1]), np.ascontiguousarray(255 - photo)]
    for size in (None, 24):
        st = Stylizer(tiny_style, device="cpu", backend=backend, model_size=size)
        batch, single = st.stylize_small_batch(frames), [st.stylize_small(f) for f in frames]
        assert len(batch) == 3
        for (bi, bo), (si, so) in zip(batch, single):
            assert np.array_equal(bi, si) and bo.shape == so.shape and bo.dtype == np.uint8
            assert np.abs(bo.astype(int) - so).max() <= 1


def test_fp16_network_runs_like_fp32(tiny_style):
    # The CUDA path runs the same module in fp16; check the conversion on the CPU.
    net, _ = load_style(tiny_style)
    x = torch.rand(1, 3, 16, 16)
    with torch.no_grad():
        ref = net(x)
        half = net.to(torch.float16)(x.half()).float()
    assert (half - ref).abs().max() < 0.02


def test_backend_chosen_in_one_place():
    from models.inference.device import inference_backend

    assert inference_backend(torch.device("cpu")) == "onnx"  # onnxruntime is a dependency
    assert inference_backend(torch.device("cuda")) == "torchscript"  # fp16 on the GPU stays TorchScript
    assert inference_backend(torch.device("cpu"), "torchscript") == "torchscript"
    with pytest.raises(UserError, match="CPU only"):
        inference_backend(torch.device("cuda"), "onnx")
    with pytest.raises(UserError, match="unknown backend"):
        inference_backend(torch.device("cpu"), "tensorrt")


def test_onnx_and_torchscript_backends_agree(tiny_style, photo):
    ort = Stylizer(tiny_style, device="cpu", backend="onnx")
    ts = Stylizer(tiny_style, device="cpu", backend="torchscript")
    assert (ort.backend, ts.backend) == ("onnx", "torchscript")
    diff = np.abs(ort(photo).astype(int) - ts(photo).astype(int))
    assert diff.max() <= 1 and diff.mean() < 0.01
    # other sizes than the export's 64×64 example (dynamic axes), and the model-size path
    odd = photo[:37, :53]
    assert np.abs(Stylizer(tiny_style, device="cpu", backend="onnx", model_size=24)(odd).astype(int)
                  - Stylizer(tiny_style, device="cpu", backend="torchscript", model_size=24)(odd)).max() <= 1


def test_broken_onnx_cache_entry_is_rebuilt(tiny_style, photo):
    from models.inference.runtime import cache_dir

    first = Stylizer(tiny_style, device="cpu", backend="onnx")
    assert Stylizer(tiny_style, device="cpu", backend="onnx").from_cache
    for f in (cache_dir().parent / "onnx").glob("*.onnx"):
        f.write_bytes(b"not a model")
    again = Stylizer(tiny_style, device="cpu", backend="onnx")
    assert not again.from_cache
    np.testing.assert_array_equal(first(photo), again(photo))


@pytest.mark.parametrize("backend", ["onnx", "torchscript"])
def test_feature_a_painter_paints_the_frames_own_pixels_with_its_trunk_at_the_model_size(tmp_path, backend, photo):
    """A painter style (models.nets.live.FramePainter): its trunk runs at the network's size (sides multiples of 8,
    never above the frame's), the stylization comes out at the frame's size, nothing left to scale up."""
    import cv2

    from models.inference.registry import save_style
    from models.nets.transformer import TIERS, build_network

    torch.manual_seed(0)
    net = build_network(TIERS["painter"])
    torch.nn.init.normal_(net.mix.weight, std=0.2)
    path = save_style(net.eval(), {"name": "p"}, tmp_path / "p.safetensors")
    frame = photo
    stylizer = Stylizer(path, device="cpu", model_size=36, backend=backend)
    assert stylizer.painter and stylizer.tier == "live"
    assert stylizer.network_size(48, 64) == (40, 48)  # 36 × 48 rounded to the patch grid
    network_in, out = stylizer.stylize_small(frame)
    assert network_in is frame and out.shape == frame.shape
    with torch.no_grad():
        x = torch.from_numpy(frame).permute(2, 0, 1)[None].float() / 255
        small = cv2.resize(frame, (48, 40), interpolation=cv2.INTER_AREA)
        s = torch.from_numpy(small).permute(2, 0, 1)[None].float() / 255
        eager = (net(x, s)[0].permute(1, 2, 0) * 255).round().numpy()
    assert np.abs(out.astype(float) - eager).max() <= 1
    stylizer.model_size = 96
    assert stylizer.network_size(48, 64) == (48, 64)  # a trunk never runs above the frame
