"""The real preview window under Xvfb, driven by real key presses from xdotool."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from models.inference.registry import save_style
from models.nets.transformer import TransformerNet
from tests.conftest import TINY

pytestmark = pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("xdotool")),
    reason="needs Xvfb and xdotool (apt-get install -y xvfb xdotool; .ci/run installs them)",
)


def solid_style(path: Path, rgb_sign: tuple[int, int, int]) -> Path:
    """A tiny network whose output saturates to one colour: its last bias dominates."""
    torch.manual_seed(0)
    net = TransformerNet(TINY)
    with torch.no_grad():
        last = net.out[-1]
        last.weight.zero_()
        last.bias.copy_(torch.tensor(rgb_sign, dtype=torch.float32) * 8.0)
    return save_style(net, {"name": path.stem}, path)


@pytest.fixture
def display():
    for n in range(90, 110):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            break
    name = f":{n}"
    xvfb = subprocess.Popen(["Xvfb", name, "-screen", "0", "800x600x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30  # generous: CI machines may be busy
    while not Path(f"/tmp/.X11-unix/X{n}").exists():
        assert time.monotonic() < deadline, "Xvfb did not start"
        time.sleep(0.05)
    yield name
    xvfb.terminate()
    xvfb.wait(5)


def xdo(display: str, *args: str) -> str:
    return subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": display}, capture_output=True,
                          text=True, timeout=20).stdout.strip()


def request_close(display: str, window: str) -> None:
    """Send WM_DELETE_WINDOW, exactly what a window manager sends when the user clicks the close button."""
    import ctypes
    import ctypes.util

    class ClientMessage(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                    ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                    ("format", ctypes.c_int), ("data", ctypes.c_long * 5), ("pad", ctypes.c_long * 12)]

    x11 = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
    x11.XFlush.argtypes = x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = x11.XOpenDisplay(display.encode())
    assert dpy, f"cannot open {display}"
    event = ClientMessage(type=33, send_event=1, display=dpy, window=int(window),  # 33: ClientMessage
                          message_type=x11.XInternAtom(dpy, b"WM_PROTOCOLS", 0), format=32)
    event.data[0] = x11.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
    x11.XSendEvent(dpy, int(window), 0, 0, ctypes.byref(event))
    x11.XFlush(dpy)
    x11.XCloseDisplay(dpy)


def window_pixels(display: str, window: str) -> np.ndarray:
    from PIL import ImageGrab

    geo = dict(line.split("=") for line in xdo(display, "getwindowgeometry", "--shell", window).splitlines())
    x, y, w, h = (int(geo[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
    shot = np.asarray(ImageGrab.grab(xdisplay=display))
    return shot[y : y + h, x : x + w, :3]


def wait_for(predicate, timeout: float = 30.0, step: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}: last {value!r}")


def lower_mean(pixels: np.ndarray) -> np.ndarray:
    """Mean colour of a patch in the lower middle of the window, away from the status line and any frame."""
    h, w = pixels.shape[:2]
    return pixels[h // 2 : h * 5 // 6, w // 4 : w * 3 // 4].reshape(-1, 3).mean(axis=0)


def colour_if(display: str, window: str, channel: int) -> tuple | None:
    """The window's mean colour when ``channel`` dominates it, else None."""
    mean = lower_mean(window_pixels(display, window))
    return tuple(mean) if mean[channel] > 150 else None


@pytest.fixture
def live(tmp_path, display):
    red = solid_style(tmp_path / "red.safetensors", (1, -1, -1))
    blue = solid_style(tmp_path / "blue.safetensors", (-1, -1, 1))
    out = tmp_path / "out"
    env = {**os.environ, "DISPLAY": display}
    proc = subprocess.Popen(
        [sys.executable, "-m", "stylecam", "live", "--source", "synthetic", "--size", "320x240",
         "--style", str(red), "--style", str(blue), "--model-size", "64", "--out", str(out), "--device", "cpu"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        window = wait_for(lambda: xdo(display, "search", "--onlyvisible", "--name", "^stylecam$").split("\n")[0],
                          timeout=90, what="the stylecam window")
        try:
            wait_for(lambda: window_pixels(display, window).any(), timeout=15, what="a painted window")
        except AssertionError:
            # Qt under a bare X server (no window manager) sometimes misses the window's first expose
            # and paints nothing until the window is mapped again (about one run in four on a busy
            # machine: the whole screen read black while the app kept showing frames). A window
            # manager maps it again like this; a window that still shows no frame fails below.
            xdo(display, "windowunmap", "--sync", window)
            xdo(display, "windowmap", "--sync", window)
        yield proc, window, out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def test_window_style_key_snapshot_and_quit(live, display):
    proc, window, out = live
    red = wait_for(lambda: colour_if(display, window, 0), what="a red window")
    assert red[2] < 80
    xdo(display, "key", "--window", window, "2")
    blue = wait_for(lambda: colour_if(display, window, 2), what="a blue window")
    assert blue[0] < 80  # the window's pixels changed to the second style
    xdo(display, "key", "--window", window, "s")
    snap = wait_for(lambda: sorted(out.glob("stylecam-*.png")))
    assert snap
    xdo(display, "key", "--window", window, "q")
    assert proc.wait(timeout=20) == 0
    assert "frames shown" in proc.stdout.read()


def test_closing_the_window_ends_like_quit(live, display):
    proc, window, _ = live
    wait_for(lambda: colour_if(display, window, 0), what="a red window")
    request_close(display, window)
    assert proc.wait(timeout=20) == 0
