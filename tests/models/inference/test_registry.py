import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from models.images import write_rgb
from models.inference.registry import StyleError, list_styles, load_style, resolve, save_style, user_style_dir
from models.nets.transformer import NetConfig, TransformerNet
from tests.conftest import TINY, make_style


def test_save_load_round_trip_keeps_weights_and_metadata(tmp_path):
    torch.manual_seed(3)
    net = TransformerNet(TINY)
    path = save_style(net, {"name": "x", "artist": "A", "command": "stylecam train ..."}, tmp_path / "x.safetensors")
    loaded, meta = load_style(path)
    assert meta["artist"] == "A" and NetConfig.from_dict(meta["config"]) == TINY
    for key, value in net.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[key], value)
    assert not loaded.training


def test_registry_by_name_and_by_path():
    path = make_style(user_style_dir() / "mine.safetensors")
    assert any(s.name == "mine" and not s.shipped for s in list_styles())
    by_name, _ = load_style("mine")
    by_path, _ = load_style(str(path))
    for key, value in by_name.state_dict().items():
        torch.testing.assert_close(by_path.state_dict()[key], value)


def test_shipped_styles_listed_and_loadable():
    shipped = [s for s in list_styles() if s.shipped]
    assert len([s for s in shipped if s.meta.get("kind") != "bank"]) >= 8  # issue 3: a pack of at least eight paintings
    for info in shipped:
        net, meta = load_style(info.name)
        assert meta["command"].startswith("stylecam train")
        for painting in meta.get("styles") or [meta]:  # a bank's metadata has one entry per painting
            assert painting["style_sha256"] and painting["artist"] and painting["title"] and painting["year"]
        assert info.path.stat().st_size < 5 * 1024 * 1024


def test_unknown_name_exception():
    with pytest.raises(StyleError, match="unknown style"):
        load_style("no-such-style")


def test_missing_file_exception(tmp_path):
    with pytest.raises(StyleError, match="not found"):
        load_style(tmp_path / "absent.safetensors")


def test_random_bytes_exception(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00\x01garbage" * 100)
    with pytest.raises(StyleError):
        load_style(bad)


def test_pickle_payload_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    evil = tmp_path / "evil.safetensors"
    evil.write_bytes(pickle.dumps(Payload()))
    with pytest.raises(StyleError):
        load_style(evil)
    torch_file = tmp_path / "evil.pt"
    torch.save({"x": Payload()}, torch_file)
    with pytest.raises(StyleError):
        load_style(torch_file)
    assert not marker.exists()


def _tampered(tmp_path, mutate_state=None, mutate_meta=None):
    path = make_style(tmp_path / "t.safetensors")
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        meta = json.loads(f.metadata()["stylecam"])
        state = {k: f.get_tensor(k) for k in f.keys()}
    if mutate_state:
        mutate_state(state)
    if mutate_meta:
        mutate_meta(meta)
    save_file(state, str(path), metadata={"stylecam": json.dumps(meta)})
    return path


def test_wrong_shapes_exception(tmp_path):
    def shrink(state):
        key = next(k for k in state if k.endswith("weight") and state[k].ndim == 4)
        state[key] = state[key][:1].clone()

    with pytest.raises(StyleError, match="do not match"):
        load_style(_tampered(tmp_path, mutate_state=shrink))


def test_nan_weights_exception(tmp_path):
    def poison(state):
        key = next(iter(state))
        state[key] = torch.full_like(state[key], float("nan"))

    with pytest.raises(StyleError, match="finite"):
        load_style(_tampered(tmp_path, mutate_state=poison))


def test_absurd_config_refused_before_allocation(tmp_path):
    def huge(meta):
        meta["config"] = {**meta["config"], "channels": [1024, 1024, 1024], "n_res": 32}

    with pytest.raises(StyleError, match="parameters"):
        load_style(_tampered(tmp_path, mutate_meta=huge))


def test_torchscript_archive_as_weights_is_refused(tmp_path):
    # a TorchScript archive is a zip of pickles and code: never loaded from a user's file
    class Sneaky(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x

    scripted = torch.jit.script(Sneaky())
    for name in ("model.safetensors", "model.pt"):
        path = tmp_path / name
        torch.jit.save(scripted, str(path))
        with pytest.raises(StyleError):
            load_style(path)


def test_gpu_takes_a_styles_quality_tier_where_one_exists():
    from models.inference.registry import user_style_dir, weights_for_device
    from models.nets.transformer import TIERS, TransformerNet

    make_style(user_style_dir() / "oil.safetensors", name="oil")
    assert weights_for_device("oil", "cuda") == "oil"  # no quality tier yet: the fast one
    quality = user_style_dir() / "quality" / "oil.safetensors"
    save_style(TransformerNet(TIERS["quality"]), {"name": "oil"}, quality)
    assert weights_for_device("oil", "cuda") == quality
    assert weights_for_device("oil", "cpu") == "oil"  # the CPU keeps the fast tier
    assert weights_for_device("oil:0.5,ink:0.5", "cuda") == "oil:0.5,ink:0.5"
    assert resolve(weights_for_device("oil", "cuda")) == quality


def test_a_new_style_named_like_a_shipped_one_is_refused(tmp_path, capsys):
    from stylecam.cli import main

    shipped = next(s.name for s in list_styles() if s.shipped)
    painting = tmp_path / "p.png"
    write_rgb(painting, np.full((32, 32, 3), 120, np.uint8))
    assert main(["train", "--style", str(painting), "--data", str(tmp_path), "--name", shipped, "--steps", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"a shipped style is called {shipped!r}" in err[0]


@pytest.mark.parametrize("name", ["starry", "wave", "scream", "udnie"])
def test_the_shipped_quality_tier_is_what_a_gpu_takes_and_says_how_it_was_made(name):
    from models.inference.registry import SHIPPED_DIR, load_style, read_metadata_any, weights_for_device
    from models.nets.transformer import TIERS, tier_of

    path = SHIPPED_DIR / "quality" / f"{name}.safetensors"
    assert weights_for_device(name, "cuda") == path
    assert weights_for_device(name, "cpu") == name  # the CPU keeps the fast tier unless asked
    net, meta = load_style(path)
    assert tier_of(net.config) == "quality" and net.config == TIERS["quality"]
    assert meta["name"] == name and meta["artist"] and meta["title"]
    assert meta["command"].startswith("stylecam train --tier quality") and "--device cuda" in meta["command"]
    assert meta["train"]["final_step"] >= 800 and meta["train"]["skipped_steps"] == 0
    assert path.stat().st_size < 4_000_000  # float16: 1.7 M parameters in 3.4 MB
    x = torch.rand(1, 3, 64, 96)
    with torch.no_grad():
        y = net(x)
    assert y.shape == x.shape and torch.isfinite(y).all() and y.std() > 0.02
    assert read_metadata_any(path)["style_sha256"]


# every public name registry.py had before it was split into style_files, decoder_files and style_folders
PUBLIC_BEFORE_THE_SPLIT = (
    "SHIPPED_DIR META_KEY DEFAULT_STYLE MAX_WEIGHTS_BYTES MAX_PARAMETERS StyleError user_style_dir training_run_dir "
    "StyleInfo read_metadata read_metadata_any list_styles picture_digest learned_style_for user_style_path "
    "bank_styles parse_blend resolve_spec default_style_name VIDEO_DIR QUALITY_DIR LIVE_DIR TIER_NAMES variant "
    "video_variant weights_for_device has_tier resolve load_style bank_rows load_bank HALF_STORED_TIERS save_style "
    "save_bank MAX_DECODER_WIDTH save_decoder LIGHT_PREFIX save_light_encoder load_light_encoder DECODER_KINDS "
    "find_decoder load_decoder WCT_FILE save_wct_decoders wct_installed load_wct_decoders").split()


def test_every_name_the_registry_had_is_still_importable_from_it():
    from models.inference import registry

    assert [name for name in PUBLIC_BEFORE_THE_SPLIT if not hasattr(registry, name)] == []


def test_no_module_of_the_split_is_over_300_lines():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[3] / "models" / "inference"
    sizes = {name: len((folder / f"{name}.py").read_text().splitlines())
             for name in ("registry", "style_files", "decoder_files", "style_folders")}
    assert max(sizes.values()) <= 300, sizes
