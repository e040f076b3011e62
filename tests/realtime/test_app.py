import av
import numpy as np
import pytest

from models.images import read_rgb
from realtime.app import LiveApp
from realtime.sinks import NullSink
from tests.fakes import FakeStylizer, ListSource, numbered_frame


class ScriptedSink(NullSink):
    """A display that 'presses' keys at given frame counts."""

    def __init__(self, keys: dict[int, int]) -> None:
        super().__init__()
        self.keys = keys
        self.polls = 0

    def poll_key(self, wait_ms: int = 1) -> int:
        key = self.keys.pop(self.frames, -1) if self.frames in self.keys else -1
        return key


def make_app(tmp_path, n=200, **kw):
    source = ListSource([numbered_frame(i, (64, 48)) for i in range(n)], fps=300)
    styles = [("invert", FakeStylizer()), ("grey", FakeStylizer(tint=128))]
    return LiveApp(source, styles, snapshot_dir=tmp_path, record_dir=tmp_path, **kw)


def test_feature_style_keys_switch_the_output(tmp_path):
    app = make_app(tmp_path)
    sink = ScriptedSink({5: ord("2")})
    app.state.hud = False
    app.run(sink, max_frames=20)
    assert app.style_name == "grey"
    assert (sink.last[..., ::-1] == 128).all()


def test_original_key_shows_the_camera_picture(tmp_path):
    app = make_app(tmp_path)
    app.state.hud = False
    app.handle("original")
    sink = NullSink()
    app.run(sink, max_frames=5)
    shown = sink.last[..., ::-1]
    assert shown[0, 0, 1] == 0 and shown[0, -1, 1] == 255  # the gradient of the source, not inverted


def test_compare_view_splits_original_and_stylized(tmp_path):
    app = make_app(tmp_path)
    app.state.hud = False
    app.handle("compare")
    sink = NullSink()
    app.run(sink, max_frames=5)
    shown = sink.last[..., ::-1].astype(int)
    left, right = shown[:, 5], shown[:, -5]
    assert left[0, 1] < 50 and right[0, 1] < 50  # green: gradient 0→255 on the left, inverted on the right
    assert (shown[:, 31:33] == 255).all()  # the divider


def test_strength_keys_clamp_and_reach_the_stylizer(tmp_path):
    app = make_app(tmp_path)
    for _ in range(3):
        app.handle("weaker")
    assert app.state.strength == pytest.approx(0.7)
    for _ in range(10):
        app.handle("stronger")
    assert app.state.strength == 1.0
    app.handle("weaker")
    app.run(NullSink(), max_frames=3)
    assert app.stylizers[0][1].strength == pytest.approx(0.9)


def test_snapshot_and_recording(tmp_path):
    app = make_app(tmp_path, n=400)
    sink = ScriptedSink({3: ord("s"), 4: ord("r"), 40: ord("r")})
    app.run(sink, max_frames=60)
    [snap] = app.snapshots
    assert read_rgb(snap).shape == (48, 64, 3)
    [video] = app.recordings
    with av.open(str(video)) as c:
        frames = list(c.decode(video=0))
    assert 20 <= len(frames) <= 37 and (frames[0].width, frames[0].height) == (64, 48)
    times = [f.time for f in frames]
    assert times == sorted(times)


def test_quit_key_and_pause(tmp_path):
    app = make_app(tmp_path, n=10_000)
    app.handle("pause")
    sink = ScriptedSink({30: ord("q")})
    app.run(sink)
    assert app.state.quit and sink.frames == 30
    held = {sink.last.tobytes()}
    assert len(held) == 1 and app.stylizers[0][1].calls == 1  # paused: the first result is held


def test_hud_shows_style_fps_and_help(tmp_path):
    app = make_app(tmp_path)
    app.run(NullSink(), max_frames=10)
    lines = app.status_lines()
    assert lines[0].startswith("invert |") and "fps" in lines[0] and "ms" in lines[0]
    assert "help" in lines[1]
    plain = app.compose(app._held)
    app.state.help = True
    assert not np.array_equal(app.compose(app._held), plain)
