"""scripts/reports/common.py: the Gatys reference command the reports run (pastiche from the same environment),
the ratio table and the JSON files they read."""

from __future__ import annotations

import pytest

import scripts.reports.common as common


def _run_reference(tmp_path, monkeypatch) -> list[str]:
    calls = []

    def fake_run(cmd, **kwargs):
        calls.append(cmd)
        (tmp_path / "ref.part.png").write_bytes(b"png")

    monkeypatch.setattr(common.subprocess, "run", fake_run)
    out = common.gatys_reference(tmp_path / "photo.png", tmp_path / "painting.jpg", tmp_path / "ref.png", 256, 256)
    assert out.read_bytes() == b"png"
    assert common.gatys_reference(tmp_path / "photo.png", tmp_path / "painting.jpg", out, 256, 256) == out  # cached
    assert len(calls) == 1
    return calls[0]


def test_the_reference_runs_the_pastiche_beside_this_python_when_the_venv_is_not_activated(tmp_path, monkeypatch):
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "pastiche").write_text("#!/bin/sh\n")
    monkeypatch.setattr(common.sys, "executable", str(bin_dir / "python"))
    assert _run_reference(tmp_path, monkeypatch)[0] == str(bin_dir / "pastiche")


def test_without_one_beside_it_the_reference_runs_pastiche_from_the_path(tmp_path, monkeypatch):
    monkeypatch.setattr(common.sys, "executable", str(tmp_path / "python"))
    cmd = _run_reference(tmp_path, monkeypatch)
    assert cmd[0] == "pastiche" and cmd[cmd.index("--num-steps") + 1] == "300"


def test_the_ratio_table_has_a_cell_a_photo_a_dash_where_one_is_missing_and_the_medians_in_bold():
    rows = [("starry", {"lion": (1.234, 0.987), "taj": (2.0, 1.0)}, (1.6, 0.99)),
            ("wave", {"taj": (3.0, 1.1)}, (3.0, 1.1))]
    table = common.ratio_table("style", ["lion", "taj"], rows)
    assert table.splitlines() == ["| style | lion | taj | **median** |", "|---|---|---|---|",
                                  "| starry | 1.23 / 0.99 | 2.00 / 1.00 | **1.60 / 0.99** |",
                                  "| wave | – | 3.00 / 1.10 | **3.00 / 1.10** |"]


def test_a_missing_json_file_reads_as_the_default_given_and_fails_without_one(tmp_path):
    assert common.read_json(tmp_path / "none.json", {}) == {}
    common.write_json(tmp_path / "r.json", {"a": [1, 2]})
    assert common.read_json(tmp_path / "r.json", {}) == {"a": [1, 2]}
    with pytest.raises(FileNotFoundError):
        common.read_json(tmp_path / "none.json")
