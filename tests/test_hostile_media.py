"""Every bad file of the corpus through every media entry point: one clear line or a handled case,
never a traceback, never a hang, never a partial output."""

from __future__ import annotations

import time

import pytest

from stylecam.cli import main
from tests.hostile_media import build_corpus
from tests.video.media import make_clip

CASES = ("zero_bytes", "random_bytes", "truncated_mp4", "unknown_codec", "png_bad_header", "image_1x1",
         "image_20000x20000", "no_video_stream", "size_changes")

# (entry point, case) pairs that a user can reasonably expect to work; every other pair must fail cleanly
HANDLED = {
    ("image", "image_1x1"),  # a 1×1 picture is stylized (the network runs it upscaled) and written 1×1
    ("style", "image_1x1"),  # a flat 1×1 picture is a (dull) style
    ("render", "size_changes"),  # later frames are rescaled to the first size
    ("live", "image_1x1"),
    ("live", "size_changes"),
}
TIME_BOUND_S = 60.0


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture
def adain_decoder():
    from models.inference.registry import save_decoder, user_style_dir
    from models.nets.adain import Decoder

    return save_decoder(Decoder(width=0.125), {"name": "tiny"}, user_style_dir() / "tiny.decoder.safetensors")


def run(argv: list[str], capsys) -> tuple[int, list[str], float]:
    t0 = time.monotonic()
    code = main(argv)
    elapsed = time.monotonic() - t0
    err = capsys.readouterr().err.strip().splitlines()
    return code, err, elapsed


def check(entry: str, case: str, code: int, err: list[str], elapsed: float, out_dir) -> None:
    assert elapsed < TIME_BOUND_S, f"{entry} {case}: took {elapsed:.0f} s"
    assert not any("Traceback" in line for line in err), err
    leftovers = [p.name for p in out_dir.iterdir() if p.name.startswith(".") or ".part" in p.name]
    assert not leftovers, leftovers
    if (entry, case) in HANDLED:
        assert code == 0, (entry, case, err)
    else:
        assert code == 2, (entry, case, code, err)
        assert len(err) == 1 and err[0].startswith("stylecam: error:"), (entry, case, err)


@pytest.mark.parametrize("case", CASES)
def test_image_input(case, corpus, tiny_style, tmp_path, capsys):
    out = tmp_path / "out.png"
    code, err, elapsed = run(["image", str(corpus[case]), str(out), "--style", str(tiny_style)], capsys)
    check("image", case, code, err, elapsed, tmp_path)
    assert out.exists() == (code == 0)


@pytest.mark.parametrize("case", CASES)
def test_render_input(case, corpus, tiny_style, tmp_path, capsys):
    out = tmp_path / "out.mp4"
    code, err, elapsed = run(["render", str(corpus[case]), str(out), "--quiet", "--style", str(tiny_style)], capsys)
    check("render", case, code, err, elapsed, tmp_path)
    assert out.exists() == (code == 0)


@pytest.mark.parametrize("case", CASES)
def test_live_source(case, corpus, tiny_style, tmp_path, capsys):
    code, err, elapsed = run(["live", "--source", str(corpus[case]), "--no-window", "--frames", "3",
                              "--seconds", "20", "--style", str(tiny_style), "--out", str(tmp_path)], capsys)
    check("live", case, code, err, elapsed, tmp_path)


@pytest.mark.parametrize("case", CASES)
def test_style_picture_everywhere(case, corpus, adain_decoder, photo_file, tmp_path, capsys):
    style = str(corpus[case])
    clip = make_clip(tmp_path / "in" / "clip.mp4", frames=3, audio=None)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    runs = {
        "image": ["image", str(photo_file), str(out_dir / "out.png"), "--style", style],
        "render": ["render", str(clip), str(out_dir / "out.mp4"), "--quiet", "--style", style],
        "live": ["live", "--source", "synthetic", "--size", "64x48", "--no-window", "--frames", "2",
                 "--seconds", "20", "--style", style, "--out", str(out_dir)],
    }
    for name, argv in runs.items():
        code, err, elapsed = run(argv, capsys)
        check("style", case, code, err, elapsed, out_dir)
        if name != "live":
            assert any(out_dir.glob("out.*")) == (code == 0), name


@pytest.mark.parametrize("fps", ["nan", "inf", "0", "-5"])
def test_image_sequence_with_a_bad_frame_rate(fps, tmp_path, tiny_style, photo, capsys):
    from models.images import write_rgb

    for i in range(3):
        write_rgb(tmp_path / "seq" / f"{i:05d}.png", photo)
    out = tmp_path / "out.mp4"
    code, err, elapsed = run(["render", str(tmp_path / "seq" / "%05d.png"), str(out), "--fps", fps, "--quiet",
                              "--style", str(tiny_style)], capsys)
    check("render", "bad_fps", code, err, elapsed, tmp_path)
    assert "--fps" in err[0] and not out.exists()


def test_a_damaged_png_ends_in_our_one_line_without_the_decoders_own_messages(tmp_path, photo, tiny_style, capfd):
    # found by scripts/reports/fuzz_media.py: libpng printed "libpng error: bad adaptive filter value" above ours
    from models.images import write_rgb

    good = write_rgb(tmp_path / "good.png", photo).read_bytes()
    damaged = tmp_path / "damaged.png"
    data = bytearray(good)
    for i in range(len(data) // 2, len(data) - 20, 7):
        data[i] ^= 0x5A  # corrupt the compressed pixel data, keep the header
    damaged.write_bytes(bytes(data))
    code = main(["image", str(damaged), str(tmp_path / "out.png"), "--style", str(tiny_style)])
    err = capfd.readouterr().err  # file descriptor 2: what the C libraries write too
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("stylecam: "), err
    assert "libpng" not in err and code in (0, 2)
