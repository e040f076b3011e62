"""Output distillation: the light AdaIN network learns to reproduce a VGG-19 one's pictures."""

from __future__ import annotations

import pytest
import torch

from models.inference.registry import load_decoder, read_metadata_any, save_decoder
from models.nets.adain import AdaINNet, Decoder
from models.nets.light_encoder import LightEncoder
from models.training.adain_distill import PERCEPTUAL_LAYERS, feature_distance, stylize


def test_feature_distance_is_zero_for_equal_features_and_counts_every_layer_alike():
    torch.manual_seed(0)
    teacher = {k: torch.rand(2, 4, 8, 8) * (10.0 ** i) for i, k in enumerate(PERCEPTUAL_LAYERS)}
    assert feature_distance(teacher, teacher) == 0
    # the same relative error on each layer costs the same, whatever the layer's scale (1 to 100 here)
    for layer in PERCEPTUAL_LAYERS:
        off = {k: v * (1.1 if k == layer else 1.0) for k, v in teacher.items()}
        assert feature_distance(off, teacher).item() == pytest.approx(0.01, rel=1e-4)


@pytest.fixture
def teacher_file(tmp_path):
    """A VGG-19 AdaIN network with a tiny random decoder: a teacher whose pictures are cheap to make."""
    torch.manual_seed(1)
    return save_decoder(Decoder(0.05), {"name": "teacher"}, tmp_path / "teacher.decoder.safetensors")


def _distance_to_teacher(student_path, teacher_path, photo):
    from models.images import to_tensor

    student, teacher = load_decoder(student_path)[0], load_decoder(teacher_path)[0]
    content, style = to_tensor(photo), to_tensor(photo[:, ::-1].copy())  # a pair like the training data
    with torch.no_grad():
        return (stylize(student, content, style) - stylize(teacher, content, style)).abs().mean().item()


def test_distill_adain_learns_the_teachers_pictures_and_resumes(tmp_path, adain_data, teacher_file, photo,
                                                                 computed_steps):
    from stylecam.cli import main

    def run(steps, *extra):
        out = tmp_path / "light.decoder.safetensors"
        assert main(["distill-adain", *adain_data, "--teacher", str(teacher_file), "--size", "32", "--batch", "2",
                     "--encoder-width", "0.125", "--width", "0.125", "--lr", "1e-2", "--ema", "0",
                     "--style-weight", "0",
                     "--out", str(out), "--run-dir", str(tmp_path / "run"), "--quiet", "--steps", str(steps),
                     *extra]) == 0
        return out

    start = run(1)
    before = _distance_to_teacher(start, teacher_file, photo)
    computed_steps.clear()
    out = run(150, "--resume")
    assert len(computed_steps) == 149  # on from the first run's checkpoint, not all 150 steps again
    after = _distance_to_teacher(out, teacher_file, photo)
    assert after < 0.8 * before, (before, after)
    net, meta = load_decoder(out)
    assert meta["encoder"] == "light" and isinstance(net.encoder, LightEncoder)
    assert meta["train"]["final_step"] == 150 and meta["teacher"]["file"] == teacher_file.name
    assert meta["command"].startswith("stylecam distill-adain") and meta["init"] is None
    assert [p["from_step"] for p in meta["train"]["phases"]] == [0]  # the resume changed no setting


def test_distill_adain_starts_from_a_light_decoder_and_trains_its_encoder_too(tmp_path, adain_data, teacher_file):
    from stylecam.cli import main

    torch.manual_seed(2)
    enc = LightEncoder(0.125)
    init = save_decoder(Decoder(0.125, enc.out_channels), {"name": "init", "command": "stylecam train-adain …"},
                        tmp_path / "init.decoder.safetensors", encoder=enc)
    out = tmp_path / "light.decoder.safetensors"
    assert main(["distill-adain", *adain_data, "--teacher", str(teacher_file), "--init", str(init), "--size", "32",
                 "--batch", "2", "--lr", "1e-2", "--steps", "3", "--ema", "0", "--style-weight", "0.5",
                 "--out", str(out),
                 "--run-dir", str(tmp_path / "run"), "--quiet"]) == 0
    first, trained = load_decoder(init)[0], load_decoder(out)[0]
    for part in ("encoder", "decoder"):
        a, b = getattr(first, part).state_dict(), getattr(trained, part).state_dict()
        assert max((a[k] - b[k]).abs().max() for k in a) > 1e-3, part
    assert read_metadata_any(out)["train"]["style_weight"] == 0.5  # the painting's Gram statistics too
    assert read_metadata_any(out)["init"] == {"file": "init.decoder.safetensors", "command": "stylecam train-adain …",
                                              "final_step": None}


@pytest.mark.parametrize("which", ["teacher", "init"])
def test_distill_adain_refuses_the_wrong_kind_of_decoder_in_one_line(tmp_path, adain_data, teacher_file, which,
                                                                   capsys):
    from stylecam.cli import main

    enc = LightEncoder(0.125)
    light = save_decoder(Decoder(0.125, enc.out_channels), {"name": "l"}, tmp_path / "l.decoder.safetensors",
                         encoder=enc)
    wrong = {"teacher": ["--teacher", str(light)], "init": ["--teacher", str(teacher_file), "--init",
                                                               str(teacher_file)]}[which]
    assert main(["distill-adain", *adain_data, *wrong, "--steps", "1", "--size", "32",
                 "--run-dir", str(tmp_path / "run"), "--out", str(tmp_path / "o.safetensors"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and ("VGG-19" in err if which == "teacher" else "light" in err), err
    assert not (tmp_path / "o.safetensors").exists()


def test_stylize_gives_each_sample_its_own_style():
    torch.manual_seed(0)
    enc = LightEncoder(0.125)
    net = AdaINNet(Decoder(0.125, enc.out_channels), enc).eval()
    content, styles = torch.rand(1, 3, 32, 32).expand(2, -1, -1, -1), torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        both = stylize(net, content, styles)
        one = stylize(net, content[:1], styles[1:])
    torch.testing.assert_close(both[1:], one, atol=1e-5, rtol=1e-4)
    assert (both[0] - both[1]).abs().max() > 1e-4
