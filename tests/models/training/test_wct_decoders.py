import numpy as np
import torch

from models.images import to_tensor, write_rgb
from models.nets.vgg import VGG19Features
from models.nets.wct import LevelDecoder
from models.training.wct_decoders import DecoderTrainConfig, reconstruction_loss, train_level_decoder


def photos(tmp_path):
    import skimage.data

    folder = tmp_path / "photos"
    for name in ("astronaut", "coffee", "chelsea"):
        write_rgb(folder / f"{name}.png", getattr(skimage.data, name)())
    return folder


def rebuild_error(decoder, image):
    encoder = VGG19Features("block1_relu1")
    with torch.no_grad():
        return torch.nn.functional.mse_loss(decoder.eval()(encoder(image, ("block1_relu1",))["block1_relu1"]),
                                            image).item()


def test_a_level_decoder_learns_to_rebuild_photos_it_never_saw_and_resumes(tmp_path, computed_steps):
    folder = photos(tmp_path)
    cfg = DecoderTrainConfig([str(folder)], level=1, steps=300, minutes=None, size=64, batch=2, short=96,
                             lr=3e-3, ema=0.0)
    decoder, settings = train_level_decoder(cfg, tmp_path / "run")
    import skimage.data

    unseen = to_tensor(np.ascontiguousarray(skimage.data.rocket()[::4, ::4]))
    torch.manual_seed(cfg.seed)
    untrained = LevelDecoder(1, cfg.width)
    assert rebuild_error(decoder, unseen) < 0.5 * rebuild_error(untrained, unseen)
    assert settings["final_step"] == 300 and settings["level"] == 1 and "content" not in settings
    longer = DecoderTrainConfig(**{**cfg.__dict__, "steps": 305})
    computed_steps.clear()
    _, resumed = train_level_decoder(longer, tmp_path / "run", resume=True)
    assert resumed["final_step"] == 305 and len(computed_steps) == 5  # five more steps, not 305 again


def test_reconstruction_loss_is_zero_for_a_perfect_rebuild_and_weighs_its_terms():
    photo, feats = torch.rand(1, 3, 8, 8), torch.rand(1, 4, 4, 4) + 0.5
    total, pixel, feature = reconstruction_loss(photo, photo, feats, feats, 10.0, 1.0)
    assert total.item() == pixel.item() == feature.item() == 0.0
    total, pixel, feature = reconstruction_loss(photo * 0.5, photo, feats * 2, feats, 10.0, 3.0)
    torch.testing.assert_close(total, 10.0 * pixel + 3.0 * feature)
    torch.testing.assert_close(feature, torch.tensor(1.0))  # (2f - f)² / f²


def test_recoloured_samples_take_the_statistics_of_the_photo_before_them():
    from models.nets.wct import covariance
    from models.training.wct_decoders import recoloured

    torch.manual_seed(0)
    feats = torch.stack([torch.randn(4, 6, 6) * (i + 1) + i for i in range(3)])
    out = recoloured(feats, 1)
    assert out.shape == (2, 4, 6, 6)
    for j, i in enumerate((1, 2)):
        (m_o, c_o), (m_s, c_s) = covariance(out[j:j + 1], 0.0), covariance(feats[i - 1:i], 0.0)
        torch.testing.assert_close(m_o, m_s, atol=1e-3, rtol=1e-3)
        torch.testing.assert_close(c_o, c_s, atol=0.05 * c_s.abs().max().item(), rtol=0.05)


def test_training_with_recoloured_targets_starts_from_a_given_decoder(tmp_path):
    from models.inference.registry import save_wct_decoders

    folder = photos(tmp_path)
    torch.manual_seed(1)
    start = save_wct_decoders([LevelDecoder(2, 0.25)], {}, tmp_path / "start.safetensors")
    cfg = DecoderTrainConfig([str(folder)], level=2, width=0.25, steps=2, minutes=None, size=32, batch=2, short=64,
                             wct_share=0.5, init=str(start), ema=0.0)
    decoder, settings = train_level_decoder(cfg, tmp_path / "run")
    assert settings["final_step"] == 2 and settings["wct_share"] == 0.5
    wrong = DecoderTrainConfig(**{**cfg.__dict__, "level": 3})
    import pytest

    with pytest.raises(ValueError, match="level 2"):
        train_level_decoder(wrong, tmp_path / "run2")
