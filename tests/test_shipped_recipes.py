"""Every shipped weights file says in its metadata how it was made; what it cites must keep working: each
``stylecam …`` command still parses with today's command line, and each script it names still exists, where it is
now: a script moved since the file was made is found through models/weights/recipes.json (old path → new path),
so that the weights need not be rewritten."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from models.inference.registry import read_metadata_any
from stylecam.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "models" / "weights").rglob("*.safetensors"))
MOVED = json.loads((ROOT / "models" / "weights" / "recipes.json").read_text())["moved"]


def cited_scripts(meta: dict) -> set[str]:
    """The scripts a file's metadata names (``scripts/….py`` or ``.sh``, anywhere in it), as they are named there."""
    return set(re.findall(r"scripts/[\w/]+\.(?:py|sh)", json.dumps(meta)))


def missing_scripts(cited: set[str], moved: dict[str, str]) -> list[str]:
    """The cited scripts that exist neither where the metadata says nor where the manifest says they moved."""
    return sorted(s for s in cited if not (ROOT / moved.get(s, s)).is_file())


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT / "models" / "weights")))
def test_a_shipped_files_recipe_still_runs_as_it_is_written(path):
    meta = read_metadata_any(path)
    command = meta.get("command") or ""
    scripts = cited_scripts(meta)
    assert command.startswith("stylecam ") or scripts, "no recipe recorded"
    if command.startswith("stylecam "):
        args = build_parser().parse_args(shlex.split(command)[1:])  # exits (SystemExit) on a flag gone or renamed
        assert callable(args.func)
    assert missing_scripts(scripts, MOVED) == []


def test_every_move_in_the_manifest_leads_to_a_script_that_exists():
    assert MOVED and sorted(new for new in MOVED.values() if not (ROOT / new).is_file()) == []


def test_a_cited_script_is_found_where_it_moved_and_missed_where_it_is_neither():
    cited = cited_scripts({"train": [{"command": "python scripts/train_wct_decoders.py --level 3"},
                                     {"init_train": {"command": "bash scripts/gone.sh"}}]})
    assert cited == {"scripts/train_wct_decoders.py", "scripts/gone.sh"}
    assert missing_scripts(cited, MOVED) == ["scripts/gone.sh"]
    assert missing_scripts({"scripts/train_wct_decoders.py"}, {}) == ["scripts/train_wct_decoders.py"]


def test_a_renamed_flag_is_caught():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--style", "p.jpg", "--data", "d", "--name", "x", "--style-wieght", "2"])
