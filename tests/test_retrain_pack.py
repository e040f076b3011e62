"""scripts/recipes/retrain_pack.py (issue 35's recipe for the pack) and scripts/recipes/training_jobs.py (its
runner)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import scripts.recipes.retrain_pack as retrain
from scripts.recipes.training_jobs import run_jobs


def test_the_recipe_fine_tunes_each_shipped_network_with_the_log_loss_without_the_held_out_photos(tmp_path):
    split = json.loads(retrain.SPLIT.read_text())
    for style in retrain.ORDER:
        cmd = retrain.command(style, split, tmp_path, tmp_path / "out", 60, 1.0, None, resume=False)
        value = {flag: cmd[cmd.index(flag) + 1] for flag in ("--style-loss", "--init-from", "--minutes", "--style")}
        assert value["--style-loss"] == "log" and value["--minutes"] == "60"
        assert Path(value["--init-from"]).is_file() and Path(value["--init-from"]).stem == style
        assert value["--style"] == str(tmp_path / split["paintings"][style])
        assert cmd[cmd.index("--exclude") + 1 : cmd.index("--name")] == split["exclude_from_training"]
        assert "--resume" not in cmd
    assert "--resume" in retrain.command("scream", split, tmp_path, tmp_path, 60, 1.0, 512, resume=True)


def test_every_held_out_photo_in_a_training_folder_is_excluded():
    split = json.loads(retrain.SPLIT.read_text())
    inside = [p for p in split["heldout_photos"] if any(p.startswith(d + "/") for d in split["training"])]
    assert inside and {Path(p).name for p in inside} == set(split["exclude_from_training"])


def test_run_jobs_runs_them_a_few_at_a_time_and_names_the_ones_that_failed(tmp_path):
    running = tmp_path / "running"
    running.mkdir()
    # each job marks itself running, stays 1.5 s, and notes how many jobs it saw running beside it
    job = ("import os, sys, time; mark = os.path.join(sys.argv[1], sys.argv[2]); open(mark, 'w').close(); "
           "time.sleep(1.5); print('hello', sys.argv[2], len(os.listdir(sys.argv[1]))); os.remove(mark); "
           "raise SystemExit(int(sys.argv[2]) % 2)")
    jobs = [(f"job{i}", [sys.executable, "-c", job, str(running), str(i)], tmp_path / f"job{i}.log") for i in range(4)]
    assert run_jobs(jobs, parallel=2, poll_seconds=0.05) == ["job1", "job3"]
    lines = [(tmp_path / f"job{i}.log").read_text().split() for i in range(4)]
    assert [line[:2] for line in lines] == [["hello", str(i)] for i in range(4)]
    assert max(int(line[2]) for line in lines) == 2  # two at a time, never three


def test_install_puts_the_new_network_in_place_with_its_recipe_and_what_it_replaced(tmp_path):
    import hashlib

    from safetensors.torch import load_file

    from models.inference.registry import read_metadata
    from tests.conftest import make_style

    new, old = make_style(tmp_path / "new.safetensors", seed=1), make_style(tmp_path / "scream.safetensors", seed=2)
    old_digest = hashlib.sha256(old.read_bytes()).hexdigest()
    args = retrain.argparse.Namespace(data=Path("../shared/data"), minutes=60.0, style_weight=1.0, tag="log",
                                      style_scale=None)
    retrain.install(new, old, retrain.recipe_line("scream", args))
    meta = read_metadata(old)
    assert meta["recipe"].startswith("python scripts/recipes/retrain_pack.py ") and "--styles scream" in meta["recipe"]
    assert (Path(retrain.ROOT) / meta["recipe"].split()[1]).is_file()
    assert meta["replaced_sha256"] == old_digest
    trained = read_metadata(new)
    assert {k: meta[k] for k in trained} == trained  # the training's own record kept whole
    got, want = load_file(str(old)), load_file(str(new))
    assert got.keys() == want.keys() and all(bool((got[k] == want[k]).all()) for k in want)
