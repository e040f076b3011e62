import numpy as np
import pytest
import torch

from models.images import write_rgb
from models.inference.registry import StyleError, load_bank, load_style, save_bank, user_style_dir
from models.inference.runtime import Stylizer
from models.nets.multistyle import StyleBank, mix_rows, norm_layout, norm_vector, split_vector, write_norm_params
from models.training.feedforward import TrainConfig, train
from tests.conftest import TINY


def make_bank(path, names=("red", "blue"), seed=0):
    torch.manual_seed(seed)
    bank = StyleBank(TINY, len(names))
    with torch.no_grad():
        bank.table.add_(torch.randn_like(bank.table) * 0.5)
    return save_bank(bank, {"name": path.stem}, [{"name": n} for n in names], path)


def test_norm_vector_cardinality_and_split_round_trip():
    bank = StyleBank(TINY, 3)
    layout = norm_layout(bank.net)
    assert bank.table.shape == (3, sum(2 * c for _, c in layout))
    parts = split_vector(layout, bank.table[1])
    assert set(parts) == bank.norm_keys
    with pytest.raises(ValueError):
        split_vector(layout, bank.table[1][:-1])


def test_mix_rows_is_a_convex_combination():
    table = torch.tensor([[0.0, 2.0], [4.0, 6.0]])
    torch.testing.assert_close(mix_rows(table, {0: 1, 1: 1}), torch.tensor([2.0, 4.0]))
    torch.testing.assert_close(mix_rows(table, {1: 3}), table[1])
    with pytest.raises(ValueError):
        mix_rows(table, {0: 0.0})


def test_bank_row_equals_standalone_network():
    torch.manual_seed(0)
    bank = StyleBank(TINY, 2)
    with torch.no_grad():
        bank.table.add_(torch.randn_like(bank.table))
    x = torch.rand(1, 3, 24, 24)
    with torch.no_grad():
        for k in range(2):
            torch.testing.assert_close(bank(x, k), bank.network_for({k: 1.0})(x))
        assert not torch.allclose(bank(x, 0), bank(x, 1))


def test_write_norm_params_into_scripted_module():
    bank = StyleBank(TINY, 2)
    with torch.no_grad():
        bank.table[1].add_(1.0)
    scripted = torch.jit.script(bank.network_for({0: 1.0}))
    write_norm_params(scripted, bank.layout, bank.table[1].detach())
    assert torch.equal(norm_vector(bank.network_for({1: 1.0})), torch.cat(
        [p.detach().reshape(-1) for n, p in scripted.named_parameters() if n in bank.norm_keys]))


def test_bank_file_round_trip_and_blend_specs(photo):
    path = make_bank(user_style_dir() / "mybank.safetensors")
    bank, meta = load_bank(path)
    assert [s["name"] for s in meta["styles"]] == ["red", "blue"]
    red, _ = load_style("red")  # a name found only inside a bank
    blend, blend_meta = load_style("red:0.5,blue:0.5")
    assert blend_meta["blend"] == {"red": 0.5, "blue": 0.5}
    torch.testing.assert_close(norm_vector(blend), 0.5 * (bank.table[0] + bank.table[1]).detach())
    torch.testing.assert_close(norm_vector(red), bank.table[0].detach())
    with pytest.raises(StyleError, match="no multi-style bank"):
        load_style("red:0.5,green:0.5")
    with pytest.raises(StyleError, match="bad style blend"):
        load_style("red:lots")


def test_stylizer_switches_and_blends_without_recompiling(photo):
    make_bank(user_style_dir() / "mybank.safetensors")
    stylizer = Stylizer("mybank", device="cpu")
    module = stylizer.net
    assert stylizer.name == "red" and stylizer.bank_styles == ["red", "blue"]
    red = stylizer(photo)
    stylizer.set_blend("blue")
    blue = stylizer(photo)
    assert stylizer.net is module and not np.array_equal(red, blue)
    np.testing.assert_array_equal(blue, Stylizer("blue", device="cpu")(photo))
    stylizer.set_blend({"red": 0.5, "blue": 0.5})
    np.testing.assert_array_equal(stylizer(photo), Stylizer("red:0.5,blue:0.5", device="cpu")(photo))


def test_single_style_stylizer_refuses_blends(tiny_style):
    with pytest.raises(StyleError, match="single-style"):
        Stylizer(tiny_style, device="cpu").set_blend("x:1")


def test_feature_bank_training_learns_one_look_per_row(tmp_path, photo):
    data = tmp_path / "photos"
    for i in range(3):
        write_rgb(data / f"{i}.png", np.roll(photo, 11 * i, axis=1))
    yy, xx = np.mgrid[0:48, 0:48]
    red = np.stack([200 + 0 * xx, (np.sin(xx / 2) > 0) * 60, 20 + 0 * xx], -1).astype(np.uint8)
    blue = np.stack([20 + 0 * xx, (np.sin(yy / 2) > 0) * 60, 220 + 0 * xx], -1).astype(np.uint8)
    paintings = [str(write_rgb(tmp_path / "red.png", red)), str(write_rgb(tmp_path / "blue.png", blue))]
    cfg = TrainConfig(styles=paintings, data=[str(data)], name="rb", steps=40, minutes=None, size=32, batch=2,
                      content_short=40, style_short=40, lr=2e-2, config=TINY.to_dict(), checkpoint_seconds=1e9,
                      mixed_precision=False)
    out = train(cfg, tmp_path / "run", tmp_path / "rb.safetensors", {"name": "rb"},
                style_meta=[{"name": "red"}, {"name": "blue"}])
    bank, meta = load_bank(out)
    assert [s["name"] for s in meta["styles"]] == ["red", "blue"] and all(s["style_sha256"] for s in meta["styles"])
    x = torch.from_numpy(photo).permute(2, 0, 1).unsqueeze(0).float() / 255
    with torch.no_grad():
        r, b = bank(x, 0).mean(dim=(0, 2, 3)), bank(x, 1).mean(dim=(0, 2, 3))
    assert r[0] > b[0] and b[2] > r[2]  # the red row is redder, the blue row bluer


def test_a_bank_beside_single_styles_adds_only_the_styles_they_lack(photo):
    from models.inference.runtime import BankEntry, load_stylizers
    from tests.conftest import make_style

    make_style(user_style_dir() / "red.safetensors", name="red")
    make_bank(user_style_dir() / "mybank.safetensors", names=("red", "blue", "green"))
    entries = load_stylizers(["red", "mybank"], device="cpu")
    assert [name for name, _ in entries] == ["red", "blue", "green"]
    assert not isinstance(entries[0][1], BankEntry) and isinstance(entries[1][1], BankEntry)
    assert entries[2][1](photo).shape == photo.shape
    make_style(user_style_dir() / "zz.safetensors", name="zz")  # a single listed after the bank
    make_bank(user_style_dir() / "abank.safetensors", names=("zz", "blue"))
    entries = load_stylizers(["abank", "mybank", "red", "zz"], device="cpu")
    assert [name for name, _ in entries] == ["blue", "green", "red", "zz"]


def test_styles_thumbnails_cover_the_styles_a_bank_adds(tmp_path, capsys):
    from stylecam.cli import main
    from tests.conftest import make_style

    make_style(user_style_dir() / "red.safetensors", name="red")
    make_bank(user_style_dir() / "mybank.safetensors", names=("red", "blue"))
    assert main(["styles", "--thumbnails", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "multi-style bank: red, blue" in out
    made = {p.name for p in tmp_path.iterdir()}
    assert {"red.png", "blue.png"} <= made and not {"mybank.png", "pack.png"} & made  # per style, not per file
    assert out.count("thumbnail ") == len(made) and f"{tmp_path / 'blue.png'}" in out
