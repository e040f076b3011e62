import numpy as np
import pytest
import torch

from models.nets.light_encoder import TAPS, Embeddings, LightEncoder, distillation_loss
from models.nets.vgg import VGG19Features


@pytest.fixture(scope="module")
def teacher():
    return VGG19Features("block4_relu1")


def test_light_encoder_cardinality_and_layer_names():
    enc = LightEncoder(0.25)
    feats = enc(torch.rand(2, 3, 40, 48), TAPS)
    assert {k: v.shape[1:] for k, v in feats.items()} == {
        "block1_relu1": (16, 40, 48), "block2_relu1": (32, 20, 24), "block3_relu1": (64, 10, 12),
        "block4_relu1": (128, 5, 6)}
    assert enc.out_channels == 128 and enc.names[-1] == "block4_relu1"


def test_light_encoder_costs_a_fraction_of_vgg(teacher):
    def macs(net, size=(64, 64)):
        total, (h, w) = 0, size
        for layer in net.layers:
            if isinstance(layer, torch.nn.Conv2d):
                total += layer.in_channels * layer.out_channels * 9 * h * w
            elif isinstance(layer, torch.nn.MaxPool2d):
                h, w = h // 2, w // 2
        return total
    assert macs(LightEncoder(0.25)) < macs(teacher) / 12


def test_pruned_start_keeps_vgg_filters(teacher):
    """Started from VGG-19: the first layer's filters are a subset of VGG-19's."""
    enc = LightEncoder(0.25)
    small, big = enc.layers[0].weight.flatten(1), teacher.layers[0].weight.flatten(1)
    assert all(torch.isclose(big, row).all(dim=1).any() for row in small)


def test_distillation_loss_is_zero_for_the_teacher_itself_and_trains_down(teacher):
    torch.manual_seed(0)
    x = torch.rand(2, 3, 32, 32)
    target = teacher(x, TAPS)
    student = LightEncoder(0.125)
    emb = Embeddings(student, teacher)
    assert distillation_loss(target, target, _identity_embeddings(emb)).item() < 1e-10
    opt = torch.optim.Adam([*student.parameters(), *emb.parameters()], lr=1e-3)
    first = distillation_loss(student(x, TAPS), target, emb).item()
    for _ in range(20):
        loss = distillation_loss(student(x, TAPS), target, emb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.8 * first


def _identity_embeddings(emb):
    """Embeddings that pass the teacher's own features through unchanged (for the zero-loss check)."""
    ident = Embeddings.__new__(Embeddings)
    torch.nn.Module.__init__(ident)
    maps = {}
    for tap, conv in emb.maps.items():
        c = conv.out_channels
        one = torch.nn.Conv2d(c, c, 1, bias=False)
        one.weight.data.copy_(torch.eye(c).view(c, c, 1, 1))
        maps[tap] = one
    ident.maps = torch.nn.ModuleDict(maps)
    return ident


def test_train_adain_light_distills_then_trains_and_the_file_works(tmp_path, adain_data):
    from models.inference.registry import load_decoder
    from stylecam.cli import main

    out = tmp_path / "light.decoder.safetensors"
    common = ["train-adain", *adain_data, "--size", "32",
              "--batch", "2", "--width", "0.125", "--encoder", "light", "--encoder-width", "0.125",
              "--distill-steps", "3", "--out", str(out), "--run-dir", str(tmp_path / "run"), "--quiet"]
    assert main([*common, "--steps", "2"]) == 0
    from models.inference.registry import read_metadata_any

    encoder_file = tmp_path / "run" / "encoder.safetensors"
    dead = read_metadata_any(encoder_file)["dead_relu4_1_channels"]
    assert isinstance(dead, int) and dead < 64  # recorded, and the distillation left some relu4_1 channels alive
    distilled = encoder_file.read_bytes()
    assert main([*common, "--steps", "3", "--resume"]) == 0
    assert encoder_file.read_bytes() == distilled  # the resume reused the distilled encoder, not a new one
    net, meta = load_decoder(out)
    assert meta["encoder"] == "light" and meta["train"]["final_step"] == 3
    assert isinstance(net.encoder, LightEncoder) and net.decoder.in_channels == 64
    from models.inference.registry import load_light_encoder

    kept = load_light_encoder(encoder_file).state_dict()  # the decoder file carries that same encoder (within
    for k, v in kept.items():  # the rounding of the files' storage: 2e-4 here; another distillation is far off)
        torch.testing.assert_close(net.encoder.state_dict()[k].float(), v.float(), atol=2e-3, rtol=1e-2)
    x = torch.rand(1, 3, 32, 40)
    with torch.no_grad():
        y = net(x, *net.style_statistics(torch.rand(1, 3, 32, 32)))
    assert y.shape == x.shape


def test_a_light_decoder_file_with_a_wrong_encoder_is_refused(tmp_path):
    from models.inference.registry import StyleError, load_decoder, save_decoder
    from models.nets.adain import Decoder

    enc = LightEncoder(0.125)
    path = save_decoder(Decoder(0.125, enc.out_channels), {"name": "x"}, tmp_path / "x.decoder.safetensors",
                        encoder=LightEncoder(0.25))  # the decoder expects 64 channels, the encoder gives 128
    with pytest.raises(StyleError):
        load_decoder(path)


def test_a_picture_style_runs_compiled_on_the_light_encoder(tmp_path, photo):
    from models.images import write_rgb
    from models.inference.registry import save_decoder, user_style_dir
    from models.inference.runtime import Stylizer
    from models.nets.adain import Decoder

    enc = LightEncoder(0.125)
    save_decoder(Decoder(0.125, enc.out_channels), {"name": "light"}, user_style_dir() / "light.decoder.safetensors",
                 encoder=enc)
    painting = write_rgb(tmp_path / "p.png", photo[::-1])
    scripted = Stylizer(str(painting), device="cpu", backend="torchscript")
    assert scripted.backend == "torchscript" and scripted(photo).shape == photo.shape


@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_a_light_picture_style_runs_on_onnx_runtime_as_on_torchscript(tmp_path, photo, alpha):
    """The live path for pictures: ONNX Runtime, the palette step after the graph (ONNX has no eigh)."""
    from models.images import write_rgb
    from models.inference.registry import save_decoder, user_style_dir
    from models.inference.runtime import Stylizer
    from models.nets.adain import Decoder

    torch.manual_seed(0)
    enc = LightEncoder(0.125)
    save_decoder(Decoder(0.125, enc.out_channels), {"name": "light"}, user_style_dir() / "light.decoder.safetensors",
                 encoder=enc)
    painting = write_rgb(tmp_path / "p.png", (photo[::-1] * [1.0, 0.4, 0.7]).astype(np.uint8))
    ort = Stylizer(str(painting), device="cpu", alpha=alpha)  # the CPU's default engine
    ts = Stylizer(str(painting), device="cpu", alpha=alpha, backend="torchscript")
    assert (ort.backend, ts.backend) == ("onnx", "torchscript")
    for frame, size in ((photo, None), (photo[:37, :53], 24)):
        ort.model_size = ts.model_size = size
        diff = np.abs(ort(frame).astype(int) - ts(frame).astype(int))
        assert diff.max() <= 1 and diff.mean() < 0.01
    # a second picture is another network: its own cache entry, not the first one's
    other = write_rgb(tmp_path / "q.png", photo[:, ::-1])
    assert not np.array_equal(Stylizer(str(other), device="cpu", alpha=alpha)(photo), ort(photo))


def test_dead_channels_counts_the_channels_that_never_fire():
    from models.nets.light_encoder import dead_channels

    f = torch.rand(2, 4, 3, 3)
    f[:, 1] = 0
    f[0, 3] = 0  # fires in the other sample: alive
    assert dead_channels(f) == 1
