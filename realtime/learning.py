"""Learning a picture style in the background of ``stylecam live``: one ``stylecam learn`` at a time, in a child
process, pictures queued.

``live --style PAINTING.jpg`` starts at once on the instant path (the arbitrary-style network: soft, far from
many paintings) and queues the painting here. The child learns it (``--minutes`` of the first stage, on one
thread, so that the preview keeps the other core) and installs both tiers under the picture's name, recording
its digest: the live app then loads the learned live network and shows it in the picture's place, and a later
run finds it by the digest (:func:`models.inference.registry.learned_style_for`) without learning again. A
longer stage may follow (``stages``: minutes of each, e.g. ``(1, 5)``); it replaces the first stage's networks
and is switched to in the same way.

Nothing is installed unless a stage finishes: ``learn`` installs both tiers only at its end, a cancelled or
quitting learner terminates its child (which then installs nothing), and the child leaves by itself when this
process dies (``STYLECAM_PARENT_PID``, watched by ``stylecam learn``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# learn's plain progress line (stylecam.progress, not a terminal): "learn NAME  43.2% fast tier ... ETA 00:35"
_PROGRESS = re.compile(r"(?P<pct>\d+(?:\.\d+)?)%.*?(?:ETA (?:(?P<h>\d+):)?(?P<m>\d+):(?P<s>\d+))?\s*$")


def parse_progress(line: str) -> tuple[float, float | None] | None:
    """(fraction done, seconds left or None) from one of learn's progress lines; None for any other line."""
    if not line.startswith("learn "):
        return None
    match = _PROGRESS.search(line)
    if match is None:
        return None
    eta = None
    if match["m"] is not None:
        eta = 3600 * int(match["h"] or 0) + 60 * int(match["m"]) + int(match["s"])
    return min(max(float(match["pct"]) / 100.0, 0.0), 1.0), eta


@dataclass
class LearnJob:
    """One picture to learn: its stages (minutes each) and the style name learn installs it under."""

    picture: str
    name: str
    stages: tuple[float, ...]
    stage: int = 0  # the stage running or next

    @property
    def minutes(self) -> float:
        return self.stages[self.stage]


@dataclass
class Learned:
    """A stage that finished: ``picture`` is installed as the style ``name`` (``final``: no stage follows)."""

    picture: str
    name: str
    minutes: float
    final: bool
    seconds: float  # from the stage's start to its end


@dataclass
class Failed:
    picture: str
    message: str


@dataclass
class LearnStatus:
    """What the HUD shows while a picture learns."""

    picture: str
    name: str
    minutes: float
    fraction: float = 0.0
    eta: float | None = None
    started: float = field(default_factory=time.monotonic)
    queued: int = 0

    def describe(self) -> str:
        eta = f", about {self.eta:.0f} s left" if self.eta is not None else ""
        more = f", {self.queued} more queued" if self.queued else ""
        return f"learning {self.name} ({self.minutes:g} min): {self.fraction:.0%}{eta}{more} (x cancels)"


def learn_command(job: LearnJob, threads: int = 1) -> list[str]:
    """The child's command line: ``stylecam learn`` of the job's picture and stage, on ``threads`` threads."""
    cmd = [sys.executable, "-m", "stylecam", "learn", job.picture, "--name", job.name,
           "--minutes", f"{job.minutes:g}", "--threads", str(threads)]
    return cmd + (["--force"] if job.stage > 0 else [])


def start_child(cmd: list[str]) -> subprocess.Popen:
    """``cmd`` as a child whose output is read line by line; it exits by itself if this process dies."""
    env = {**os.environ, "STYLECAM_PROGRESS_SECONDS": "1", "STYLECAM_PARENT_PID": str(os.getpid()),
           "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            text=True, env=env, bufsize=1)


class BackgroundLearner:
    """Pictures in, learned styles out; one child at a time. Call :meth:`poll` from the display loop: it returns
    the stages that finished or failed since the last call, and starts the next child. ``start``: builds the child
    from a command line (tests give a fake learner)."""

    def __init__(self, threads: int = 1, command: Callable[[LearnJob, int], list[str]] = learn_command,
                 start: Callable[[list[str]], subprocess.Popen] = start_child) -> None:
        self.threads, self._command, self._start = threads, command, start
        self.queue: deque[LearnJob] = deque()
        self.current: LearnJob | None = None
        self.status: LearnStatus | None = None
        self._child: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None
        self._tail: deque[str] = deque(maxlen=20)
        self._lock = threading.Lock()

    def submit(self, picture: str, name: str, stages: tuple[float, ...]) -> None:
        """Queue ``picture`` (once: a picture already queued or learning is not queued again)."""
        if not stages:
            return
        if any(j.picture == picture for j in self.queue) or (self.current and self.current.picture == picture):
            return
        self.queue.append(LearnJob(picture, name, tuple(stages)))

    @property
    def busy(self) -> bool:
        return self.current is not None or bool(self.queue)

    def _launch(self, job: LearnJob) -> None:
        self.current = job
        self.status = LearnStatus(job.picture, job.name, job.minutes, queued=len(self.queue))
        self._tail.clear()
        self._child = self._start(self._command(job, self.threads))
        self._reader = threading.Thread(target=self._read, args=(self._child, self.status), daemon=True,
                                        name="stylecam-learn-reader")
        self._reader.start()

    def _read(self, child: subprocess.Popen, status: LearnStatus) -> None:
        for line in child.stdout:
            line = line.rstrip()
            parsed = parse_progress(line)
            with self._lock:
                if parsed is not None:
                    status.fraction, status.eta = parsed
                elif line:
                    self._tail.append(line)

    def poll(self) -> list[Learned | Failed]:
        """The stages that ended since the last call; starts the next child when none runs."""
        events: list[Learned | Failed] = []
        child, job = self._child, self.current
        if child is not None and job is not None and child.poll() is not None:
            if self._reader is not None:
                self._reader.join(timeout=2.0)
            seconds = time.monotonic() - self.status.started
            if child.returncode == 0:
                final = job.stage + 1 >= len(job.stages)
                events.append(Learned(job.picture, job.name, job.minutes, final, seconds))
                if not final:
                    job.stage += 1
                    self.queue.appendleft(job)
            else:
                with self._lock:
                    last = next((t for t in reversed(self._tail) if t.startswith("stylecam:")),
                                self._tail[-1] if self._tail else f"exit status {child.returncode}")
                events.append(Failed(job.picture, last))
            self._child, self.current, self.status = None, None, None
        if self._child is None and self.queue:
            self._launch(self.queue.popleft())
        return events

    def cancel(self) -> str | None:
        """Stop the running child and forget the queue; the name of what was learning, if anything."""
        name = self.current.name if self.current else None
        self.queue.clear()
        self._stop()
        return name

    def close(self) -> None:
        """Stop everything (quitting live): the child is terminated and waited for; nothing gets installed."""
        self.cancel()

    def _stop(self) -> None:
        child = self._child
        self._child, self.current, self.status = None, None, None
        if child is None:
            return
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10.0)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if self._reader is not None:
            self._reader.join(timeout=2.0)
        if child.stdout is not None:
            child.stdout.close()

    def __enter__(self) -> BackgroundLearner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def learn_name(picture: str | Path, taken: set[str]) -> str:
    """The style name learn installs ``picture`` under: from its file name, with a part of its digest where a
    style of that name exists already (another picture with the same file name)."""
    from models.inference.registry import picture_digest
    from models.training.learn import style_name

    name = style_name(picture)
    return name if name not in taken else f"{name}_{picture_digest(picture)[:8]}"


def exit_with_parent(poll_seconds: float = 1.0) -> threading.Thread | None:
    """In a child started by :func:`start_child`: a watcher that ends this process when its parent is gone (the
    live app killed without a chance to stop it), so that no learner outlives the app. None where not a child."""
    parent = os.environ.get("STYLECAM_PARENT_PID")
    if not parent or not parent.isdigit():
        return None

    def watch() -> None:
        while True:
            if not _alive(int(parent)) or (os.name != "nt" and os.getppid() != int(parent)):
                os._exit(130)
            time.sleep(poll_seconds)

    thread = threading.Thread(target=watch, daemon=True, name="stylecam-parent-watch")
    thread.start()
    return thread


def _alive(pid: int) -> bool:
    if os.name == "nt":
        return True  # os.kill(pid, 0) would end the process on Windows; the parent closes the pipe instead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
