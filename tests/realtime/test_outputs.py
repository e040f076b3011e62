"""Virtual camera (a recording backend registered with pyvirtualcam) and the UDP stream round trip."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from stylecam.cli import main
from tests.fakes import MissingDeviceBackend, RecordingBackend
from tests.realtime.test_window import solid_style

pyvirtualcam = pytest.importorskip("pyvirtualcam")


@pytest.fixture
def backends():
    RecordingBackend.instances.clear()
    RecordingBackend.delay = 0.0
    pyvirtualcam.register_backend("stylecam-recording", RecordingBackend)
    pyvirtualcam.register_backend("stylecam-missing", MissingDeviceBackend)
    yield RecordingBackend
    from pyvirtualcam.camera import BACKENDS

    BACKENDS.pop("stylecam-recording", None)
    BACKENDS.pop("stylecam-missing", None)


def live_args(style, *extra):
    return ["live", "--source", "synthetic", "--size", "64x48", "--no-window", "--style", str(style),
            "--model-size", "32", "--device", "cpu", *extra]


def test_vcam_receives_stylized_rgb_frames_of_the_output_size(backends, tmp_path, capsys):
    red = solid_style(tmp_path / "red.safetensors", (1, -1, -1))
    assert main(live_args(red, "--vcam", "--vcam-backend", "stylecam-recording", "--frames", "12")) == 0
    [cam] = backends.instances
    assert (cam.width, cam.height) == (64, 48)
    assert cam.fourcc == pyvirtualcam.camera.encode_fourcc(pyvirtualcam.PixelFormat.RGB.value)
    summary = capsys.readouterr().out
    sent = int(summary.split("vcam: ")[1].split(" frames sent")[0])
    dropped = int(summary.split("frames sent, ")[1].split(" dropped")[0])
    assert len(cam.frames) == sent and sent + dropped == 12 and sent >= 2
    raw = cam.frames[-1]  # pyvirtualcam hands backends a flat C-contiguous array
    assert raw.size == 48 * 64 * 3 and raw.dtype == np.uint8
    frame = raw.reshape(48, 64, 3)
    assert frame[..., 0].mean() > 200 and frame[..., 2].mean() < 50  # the style, in RGB order


def test_missing_virtual_camera_says_how_to_get_one(backends, tmp_path, capsys):
    style = solid_style(tmp_path / "s.safetensors", (1, 1, 1))
    assert main(live_args(style, "--vcam", "--vcam-backend", "stylecam-missing", "--frames", "5")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no virtual camera device" in err[0]
    assert "v4l2loopback" in err[0] and "exclusive_caps=1" in err[0]


def test_unknown_backend_is_one_line(backends, tmp_path, capsys):
    style = solid_style(tmp_path / "s.safetensors", (1, 1, 1))
    assert main(live_args(style, "--vcam", "--vcam-backend", "nonesuch", "--frames", "5")) == 2
    assert "not available" in capsys.readouterr().err


def test_slow_output_drops_frames_but_never_slows_the_preview(backends, tmp_path, capsys):
    backends.delay = 0.25
    style = solid_style(tmp_path / "s.safetensors", (1, 1, 1))
    t0 = time.monotonic()
    assert main(live_args(style, "--vcam", "--vcam-backend", "stylecam-recording", "--frames", "40")) == 0
    elapsed = time.monotonic() - t0
    summary = capsys.readouterr().out
    dropped = int(summary.split("frames sent, ")[1].split(" dropped")[0])
    assert dropped > 10 and elapsed < 40 * 0.25


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_udp_stream_round_trip_decodes_stylized_frames(tmp_path):
    import av

    red = solid_style(tmp_path / "red.safetensors", (1, -1, -1))
    port = free_udp_port()
    received: list[np.ndarray] = []
    errors: list[BaseException] = []

    def receive():
        try:
            with av.open(f"udp://127.0.0.1:{port}?timeout=8000000", format="mpegts",
                         options={"probesize": "200000", "analyzeduration": "500000"}) as c:
                for frame in c.decode(video=0):
                    received.append(frame.to_ndarray(format="rgb24"))
        except (av.error.ExitError, OSError) as exc:
            if not received:  # after the sender stopped, the read timeout ends the stream (EIO)
                errors.append(exc)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    receiver = threading.Thread(target=receive, daemon=True)
    receiver.start()
    assert udp_port_taken(port, deadline=10)  # the receiver listens before anything is sent
    assert main(live_args(red, "--stream", f"udp://127.0.0.1:{port}", "--frames", "75")) == 0
    receiver.join(timeout=20)
    assert not errors, errors
    assert len(received) >= 20  # from the first keyframe the receiver saw
    frame = received[-1]
    assert frame.shape == (48, 64, 3)
    assert frame[..., 0].mean() > 180 and frame[..., 2].mean() < 70  # stylized red, not the photo


def udp_port_taken(port: int, deadline: float) -> bool:
    """Whether something binds ``port`` on 127.0.0.1 within ``deadline`` seconds. On Linux the kernel's socket table
    says so without touching the port (a probe that binds it could take it from the receiver in the same instant);
    elsewhere a bind of ours fails once the port is taken."""
    import socket

    table = Path("/proc/net/udp")
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if table.exists():
            rows = table.read_text().splitlines()[1:]
            if any(int(row.split()[1].split(":")[1], 16) == port for row in rows):
                return True
        else:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    return True
        time.sleep(0.01)
    return False


def test_stream_with_no_receiver_does_not_block(tmp_path, capsys):
    style = solid_style(tmp_path / "s.safetensors", (1, 1, 1))
    t0 = time.monotonic()
    assert main(live_args(style, "--stream", f"udp://127.0.0.1:{free_udp_port()}", "--frames", "30")) == 0
    assert time.monotonic() - t0 < 30
    assert "stream: " in capsys.readouterr().out


def test_bad_stream_url_is_one_line(tmp_path, capsys):
    style = solid_style(tmp_path / "s.safetensors", (1, 1, 1))
    assert main(live_args(style, "--stream", "ftp://example", "--frames", "5")) == 2
    assert "unsupported stream URL" in capsys.readouterr().err


def test_vcam_stream_and_recording_at_once(backends, tmp_path, capsys):
    import av

    red = solid_style(tmp_path / "red.safetensors", (1, -1, -1))
    record = tmp_path / "rec.mp4"
    assert main(live_args(red, "--vcam", "--vcam-backend", "stylecam-recording", "--stream",
                          f"udp://127.0.0.1:{free_udp_port()}", "--record", str(record), "--frames", "20")) == 0
    summary = capsys.readouterr().out
    assert "vcam: " in summary and "stream: " in summary
    assert len(backends.instances[0].frames) >= 2
    with av.open(str(record)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(frames) == 20 and frames[-1][..., 0].mean() > 180
