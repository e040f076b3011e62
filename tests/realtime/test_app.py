import av
import numpy as np
import pytest

from models.images import read_rgb
from realtime.app import LiveApp
from realtime.sinks import NullSink
from tests.fakes import FakeStylizer, ListSource, ScriptedSink, SlowSmoother, numbered_frame


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
    app.state.hud = False  # the status line's numbers change from frame to frame
    app.handle("pause")
    sink = ScriptedSink({30: ord("q")})
    app.run(sink)
    assert app.state.quit and sink.frames == 30
    # paused: all 30 frames show the first result, which was stylized once
    assert len(sink.pictures) == 1 and app.stylizers[0][1].calls == 1
    app.handle("pause")
    app.state.quit = False
    live = ScriptedSink({10: ord("q")})
    app.run(live)
    assert len(live.pictures) > 1  # running again: the camera's frames move on


def test_hud_shows_style_fps_and_help(tmp_path):
    app = make_app(tmp_path)
    app.run(NullSink(), max_frames=10)
    lines = app.status_lines()
    assert lines[0].startswith("invert |") and "fps" in lines[0] and "ms" in lines[0]
    assert "help" in lines[1]
    plain = app.compose(app._held)
    app.state.help = True
    assert not np.array_equal(app.compose(app._held), plain)


def test_temporal_smoothing_runs_at_the_network_size_and_steadies_a_noisy_still(tmp_path, tiny_style):
    from models.inference.runtime import Stylizer
    from realtime.frames import Frame
    from video.device_smoother import live_smoother

    stylizer = Stylizer(tiny_style, device="cpu", model_size=32)
    calls = []

    class Spy:
        def __init__(self, inner):
            self.inner = inner

        def __call__(self, frame, stylized):
            calls.append((frame.shape, stylized.shape))
            return self.inner(frame, stylized)

        def reset(self):
            self.inner.reset()

    rng = np.random.default_rng(0)
    still = np.kron(rng.integers(0, 256, (12, 16, 3)), np.ones((8, 8, 1))).astype(np.uint8)  # 128×96, blocky
    frames = [np.clip(still.astype(int) + rng.integers(-12, 13, still.shape), 0, 255).astype(np.uint8)
              for _ in range(12)]
    outputs = {}
    for temporal in (False, True):
        app = LiveApp(ListSource([], fps=30), [("tiny", stylizer)], smoother=Spy(live_smoother()), temporal=temporal)
        outputs[temporal] = [app.process(Frame(f, i)).image for i, f in enumerate(frames)]
    assert all(o.shape == still.shape for o in outputs[True])
    assert calls and all(f == s == (32, 43, 3) for f, s in calls)  # smoothed at the network's size, not 96×128
    flicker = {t: np.mean([np.abs(a.astype(int) - b).mean() for a, b in zip(o[5:], o[6:])]) for t, o in outputs.items()}
    assert flicker[True] < 0.7 * flicker[False]


def test_slow_smoothing_does_not_shrink_the_network(tmp_path):
    from realtime.autosize import AutoSize

    # a fast network and a smoothing stage that takes 80 ms a frame, at a 30 fps camera (budget 30 ms)
    source = ListSource([numbered_frame(i, (64, 48)) for i in range(10_000)], fps=30)
    autosize = AutoSize(camera_fps=30, start=256)
    app = LiveApp(source, [("invert", FakeStylizer())], smoother=SlowSmoother(delay=0.08), autosize=autosize)
    app.state.hud = False
    app.run(NullSink(), max_seconds=3.0)
    assert len(app.stats.infer_ms) >= 45  # the network was timed over three of the auto-size's windows
    assert autosize.size >= 256
    assert app.smooth.control.index > 0  # the smoothing stepped its own quality down instead


def test_style_switch_temporal_toggle_and_original_restart_the_smoother(tmp_path):
    from realtime.frames import Frame

    smoother = SlowSmoother()
    app = make_app(tmp_path, smoother=smoother)
    frames = iter(Frame(numbered_frame(i, (64, 48)), i) for i in range(100))
    app.process(next(frames))
    app.process(next(frames))
    resets = smoother.resets
    assert app.smooth(app.stylize(next(frames))) is not None and smoother.resets == resets  # same style: continues
    for action, arg in [("style", 2), ("temporal", None), ("temporal", None), ("original", None), ("original", None)]:
        app.handle(action, arg)
        app.process(next(frames))
        assert smoother.resets == resets + 1, action
        resets = smoother.resets
    calls = smoother.calls
    app.handle("temporal")
    assert (app.process(next(frames)).image == 128).all() and smoother.calls == calls  # off: not smoothed


def test_the_stylize_stage_runs_only_the_network_and_the_smooth_stage_finishes(tiny_style):
    from models.inference.runtime import Stylizer
    from realtime.frames import Frame

    stylizer = Stylizer(tiny_style, device="cpu", model_size=32)
    smoother = SlowSmoother()
    app = LiveApp(ListSource([], fps=30), [("tiny", stylizer)], smoother=smoother)
    frame = Frame(numbered_frame(3, (128, 96)), 7)
    item = app.stylize(frame)
    assert item.network_out.shape == (32, 43, 3) and smoother.calls == 0  # the network's size: nothing else ran
    assert item.index == 7 and item.captured == frame.captured and item.original is frame.image
    shown = app.smooth(item)
    assert shown.image.shape == (96, 128, 3) and smoother.calls == 1
    assert (shown.index, shown.captured) == (7, frame.captured) and shown.original is frame.image
    np.testing.assert_array_equal(shown.image, stylizer(frame.image))


def test_feature_the_summary_reports_the_first_frame_and_the_gap_of_a_style_switch(tmp_path):
    app = make_app(tmp_path)
    sink = ScriptedSink({5: ord("2"), 12: ord("1")})
    app.state.hud = False
    app.run(sink, max_frames=20)
    assert app.first_frame_s is not None and 0 < app.first_frame_s < 5
    assert len(app.switch_gaps_ms) == 2 and all(0 <= g < 2000 for g in app.switch_gaps_ms)
    assert "first stylized frame" in app.summary() and "style switches shown after" in app.summary()
