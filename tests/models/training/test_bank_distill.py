import random

import torch

from models.inference.registry import load_bank, user_style_dir
from models.nets.transformer import TransformerNet
from models.training.bank import bank_from, distill_bank
from models.training.data import CropSampler
from tests.conftest import TINY, make_style


def tiny_net(seed: int) -> TransformerNet:
    torch.manual_seed(seed)
    net = TransformerNet(TINY)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    return net.eval()


def test_bank_from_starts_each_row_at_its_own_network():
    a, b = tiny_net(1), tiny_net(2)
    bank = bank_from([a, b]).eval()
    x = torch.rand(1, 3, 24, 24)
    with torch.no_grad():
        torch.testing.assert_close(bank(x, 0), a(x))  # the first network: shared layers and norms
        assert not torch.allclose(bank(x, 1), bank(x, 0))  # the second: its own norms on the first's layers


def test_distillation_brings_every_row_towards_its_network(tmp_path, photo, computed_steps):
    teachers = [tiny_net(s) for s in (1, 2, 3)]
    from models.images import write_rgb

    write_rgb(tmp_path / "p" / "a.png", photo)
    sampler = CropSampler([tmp_path / "p" / "a.png"], 24, 48, 10, random.Random(0))
    x = torch.from_numpy(photo).permute(2, 0, 1)[None].float() / 255

    def distance(bank):
        with torch.no_grad():
            return [float((bank(x, k) - t(x)).pow(2).mean()) for k, t in enumerate(teachers)]

    before = distance(bank_from(teachers).eval())
    bank, steps, _ = distill_bank(teachers, sampler, 40, tmp_path / "run", batch=2, lr=3e-3)
    after = distance(bank)
    assert steps == 40 and after[0] < 0.5 * max(before[1:]) and all(a < b for a, b in zip(after[1:], before[1:]))
    computed_steps.clear()
    bank2, steps2, _ = distill_bank(teachers, sampler, 45, tmp_path / "run", batch=2, lr=3e-3, resume=True)
    assert steps2 == 45 and len(computed_steps) == 5  # resumed from the checkpoint: five more steps, not 45


def test_bank_command_writes_a_bank_with_each_styles_metadata(tmp_path, photo, capsys):
    from models.images import write_rgb
    from stylecam.cli import main

    for name, seed in (("red", 1), ("blue", 2)):
        make_style(user_style_dir() / f"{name}.safetensors", seed=seed, name=name, artist=f"A {name}")
    write_rgb(tmp_path / "photos" / "a.png", photo)
    out = tmp_path / "pack.safetensors"
    assert main(["bank", "--from", "red,blue", "--data", str(tmp_path / "photos"), "--steps", "3", "--size", "32",
                 "--out", str(out), "--run-dir", str(tmp_path / "run"), "--quiet"]) == 0
    bank, meta = load_bank(out)
    assert [s["name"] for s in meta["styles"]] == ["red", "blue"] and meta["styles"][1]["artist"] == "A blue"
    assert meta["command"].startswith("stylecam bank") and meta["train"]["final_step"] == 3
    assert main(["bank", "--from", "red", "--data", str(tmp_path / "photos")]) == 2  # one style is not a bank
    assert "at least two" in capsys.readouterr().err


def test_bank_metadata_keeps_each_paintings_credits_and_the_command():
    from models.training.bank import bank_metadata

    metas = [{"name": "a", "artist": "A", "tier": "fast", "secret": 1}, {"name": "b", "year": 1900}]
    meta, styles = bank_metadata("ab", metas, ["a", "b"], "stylecam bank --from a,b", 10, 1.234, 128, 4, 1e-3)
    assert styles == [{"name": "a", "artist": "A"}, {"name": "b", "year": 1900}]
    assert meta["name"] == "ab" and meta["tier"] == "fast" and meta["command"] == "stylecam bank --from a,b"
    assert meta["train"]["final_step"] == 10 and meta["train"]["train_seconds"] == 1.2
