"""Every shipped weights file says in its metadata how it was made; what it cites must keep working: each
``stylecam …`` command still parses with today's command line, and each script it names still exists."""

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


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT / "models" / "weights")))
def test_a_shipped_files_recipe_still_runs_as_it_is_written(path):
    meta = read_metadata_any(path)
    command = meta.get("command") or ""
    scripts = set(re.findall(r"scripts/[\w/]+\.(?:py|sh)", json.dumps(meta)))
    assert command.startswith("stylecam ") or scripts, "no recipe recorded"
    if command.startswith("stylecam "):
        args = build_parser().parse_args(shlex.split(command)[1:])  # exits (SystemExit) on a flag gone or renamed
        assert callable(args.func)
    assert [s for s in scripts if not (ROOT / s).is_file()] == []


def test_a_renamed_flag_is_caught():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--style", "p.jpg", "--data", "d", "--name", "x", "--style-wieght", "2"])
