"""docs/cli.md, generated from the command line's own parsers: ``python -m stylecam.cli_reference > docs/cli.md``.

The help text is formatted at a fixed width (``COLUMNS``), so the page does not depend on the terminal that made
it; ``tests/test_cli_reference.py`` fails when the page is out of date.
"""

from __future__ import annotations

import argparse
import os

COLUMNS = 100
PYTHON = "3.11"  # argparse's layout changes between Python versions; the page is made with this one
HEADER = f"""# Command-line reference

Generated from the parsers by `python -m stylecam.cli_reference > docs/cli.md` (`make docs`, Python {PYTHON}); do
not edit by hand. The recipes in the [README](../README.md) and the pages beside this one say which flags matter
when.
"""


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def render() -> str:
    """The whole page: the top-level help, then one section per command in the order ``stylecam --help`` lists."""
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(COLUMNS)  # argparse asks shutil.get_terminal_size, which reads COLUMNS first
    try:
        from stylecam.cli import build_parser

        parser = build_parser()
        parts = [HEADER, "```text\n" + parser.format_help().rstrip() + "\n```\n"]
        for name, sub in _subparsers(parser).items():
            parts.append(f"## stylecam {name}\n\n```text\n{sub.format_help().rstrip()}\n```\n")
        return "\n".join(parts)
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


if __name__ == "__main__":
    print(render(), end="")
