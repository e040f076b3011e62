"""Learning a picture in the background of live (realtime/learning.py, LiveApp.attach_learner), with fake learners:
small Python children that print learn's progress lines and install a marker file at their end, as learn does."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models.errors import UserError
from realtime.app import LiveApp
from realtime.learning import BackgroundLearner, Failed, Learned, exit_with_parent, parse_progress
from realtime.sinks import NullSink
from stylecam.progress import Progress
from tests.fakes import FakeStylizer, ListSource, numbered_frame

# a fake `stylecam learn`: progress lines as learn prints them, then (unless killed first) the "installed" marker
FAKE_LEARN = """
import sys, time
out, seconds, code = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
steps = 4
for i in range(steps):
    print(f"learn fake {100 * (i + 1) / steps:5.1f}% fast tier step {i} ETA 00:0{steps - i - 1}", flush=True)
    time.sleep(seconds / steps)
if code:
    print("stylecam: the painting could not be read", flush=True)
    sys.exit(code)
open(out, "a").write("installed\\n")
"""


def fake_learner(tmp_path: Path, seconds: float = 0.2, code: int = 0) -> tuple[BackgroundLearner, list]:
    """A learner whose children are FAKE_LEARN; also the list of the command lines it started."""
    started = []

    def command(job, threads):
        cmd = [sys.executable, "-c", FAKE_LEARN, str(tmp_path / f"{job.name}.{job.stage}.installed"), str(seconds),
               str(code)]
        started.append((job.name, job.stage, threads))
        return cmd

    def start(cmd):
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)

    return BackgroundLearner(threads=1, command=command, start=start), started


def poll_until(learner: BackgroundLearner, count: int, deadline: float = 30.0) -> list:
    events, end = [], time.monotonic() + deadline
    while len(events) < count and time.monotonic() < end:
        events += learner.poll()
        time.sleep(0.01)
    return events


def test_feature_progress_lines_as_learn_prints_them_give_the_fraction_and_the_time_left():
    line = Progress("learn my_painting", stream=io.StringIO()).line(0.432, "fast tier step 13 style 5.2", 95.0)
    assert parse_progress(line) == (pytest.approx(0.432), 95)
    assert parse_progress("learn x  10.0% live tier step 2") == (pytest.approx(0.1), None)
    assert parse_progress("starting from 'minotaur', the pack style nearest the painting") is None


def test_feature_one_learner_at_a_time_each_stage_installed_and_reported(tmp_path):
    learner, started = fake_learner(tmp_path)
    learner.submit("a.jpg", "a", (1.0, 5.0))
    learner.submit("b.jpg", "b", (1.0,))
    learner.submit("a.jpg", "a", (1.0,))  # queued already: not twice
    assert learner.poll() == [] and learner.status is not None and learner.status.name == "a"
    events = poll_until(learner, 3)
    assert [(e.name, e.minutes, e.final) for e in events] == [("a", 1.0, False), ("a", 5.0, True), ("b", 1.0, True)]
    assert all(isinstance(e, Learned) for e in events)
    assert started == [("a", 0, 1), ("a", 1, 1), ("b", 0, 1)]  # the longer stage before the next picture
    assert sorted(p.name for p in tmp_path.glob("*.installed")) == ["a.0.installed", "a.1.installed", "b.0.installed"]
    assert not learner.busy


def test_feature_a_failed_learn_says_why(tmp_path):
    learner, _ = fake_learner(tmp_path, code=2)
    learner.submit("broken.jpg", "broken", (1.0,))
    [event] = poll_until(learner, 1)
    assert isinstance(event, Failed) and event.message == "stylecam: the painting could not be read"


def test_feature_cancel_and_close_stop_the_child_and_install_nothing(tmp_path):
    for stop in ("cancel", "close"):
        learner, _ = fake_learner(tmp_path, seconds=60.0)
        learner.submit("slow.jpg", f"slow_{stop}", (1.0,))
        learner.submit("next.jpg", "next", (1.0,))
        learner.poll()
        child = learner._child
        deadline = time.monotonic() + 20
        while learner.status.fraction == 0 and time.monotonic() < deadline:  # the child is running and reporting
            time.sleep(0.01)
        assert learner.status.fraction == pytest.approx(0.25)
        getattr(learner, stop)()
        assert child.poll() is not None  # terminated and waited for: no process left behind
        assert learner.poll() == [] and not learner.busy  # the queue went with it
        assert not list(tmp_path.glob("*.installed"))


def test_feature_a_learner_leaves_when_the_live_process_is_gone(tmp_path):
    """learn's child watches its parent (STYLECAM_PARENT_PID): killed without a chance to stop it, the live
    process leaves no learner running."""
    pid_file = tmp_path / "grandchild.pid"
    parent = subprocess.Popen([sys.executable, "-c", f"""
import os, subprocess, sys, time
env = dict(os.environ, STYLECAM_PARENT_PID=str(os.getpid()))
code = "import os, time; from realtime.learning import exit_with_parent; exit_with_parent(0.05); " \\
       "open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
subprocess.Popen([sys.executable, "-c", code], env=env)
time.sleep(60)
"""], cwd=Path(__file__).resolve().parents[2])
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while _running(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(grandchild)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split()[2] == "Z")  # a zombie has ended


def test_exit_with_parent_is_off_outside_a_learner(monkeypatch):
    monkeypatch.delenv("STYLECAM_PARENT_PID", raising=False)
    assert exit_with_parent() is None


def test_feature_live_shows_the_instant_network_then_switches_to_the_learned_one(tmp_path):
    """The picture's entry runs the instant network (grey) while the child learns; the HUD says so; when the stage
    is installed the learned network (inverting) takes the entry's place and the summary says when it showed."""
    source = ListSource([numbered_frame(i, (64, 48)) for i in range(100_000)], fps=200)
    app = LiveApp(source, [("painting", FakeStylizer(tint=128))], snapshot_dir=tmp_path, record_dir=tmp_path)
    learner, _ = fake_learner(tmp_path, seconds=0.5)
    learner.submit("painting.jpg", "painting_learned", (1.0,))
    loaded = []

    def load(picture):
        loaded.append(picture)
        return "painting_learned", FakeStylizer()

    app.attach_learner(learner, load, {"painting.jpg": "painting"})
    hud_during, after = [], []
    sink = NullSink()
    original_write = sink.write

    def write(view):
        if learner.status is not None:
            hud_during.append(app.status_lines())
        original_write(view)
        if app.learned:
            after.append(view)
            app.state.quit = len(after) >= 5

    sink.write = write
    app.state.hud = False
    app.run(sink, max_seconds=30)
    assert loaded == ["painting.jpg"] and app.stylizers[0][0] == "painting_learned"
    [(name, minutes, at)] = app.learned
    assert name == "painting_learned" and minutes == 1.0 and at > 0.4
    shown = sink.last[..., ::-1].astype(int)
    assert shown[0, -1, 1] == 0  # inverted: the learned network's picture, not the grey instant one
    assert any("learning painting_learned" in " ".join(lines) for lines in hud_during)
    assert "learned painting_learned (1 min) on screen" in app.summary()
    assert app.learning_frames > 0 and 0.3 < app.learning_seconds < at + 1.0


def test_feature_the_x_key_cancels_learning(tmp_path):
    source = ListSource([numbered_frame(i, (64, 48)) for i in range(1000)], fps=200)
    app = LiveApp(source, [("painting", FakeStylizer(tint=128))], snapshot_dir=tmp_path, record_dir=tmp_path)
    learner, _ = fake_learner(tmp_path, seconds=60.0)
    learner.submit("painting.jpg", "p", (1.0,))
    app.attach_learner(learner, lambda picture: ("p", FakeStylizer()), {"painting.jpg": "painting"})
    learner.poll()
    child = learner._child
    app.handle("cancel_learn")
    assert child.poll() is not None and not learner.busy
    assert any("cancelled" in text for _, text in app.messages)


def test_learn_minutes_and_which_pictures_wait():
    from stylecam.commands.live import parse_learn_minutes, pictures_to_learn

    assert parse_learn_minutes("1") == (1.0,) and parse_learn_minutes("1,5") == (1.0, 5.0)
    for bad in ("soon", "0.1", "1,,5"):
        with pytest.raises(UserError):
            parse_learn_minutes(bad)
    picture = FakeStylizer()
    picture.meta = {"kind": "image", "style_file": __file__}
    learned = FakeStylizer()
    learned.meta = {"kind": "feedforward"}
    assert pictures_to_learn([__file__, "starry"], [("me", picture), ("starry", learned)]) == {__file__: "me"}
