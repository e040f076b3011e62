"""scripts/quality_report.py: the Gatys reference command it runs (pastiche from the same environment)."""

from __future__ import annotations

import scripts.quality_report as qr


def _run_reference(tmp_path, monkeypatch) -> list[str]:
    calls = []

    def fake_run(cmd, **kwargs):
        calls.append(cmd)
        (tmp_path / "ref.part.png").write_bytes(b"png")

    monkeypatch.setattr(qr.subprocess, "run", fake_run)
    out = qr.gatys_reference(tmp_path / "photo.png", tmp_path / "painting.jpg", tmp_path / "ref.png", 256, 256)
    assert out.read_bytes() == b"png"
    assert qr.gatys_reference(tmp_path / "photo.png", tmp_path / "painting.jpg", out, 256, 256) == out  # cached
    assert len(calls) == 1
    return calls[0]


def test_the_reference_runs_the_pastiche_beside_this_python_when_the_venv_is_not_activated(tmp_path, monkeypatch):
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "pastiche").write_text("#!/bin/sh\n")
    monkeypatch.setattr(qr.sys, "executable", str(bin_dir / "python"))
    assert _run_reference(tmp_path, monkeypatch)[0] == str(bin_dir / "pastiche")


def test_without_one_beside_it_the_reference_runs_pastiche_from_the_path(tmp_path, monkeypatch):
    monkeypatch.setattr(qr.sys, "executable", str(tmp_path / "python"))
    cmd = _run_reference(tmp_path, monkeypatch)
    assert cmd[0] == "pastiche" and cmd[cmd.index("--num-steps") + 1] == "300"
