"""Every command block of the README and the docs pages runs, as a reader would type it, on media made here.

The adaptations are only those a test machine needs, and they are all in :func:`adapted`: a camera becomes the
built-in synthetic scene (``--source synthetic --no-window --frames 5``), a virtual camera (a device this machine
lacks) is checked with ``--help``, a training budget of minutes becomes two steps, and a benchmark times three
frames, an optimisation two steps. The files a command names (``photo.jpg``, ``painting.jpg``, ``in.mp4``,
``clip.mp4``, ``clips/``, ``photos/``, ``their.safetensors``) are made once in a folder that every page's commands
share, run in order (a page after the README may use what the README's commands made; a line already run on an
earlier page is not run again). ``python scripts/…`` lines need the team's data folder and run with ``--help``.
The Python examples are doctests.
"""

from __future__ import annotations

import doctest
import re
import runpy
import shlex
import shutil
import sys
from pathlib import Path

import pytest

from stylecam.cli import build_parser, main
from tests.video.media import make_clip

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md"] + sorted(p for p in (ROOT / "docs").glob("*.md")
                                      if p.name not in ("cli.md", "MEASURED.md", "MEASURED-history.md"))
CAMERA = re.compile(r"^(\d+|/dev/video\d+)$")


def command_lines(page: Path) -> list[str]:
    """The commands of a page's ```sh blocks, comments dropped, ``\\``-continued lines joined."""
    blocks = re.findall(r"^```sh\n(.*?)^```", page.read_text(encoding="utf-8"), re.S | re.M)
    lines = [shlex.split(line, comments=True) for line in "\n".join(blocks).replace("\\\n", " ").splitlines()]
    return [shlex.join(words) for words in lines if words]


def adapted(argv: list[str]) -> list[str]:
    """``stylecam`` arguments as this machine runs them (see the module's docstring)."""
    argv = list(argv)

    def value(flag: str) -> str | None:
        return argv[argv.index(flag) + 1] if flag in argv else None

    def replace(flag: str, new: str) -> None:
        argv[argv.index(flag) + 1] = new

    command = argv[0]
    if command == "live":
        if "--vcam" in argv:
            return argv + ["--help"]
        source = value("--source")
        if source is None:
            argv += ["--source", "synthetic"]
        elif CAMERA.match(source):
            replace("--source", "synthetic")
        argv += ["--no-window"] * ("--no-window" not in argv)
        if "--frames" not in argv and "--seconds" not in argv:
            argv += ["--frames", "5"]
    if command in ("learn", "train", "bank", "train-adain", "distill-adain") and "--minutes" in argv:
        i = argv.index("--minutes")
        argv[i : i + 2] = ["--steps", "2"]
    if "--steps" in argv:
        replace("--steps", "2")
    argv += ["--quiet"] * (command in ("learn", "train") and "--quiet" not in argv)
    if command == "bench":
        argv += ["--warmup", "1"]
        if "--frames" in argv:
            replace("--frames", "3")
    if command == "render":
        argv += ["--quiet"] * ("--quiet" not in argv)
    return argv


def make_workspace(folder: Path) -> None:
    """The files the pages' commands name, small."""
    from skimage import data

    from models.images import resize_short_side, write_rgb

    photo = resize_short_side(data.astronaut(), 96)
    write_rgb(folder / "photo.jpg", photo)
    write_rgb(folder / "painting.jpg", resize_short_side(data.coffee(), 96))
    for i, name in enumerate(("astronaut", "chelsea", "rocket")):
        write_rgb(folder / "photos" / f"{i}.jpg", resize_short_side(getattr(data, name)(), 96))
    make_clip(folder / "in.mp4", frames=12, size=(96, 64))
    shutil.copyfile(folder / "in.mp4", folder / "clip.mp4")
    (folder / "clips").mkdir()
    shutil.copyfile(folder / "in.mp4", folder / "clips" / "a.mp4")
    shutil.copyfile(ROOT / "models" / "weights" / "wave.safetensors", folder / "their.safetensors")


def script_help(script: Path) -> int | str | None:
    """``python SCRIPT --help``, in this process (torch is imported already): its exit code."""
    argv, path = sys.argv, list(sys.path)
    sys.argv = [str(script), "--help"]
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exc:
        return exc.code
    finally:
        sys.argv, sys.path[:] = argv, path
    return 0


def run_line(line: str, folder: Path) -> str | None:
    """Runs one line; returns what went wrong, or None."""
    argv = shlex.split(line)
    if argv[0] == "make":
        targets = re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M)
        return None if all(t in targets for t in argv[1:]) else f"no such make target: {line}"
    if argv[0] == "pip":
        extras = re.findall(r"stylecam\[(\w+)\]", line)
        known = (ROOT / "pyproject.toml").read_text()
        return None if extras and all(f"\n{e} = [" in known for e in extras) else f"unknown install line: {line}"
    if argv[0] == "python":
        script = ROOT / argv[1]
        if not script.is_file():
            return f"no such script: {argv[1]}"
        return None if script_help(script) == 0 else f"{line}: its --help failed"
    if argv[0] != "stylecam":
        return f"a command this test does not know: {line}"
    try:
        build_parser().parse_args(argv[1:])  # as written: every flag exists and every value parses
    except SystemExit as exc:
        if exc.code != 0:
            return f"does not parse: {line}"
    run = adapted(argv[1:])
    try:
        code = main(run)
    except SystemExit as exc:  # --help
        code = exc.code
    return None if code == 0 else f"{line} (run as stylecam {shlex.join(run)}): exit {code}"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> tuple[Path, set[str]]:
    """One folder (and one stylecam home and compile cache) for every page, and the lines already run in it."""
    folder = tmp_path_factory.mktemp("docs_commands")
    make_workspace(folder)
    return folder, set()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_of_the_page_runs(page, workspace, monkeypatch):
    folder, done = workspace
    lines = [line for line in command_lines(page) if line not in done]
    if not command_lines(page):
        pytest.skip("no command block")
    monkeypatch.setenv("STYLECAM_HOME", str(folder / "home"))
    monkeypatch.setenv("STYLECAM_CACHE", str(folder / "cache"))
    monkeypatch.chdir(folder)
    failures = [problem for line in lines if (problem := run_line(line, folder))]
    done.update(lines)
    assert failures == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_pages_python_examples_run(page):
    result = doctest.testfile(str(page), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_readme_is_short_and_every_page_it_links_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode("utf-8")) <= 8192
    links = re.findall(r"\]\((docs/[^)#]+)", readme)
    assert links and [link for link in links if not (ROOT / link).is_file()] == []
    for page in PAGES[1:]:
        text = page.read_text(encoding="utf-8")
        assert [p for p in re.findall(r"\]\(([\w.-]+\.md)", text) if not (page.parent / p).is_file()] == [], page


def test_a_stale_flag_in_a_page_fails(tmp_path):
    assert run_line("stylecam render in.mp4 out.mp4 --temporal-strenght 0.5", tmp_path).startswith("does not parse")
    assert adapted(["live", "--source", "0"])[:3] == ["live", "--source", "synthetic"]
    assert adapted(["train", "--minutes", "30"])[:3] == ["train", "--steps", "2"]
