"""``render`` on tiny clips made with PyAV: frames, timestamps, audio, rotation, safety, temporal consistency."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import zlib

import numpy as np
import pytest

from models.errors import UserError
from models.images import write_rgb
from stylecam.cli import main
from tests.video.media import make_clip, moving_frame, probe
from video.decode import InputError
from video.metrics import video_frames, warping_errors
from video.render import render
from video.stylize_step import PerFrame
from video.temporal import render_smoother


def invert(frame: np.ndarray) -> np.ndarray:
    return 255 - frame


def test_feature_frames_timestamps_audio_and_rotation_are_kept(tmp_path):
    src = make_clip(tmp_path / "in.mp4", frames=16, rotation=90)
    out = tmp_path / "out.mp4"
    result = render(str(src), str(out), PerFrame(invert))
    a, b = probe(src), probe(out)
    assert result.frames == 16 and b["times"] == a["times"] and b["size"] == a["size"]
    assert b["rotation"] == 90 and b["codec"] == "h264" and b["pix_fmt"] == "yuv420p"
    assert b["audio"] == a["audio"] and result.audio == "copied"  # same packets, not re-encoded
    assert np.abs(b["images"][5].astype(int) - (255 - a["images"][5])).mean() < 12  # stylized frames


def test_variable_frame_rate_and_pcm_audio(tmp_path):
    times = [0.0, 0.05, 0.07, 0.2, 0.21, 0.4, 0.41, 0.6]
    src = make_clip(tmp_path / "in.mov", frames=8, audio="pcm_s16le", times=times)
    out = tmp_path / "out.mp4"
    result = render(str(src), str(out), PerFrame(invert))
    b = probe(out)
    assert b["times"] == pytest.approx(times, abs=1e-3)
    assert result.audio == "re-encoded to aac" and b["audio"]["codec"] == "aac" and b["audio"]["packets"] >= 5


def top_level_boxes(data: bytes) -> list[str]:
    """The types of an MP4 file's top-level boxes, in file order (ISO BMFF: 32-bit size and type; size 1: a
    64-bit size follows; size 0: to the end of the file)."""
    boxes, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8].decode("latin-1")
        if size == 1:
            size = int.from_bytes(data[pos + 8:pos + 16], "big")
        elif size == 0:
            size = len(data) - pos
        if size < 8:
            raise ValueError(f"a box of {size} bytes at {pos}")
        boxes.append(kind)
        pos += size
    return boxes


def test_faststart_puts_the_index_first(tmp_path):
    out = tmp_path / "out.mp4"
    render(str(make_clip(tmp_path / "in.mp4")), str(out), PerFrame(invert))
    boxes = top_level_boxes(out.read_bytes())
    assert "moov" in boxes and "mdat" in boxes and boxes.index("moov") < boxes.index("mdat"), boxes


def test_top_level_boxes_sees_an_index_after_the_media():
    def box(kind: bytes, body: bytes) -> bytes:
        return (8 + len(body)).to_bytes(4, "big") + kind + body

    assert top_level_boxes(box(b"ftyp", b"isom") + box(b"mdat", b"x" * 5000) + box(b"moov", b"")) == [
        "ftyp", "mdat", "moov"]


def test_image_sequence_in_and_frames_out(tmp_path):
    for i in range(5):
        write_rgb(tmp_path / "seq" / f"{i + 1:05d}.png", moving_frame(i))
    out_pattern = str(tmp_path / "out" / "%04d.png")
    result = render(str(tmp_path / "seq" / "%05d.png"), out_pattern, PerFrame(invert),
                    options=__import__("video.render", fromlist=["RenderOptions"]).RenderOptions(fps=12))
    assert result.frames == 5 and sorted(p.name for p in (tmp_path / "out").iterdir())[0] == "0001.png"
    mp4 = tmp_path / "seq.mp4"
    assert main(["render", str(tmp_path / "seq" / "%05d.png"), str(mp4), "--fps", "12", "--quiet",
                 "--style", str(_tiny(tmp_path))]) == 0
    assert probe(mp4)["times"] == pytest.approx([i / 12 for i in range(5)], abs=1e-3)


def _tiny(tmp_path):
    from tests.conftest import make_style

    return make_style(tmp_path / "tiny.safetensors")


@pytest.mark.parametrize("case", ["zero_bytes", "random_bytes", "no_video_stream", "missing"])
def test_bad_inputs_are_one_line_with_no_output(case, tmp_path, capsys):
    src = tmp_path / "in.mp4"
    if case == "zero_bytes":
        src.write_bytes(b"")
    elif case == "random_bytes":
        src.write_bytes(os.urandom(5000))
    elif case == "no_video_stream":
        from tests.hostile_media import audio_only

        audio_only(src)
    out = tmp_path / "out.mp4"
    assert main(["render", str(src), str(out), "--quiet", "--style", str(_tiny(tmp_path))]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("stylecam: error:")
    assert not out.exists() and not list(tmp_path.glob(".out*"))


def test_damaged_file_fails_cleanly_or_keeps_what_decodes(tmp_path, capsys):
    src = make_clip(tmp_path / "in.mp4", frames=40, audio=None, container_format="mpegts")
    data = src.read_bytes()
    src.write_bytes(data[: len(data) * 2 // 3] + os.urandom(3000))
    out = tmp_path / "out.mp4"
    style = str(_tiny(tmp_path))
    rc = main(["render", str(src), str(out), "--quiet", "--style", style, "--no-temporal"])
    if rc == 0:  # the demuxer resynchronised: every frame it found is there, nothing half-written
        assert 10 < len(probe(out)["times"]) <= 40
    else:
        assert rc == 2 and not out.exists()
        assert main(["render", str(src), str(out), "--quiet", "--style", style, "--keep-going"]) == 3
        assert 10 < len(probe(out)["times"]) < 40


def test_interrupt_leaves_no_output_and_keeps_a_previous_one(tmp_path):
    src = make_clip(tmp_path / "in.mp4", frames=16)
    out = tmp_path / "out.mp4"
    out.write_bytes(b"previous render")
    calls = {"n": 0}

    def interrupted(frame):
        calls["n"] += 1
        if calls["n"] == 8:
            raise KeyboardInterrupt
        return frame

    with pytest.raises(KeyboardInterrupt):
        render(str(src), str(out), PerFrame(interrupted))
    assert out.read_bytes() == b"previous render"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4", "out.mp4"]


def test_feature_temporal_consistency_lowers_the_warping_error(tmp_path):
    src = make_clip(tmp_path / "in.mp4", frames=16, audio=None, size=(96, 64))
    rng = np.random.default_rng(0)

    def flickery(frame):  # a stylization that changes noise pattern every frame, as networks do
        return np.clip(255 - frame.astype(int) + rng.integers(-40, 40, frame.shape), 0, 255).astype(np.uint8)

    plain, smooth = tmp_path / "plain.mp4", tmp_path / "smooth.mp4"
    render(str(src), str(plain), PerFrame(flickery))
    render(str(src), str(smooth), PerFrame(flickery), render_smoother("dis"))
    inputs = probe(src)["images"]
    e_plain, floor, _ = warping_errors(inputs, probe(plain)["images"])
    e_smooth, _, _ = warping_errors(inputs, probe(smooth)["images"])
    assert floor < e_smooth < 0.6 * e_plain


def test_temporal_error_command(tmp_path, capsys):
    src = make_clip(tmp_path / "in.mp4", frames=8, audio=None)
    out = tmp_path / "out.mp4"
    rng = np.random.default_rng(0)
    render(str(src), str(out), PerFrame(lambda f: np.clip(255 - f.astype(int) + rng.integers(-40, 40, f.shape), 0,
                                                          255).astype(np.uint8)))  # a stylization that flickers
    assert main(["temporal-error", str(src), str(out), "--json"]) == 0
    import json

    result = json.loads(capsys.readouterr().out)
    stylized, floor, pairs = warping_errors(video_frames(str(src)), video_frames(str(out)))
    assert result == {"stylized": pytest.approx(stylized), "input": pytest.approx(floor), "pairs": 7, "flow": "dis"}
    assert result["stylized"] > 2 * result["input"] > 0  # each number in its place: the flicker, above the floor


def test_temporal_error_needs_equal_length(tmp_path, capsys):
    a = make_clip(tmp_path / "a.mp4", frames=8, audio=None)
    b = make_clip(tmp_path / "b.mp4", frames=6, audio=None)
    assert main(["temporal-error", str(a), str(b)]) == 2
    assert "fewer frames" in capsys.readouterr().err


def test_unreadable_input_error_type(tmp_path):
    bad = tmp_path / "x.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(InputError):
        render(str(bad), str(tmp_path / "o.mp4"), PerFrame(invert))


def test_full_disk_ends_with_a_message_and_no_partial_file(tmp_path):
    """A size-limited process (RLIMIT_FSIZE) stands in for a full disk."""
    import resource
    import signal
    import subprocess
    import sys

    src = make_clip(tmp_path / "in.mp4", frames=30, size=(128, 96), audio=None)
    style = _tiny(tmp_path)
    out = tmp_path / "out" / "big.mp4"

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    proc = subprocess.run([sys.executable, "-m", "stylecam", "render", str(src), str(out), "--style", str(style),
                           "--quiet", "--crf", "0", "--preset", "ultrafast"],
                          preexec_fn=limit, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("stylecam: error: cannot write")
    assert not out.exists() and not any(out.parent.glob("*part*"))


def test_stream_that_changes_size_partway_keeps_the_first_size(tmp_path, capsys):
    a = make_clip(tmp_path / "a.ts", frames=6, size=(64, 48), audio=None, container_format="mpegts")
    b = make_clip(tmp_path / "b.ts", frames=6, size=(96, 64), audio=None, container_format="mpegts")
    joined = tmp_path / "joined.ts"
    joined.write_bytes(a.read_bytes() + b.read_bytes())
    out = tmp_path / "out.mp4"
    assert main(["render", str(joined), str(out), "--quiet", "--no-temporal", "--style", str(_tiny(tmp_path))]) == 0
    info = probe(out)
    assert info["size"] == (64, 48) and len(info["times"]) >= 10
    assert "changed size" in capsys.readouterr().err


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_mid_render_leaves_the_previous_output_and_resume_finishes_it(sig, code, tmp_path, capsys):
    src = make_clip(tmp_path / "in.mp4", frames=200, size=(160, 120), audio="aac")
    out = tmp_path / "out.mp4"
    out.write_bytes(b"previous render")
    style = str(_tiny(tmp_path))
    cmd = ["render", str(src), str(out), "--style", style, "--quiet", "--model-size", "32"]
    proc = subprocess.Popen([sys.executable, "-m", "stylecam", *[a for a in cmd if a != "--quiet"]],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "STYLECAM_PROGRESS_SECONDS": "0"},  # a progress line per frame
                            # started as a shell's background job (`stylecam render ... &`), which inherits
                            # SIGINT ignored: render must still stop on it
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    watchdog, head, written = threading.Timer(120, proc.kill), "", 0  # the deadline: a stuck render is ended
    watchdog.start()
    try:
        while written < 5:  # mid-render: a few frames written (its progress says so), most still to come
            line = proc.stderr.readline()
            assert line, head + proc.communicate()[1]  # ended (or stuck, and ended by the watchdog) before that
            head += line
            written = int(m.group(1)) if (m := re.search(r" (\d+)/200 frames", line)) else written
    finally:
        watchdog.cancel()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert "200/200 frames" not in err  # the signal came before the end
    err = head + err
    assert proc.returncode == code, err
    assert err.strip().splitlines()[-1].startswith("stylecam: ") and "Traceback" not in err
    assert out.read_bytes() == b"previous render"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == [".out.mp4.resume"]  # no .part
    assert "--resume continues" in err
    # other options than the interrupted render's: refused, nothing touched
    assert main([*cmd, "--strength", "0.5", "--resume"]) == 2
    assert "other options" in capsys.readouterr().err
    saved = tmp_path / ".out.mp4.resume" / "video.mp4"
    good = saved.read_bytes()
    saved.write_bytes(good[: len(good) // 3])  # a damaged saved part: one line, nothing touched
    assert main([*cmd, "--resume"]) == 2
    err = capsys.readouterr().err
    assert "damaged" in err and out.read_bytes() == b"previous render", err
    saved.write_bytes(good)
    assert main([*cmd, "--resume"]) == 0, capsys.readouterr().err
    a, b = probe(src), probe(out)
    assert b["times"] == a["times"] and b["audio"] == a["audio"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]
    assert main([*cmd, "--resume"]) == 2  # nothing left to continue
    assert "no interrupted render" in capsys.readouterr().err


class StopAt:
    """A stylizer that inverts frames and is interrupted (Ctrl-C) at its ``stop``-th call; with ``flicker``, it
    leaves about half the frames as they are instead, chosen by the frame's bytes (the same frame gets the same
    picture in every run): a flicker that the smoother evens out, so that a frame blended with the one before
    differs by tens of grey levels from the same frame stylized cold."""

    def __init__(self, stop: int | None = None, flicker: bool = False) -> None:
        self.calls, self.stop, self.flicker = 0, stop, flicker

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        self.calls += 1
        if self.calls == self.stop:
            raise KeyboardInterrupt
        if self.flicker and zlib.crc32(frame.tobytes()) % 2:
            return frame.copy()
        return 255 - frame


def test_resume_continues_with_the_same_frames_times_and_audio_as_one_run(tmp_path):
    times = [i / 24 + (0.02 if i % 5 == 0 else 0.0) for i in range(40)]  # variable frame rate
    src = make_clip(tmp_path / "in.mp4", frames=40, times=times, size=(96, 64), rotation=90)
    whole, out = tmp_path / "whole.mp4", tmp_path / "out.mp4"

    def flickering(stop: int | None = None) -> PerFrame:
        return PerFrame(StopAt(stop, flicker=True))

    render(str(src), str(whole), flickering(), render_smoother(), resume_key="k")
    with pytest.raises(KeyboardInterrupt):
        render(str(src), str(out), flickering(17), render_smoother(), resume_key="k")
    assert not out.exists() and (tmp_path / ".out.mp4.resume" / "video.mp4").is_file()
    saved = probe(tmp_path / ".out.mp4.resume" / "video.mp4")["images"]
    assert len(saved) == 16
    with pytest.raises(UserError, match="other options"):
        render(str(src), str(out), flickering(), render_smoother(), resume_key="another", resume=True)
    with pytest.raises(KeyboardInterrupt):  # stopped again before a new frame: the saved part stays as it was
        render(str(src), str(out), flickering(1), render_smoother(), resume_key="k", resume=True)
    assert probe(tmp_path / ".out.mp4.resume" / "video.mp4")["images"][-1].tobytes() == saved[-1].tobytes()
    with pytest.raises(KeyboardInterrupt):  # stopped after 4 new frames: 20 saved
        render(str(src), str(out), flickering(5), render_smoother(), resume_key="k", resume=True)
    assert len(probe(tmp_path / ".out.mp4.resume" / "video.mp4")["images"]) == 20
    rest, smoother = StopAt(flicker=True), render_smoother()
    primed, prime = [], smoother.prime

    def recorded_prime(frame, output):
        primed.append((frame, output))
        prime(frame, output)

    smoother.prime = recorded_prime
    result = render(str(src), str(out), PerFrame(rest), smoother, resume_key="k", resume=True)
    assert rest.calls == 40 - 20 and result.frames == 40  # only the frames not yet stylized
    a, b, c = probe(src), probe(out), probe(whole)
    assert b["times"] == a["times"] == c["times"] and b["audio"] == a["audio"] and b["rotation"] == 90
    assert all(np.array_equal(x, y) for x, y in zip(b["images"], saved))  # the first part, copied as it is
    diffs = [np.abs(x.astype(int) - y).mean() for x, y in zip(b["images"], c["images"])]
    # against one uninterrupted run: within coding noise (the flicker costs the encoder: up to 5.6 here, where a
    # frame off, or a smoother started cold after the resume, is off by tens of grey levels)
    assert max(diffs) < 8
    # which the test can see: the uninterrupted run's frame 20, blended with frame 19, is far from frame 20
    # stylized cold (what a prime that does nothing would have shown)
    cold = StopAt(flicker=True)(a["images"][20])
    assert np.abs(c["images"][20].astype(int) - cold).mean() > 3 * diffs[20]
    # the smoother went on from the last saved frame: input frame 19 and its output as saved
    assert len(primed) == 1
    assert np.abs(primed[0][0].astype(int) - a["images"][19]).max() == 0
    assert np.array_equal(primed[0][1], b["images"][19])
    assert not (tmp_path / ".out.mp4.resume").exists()


def test_a_signal_while_a_frame_is_encoded_leaves_a_part_that_resumes(tmp_path, monkeypatch):
    """Ctrl-C arriving inside the encoder (after it took the frame, before render counted it) must not
    leave a saved part with one frame more than its state says: that part could never be resumed."""
    from video.encode import H264Encoder

    src = make_clip(tmp_path / "in.mp4", frames=24, size=(96, 64))
    out = tmp_path / "out.mp4"
    original, calls = H264Encoder.write, []

    def write_then_signal(self, image, timestamp=None):
        original(self, image, timestamp)
        calls.append(1)
        if len(calls) == 10:
            os.kill(os.getpid(), signal.SIGINT)  # the default handler raises KeyboardInterrupt right here
            time.sleep(0.1)

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        monkeypatch.setattr(H264Encoder, "write", write_then_signal)
        with pytest.raises(KeyboardInterrupt):
            render(str(src), str(out), PerFrame(invert), resume_key="k")
    finally:
        signal.signal(signal.SIGINT, previous)
    monkeypatch.setattr(H264Encoder, "write", original)
    assert len(probe(tmp_path / ".out.mp4.resume" / "video.mp4")["images"]) == 10
    assert render(str(src), str(out), PerFrame(invert), resume_key="k", resume=True).frames == 24
    assert probe(out)["times"] == probe(src)["times"]


def test_render_takes_the_video_stable_variant_when_asked_and_with_temporal_only(tmp_path, capsys, photo):
    from models.inference.registry import user_style_dir
    from tests.conftest import make_style

    make_style(user_style_dir() / "plain.safetensors", seed=1, name="plain")
    make_style(user_style_dir() / "video" / "plain.safetensors", seed=2, name="plain")
    src = make_clip(tmp_path / "in.mp4", frames=4, audio=None)
    outs = {}
    for flags in (["--no-temporal"], [], ["--stable-variant"], ["--stable-variant", "--no-temporal"]):
        out = tmp_path / f"out{len(outs)}.mp4"
        assert main(["render", str(src), str(out), "--quiet", "--style", "plain", *flags]) == 0
        outs[" ".join(flags)] = (capsys.readouterr().out, next(iter(video_frames(str(out)))))
    assert "video-stable variant of plain" in outs["--stable-variant"][0]
    assert not [k for k in ("", "--no-temporal", "--stable-variant --no-temporal") if "variant" in outs[k][0]]
    # the variant is another network: its first frame differs from the plain style's
    assert np.abs(outs["--stable-variant"][1].astype(int) - outs[""][1]).mean() > 2
