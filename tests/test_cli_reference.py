"""docs/cli.md is the command line's own help, regenerated whenever a flag changes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from stylecam import cli, cli_reference

PAGE = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
SAME_PYTHON = pytest.mark.skipif(f"{sys.version_info.major}.{sys.version_info.minor}" != cli_reference.PYTHON,
                                 reason=f"docs/cli.md is made with Python {cli_reference.PYTHON}'s argparse")


@SAME_PYTHON
def test_docs_cli_md_is_the_parsers_help_as_it_is_today():
    assert PAGE.read_text(encoding="utf-8") == cli_reference.render(), (
        "docs/cli.md is out of date: run `make docs` (python -m stylecam.cli_reference > docs/cli.md)")


@SAME_PYTHON
@pytest.mark.parametrize("columns", ["40", "250"])
def test_the_page_does_not_depend_on_the_terminal_that_made_it(monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    assert cli_reference.render() == PAGE.read_text(encoding="utf-8")
    assert cli_reference.os.environ["COLUMNS"] == columns  # put back as it was


def test_a_new_flag_makes_the_page_out_of_date(monkeypatch):
    build = cli.build_parser

    def with_a_new_flag():
        parser = build()
        for name, sub in cli_reference._subparsers(parser).items():
            if name == "render":
                sub.add_argument("--brand-new-flag", help="a flag the page does not know")
        return parser

    monkeypatch.setattr(cli, "build_parser", with_a_new_flag)
    page = cli_reference.render()
    assert "--brand-new-flag" in page and page != PAGE.read_text(encoding="utf-8")


def test_every_command_has_its_section():
    page = PAGE.read_text(encoding="utf-8")
    names = list(cli_reference._subparsers(cli.build_parser()))
    assert len(names) == len(cli.COMMANDS)
    assert [n for n in names if f"\n## stylecam {n}\n" not in page] == []
