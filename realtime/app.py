"""The live application: style state, hotkey actions, and the display loop around the pipeline.

Two stages, each in its own thread, work on the newest camera frame: stylize runs the
network (and only the network is timed for the network's auto-size), smooth runs temporal
smoothing and the upscale to the frame (and lowers its own quality when it falls behind,
:mod:`realtime.smoothing`). The main thread composes the view (compare split, status line,
help), shows it, records it and handles keys. Switching styles picks another preloaded
stylizer (or rewrites a bank's norm parameters), so it is instant.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from realtime.frames import Frame, Stylized
from realtime.hotkeys import action_for, help_lines
from realtime.overlay import compare_view, draw_help, draw_hud
from realtime.picture_check import ShownSamples
from realtime.pipeline import LivePipeline
from realtime.sinks import Display, ThreadedSink, recorder
from realtime.smoothing import SmoothingControl, SmoothStage
from realtime.sources import Source


@dataclass
class LiveState:
    style_index: int = 0
    show_original: bool = False
    compare: bool = False
    strength: float = 1.0
    temporal: bool = True
    paused: bool = False
    hud: bool = True
    help: bool = False
    quit: bool = False


@dataclass
class LiveStats:
    """Display-side measurements: frame times and capture-to-display latencies (seconds)."""

    shown: int = 0
    times: deque = field(default_factory=lambda: deque(maxlen=60))
    latencies: deque = field(default_factory=lambda: deque(maxlen=18000))  # the last 10 minutes at 30 fps
    infer_ms: deque = field(default_factory=lambda: deque(maxlen=60))

    def record(self, latency: float) -> None:
        self.shown += 1
        self.times.append(time.monotonic())
        self.latencies.append(latency)

    @property
    def fps(self) -> float:
        if len(self.times) < 2:
            return 0.0
        return (len(self.times) - 1) / max(1e-9, self.times[-1] - self.times[0])

    def latency_ms(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class LiveApp:
    """``stylizers``: (name, :class:`~video.stylize_step.FrameStylizer`) pairs; the stylize stage runs the
    network's half (``stylize_small``), the smooth stage the rest (``finish``).
    ``smoother``: called as ``smoother(frame, stylized)``, with ``reset()``; ``None`` disables
    temporal smoothing.
    """

    def __init__(self, source: Source, stylizers: list, smoother=None, snapshot_dir: str | Path = "out",
                 record_dir: str | Path = "out", strength: float = 1.0, temporal: bool = True,
                 outputs: list | None = None, autosize=None, adapt_smoothing: bool = True) -> None:
        """``outputs``: (name, opener) pairs; ``opener(size, fps)`` returns a sink for the stylized
        frames (a virtual camera, a network stream). Each runs in its own thread and drops
        frames rather than slow the preview. ``autosize``: a :class:`realtime.autosize.AutoSize`
        that sets the stylizers' ``model_size`` from the network's measured times (``None``:
        fixed). ``adapt_smoothing``: the smooth stage lowers its own quality when it cannot keep
        up with the camera (a :class:`realtime.smoothing.SmoothingControl`)."""
        if not stylizers:
            raise ValueError("no styles to show")
        self.source = source
        self.stylizers = stylizers
        self.smoother = smoother
        self.snapshot_dir, self.record_dir = Path(snapshot_dir), Path(record_dir)
        self.state = LiveState(strength=strength, temporal=temporal and smoother is not None)
        self.stats = LiveStats()
        self.messages: deque[tuple[float, str]] = deque(maxlen=3)
        self.snapshots: list[Path] = []
        self.recordings: list[Path] = []
        self._record_path: Path | None = None
        self._record_started = 0.0
        self._lock = threading.Lock()
        self._epoch = 0  # bumped whenever the smoother must start afresh
        self._last_stylized: Stylized | None = None
        control = SmoothingControl(source.fps) if smoother is not None and adapt_smoothing else None
        self.smooth = SmoothStage(smoother, control)
        self.pipeline: LivePipeline | None = None
        self.last_view: np.ndarray | None = None
        self.output_openers = list(outputs or [])
        # every sink but the display, by name (the outputs, "recorder" while recording): (sink, its first frame's
        # capture time, which its timestamps count from); each runs in its own thread (ThreadedSink)
        self.sinks: dict[str, tuple[ThreadedSink, float]] = {}
        self.output_errors: list[str] = []
        self.closed_outputs: list[tuple[str, ThreadedSink]] = []  # what the summary reports after the run
        self.autosize = autosize
        self.size_trace: list[tuple[float, int]] = []  # (monotonic time, the network's short side) at each change
        if autosize is not None:
            self._set_model_size(autosize.size)
        self.shown = ShownSamples()  # what the viewer got, for the sharpness check at the end (picture_check)
        self.first_frame_s: float | None = None  # from the first run's start (or count_from's) to its first frame
        self.switch_gaps_ms: list[float] = []  # from a style-switch key to the new style's first frame shown
        self._switched: tuple[float, int] | None = None
        self._started: float | None = None
        self.learning = None  # a realtime.learned_swaps.LearnedSwaps (attach_learner)

    def attach_learner(self, learner, load, waiting: dict[str, str], autosize_for=None) -> None:
        """Learn pictures in the background (``learner``: a :class:`realtime.learning.BackgroundLearner` with the
        pictures submitted); the arguments as :class:`realtime.learned_swaps.LearnedSwaps`'s."""
        from realtime.learned_swaps import LearnedSwaps

        self.learning = LearnedSwaps(learner, load, waiting, autosize_for, say=self.say)

    @property
    def learner(self):
        return self.learning.learner if self.learning is not None else None

    @property
    def learned(self) -> list[tuple[str, float, float]]:
        """(style, minutes learned, seconds from the start to its first frame on screen), for each learned style."""
        return self.learning.learned if self.learning is not None else []

    @property
    def learning_frames(self) -> int:
        return self.learning.frames if self.learning is not None else 0

    @property
    def learning_seconds(self) -> float:
        return self.learning.seconds if self.learning is not None else 0.0

    def count_from(self, started: float) -> None:
        """Count the time to the first frame from ``started`` (``time.monotonic()``: the command's start, so that
        loading the networks counts) instead of the run's start."""
        self._started = started

    # -- processing threads ------------------------------------------------------------
    @property
    def style_name(self) -> str:
        return "original" if self.state.show_original else self.stylizers[self.state.style_index][0]

    @property
    def _held(self) -> Frame | None:
        """The last frame the smooth stage finished (what is on screen, and what a pause holds)."""
        return self.smooth.last

    def stylize(self, frame: Frame) -> Stylized:
        """The stylize stage: the network's half of the stylizer, timed for the auto-size."""
        s = self.state
        if s.paused and self._last_stylized is not None:
            return replace(self._last_stylized, index=frame.index, captured=frame.captured, held=True)
        with self._lock:
            if s.show_original:
                item = Stylized(frame.index, frame.captured, frame.image, frame.image, frame.image, epoch=self._epoch)
            else:
                _, stylizer = self.stylizers[s.style_index]
                stylizer.strength = s.strength
                t0 = time.perf_counter()
                small_in, small_out = stylizer.stylize_small(frame.image)  # the frame at the network's size
                finish = stylizer.finish
                ms = 1000 * (time.perf_counter() - t0)
                self.stats.infer_ms.append(ms)
                item = Stylized(frame.index, frame.captured, frame.image, small_in, small_out, finish,
                                smooth=self.smoother is not None and s.temporal, epoch=self._epoch, stylize_ms=ms)
                if self.autosize is not None:
                    size = self.autosize.update(ms)
                    if size is not None:
                        self._set_model_size(size)
        self._last_stylized = item
        return item

    def process(self, frame: Frame) -> Frame:
        """Both stages in one call: what the pipeline's two threads do to one frame."""
        return self.smooth(self.stylize(frame))

    # -- learning in the background ---------------------------------------------------------
    def _tend_learning(self) -> None:
        """From the display loop: swap in the learned styles that have loaded."""
        if self.learning is not None:
            for event, name, stylizer in self.learning.tend():
                self._swap_learned(event, name, stylizer)

    def _swap_learned(self, event, name: str, stylizer) -> None:
        index = self.learning.entry_for(event, [n for n, _ in self.stylizers])
        if index is None:
            return
        with self._lock:
            self.stylizers[index] = (name, stylizer)
            autosize_for = self.learning.autosize_for
            if self.autosize is not None and autosize_for is not None and index == self.state.style_index:
                self.autosize = autosize_for(stylizer) or self.autosize
            if self.autosize is not None:
                stylizer.model_size = self.autosize.size
            if index == self.state.style_index:
                self._epoch += 1
            self.learning.swapped(event, name, self._epoch if index == self.state.style_index else None)

    def _set_model_size(self, size: int) -> None:
        for _, stylizer in self.stylizers:
            stylizer.model_size = size
        self._epoch += 1
        self.size_trace.append((time.monotonic(), size))

    # -- actions ---------------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.messages.append((time.monotonic() + 3.0, text))

    def _switch(self, index: int) -> None:
        with self._lock:
            self.state.style_index = index % len(self.stylizers)
            self.state.show_original = False
            self._epoch += 1
            self._switched = (time.monotonic(), self._epoch)  # the gap ends when a frame of this epoch is shown
        self.say(f"style {self.style_name}")

    def handle(self, action: str, arg: int | None = None, sink=None) -> None:
        s = self.state
        if action == "style" and arg is not None:
            if arg <= len(self.stylizers):
                self._switch(arg - 1)
        elif action == "next_style":
            self._switch(s.style_index + (0 if s.show_original else 1))
        elif action == "prev_style":
            self._switch(s.style_index - (0 if s.show_original else 1))
        elif action == "original":
            with self._lock:
                s.show_original = not s.show_original
                self._epoch += 1
        elif action == "compare":
            s.compare = not s.compare
        elif action in ("stronger", "weaker"):
            s.strength = round(min(1.0, max(0.0, s.strength + (0.1 if action == "stronger" else -0.1))), 2)
            self.say(f"strength {s.strength:.0%}")
        elif action == "temporal":
            if self.smoother is None:
                self.say("temporal smoothing unavailable")
            else:
                with self._lock:
                    s.temporal = not s.temporal
                    self._epoch += 1
                self.say(f"temporal smoothing {'on' if s.temporal else 'off'}")
        elif action == "snapshot":
            self.snapshot()
        elif action == "record":
            self.toggle_recording()
        elif action == "pause":
            s.paused = not s.paused
        elif action == "fullscreen" and sink is not None:
            sink.toggle_fullscreen()
        elif action == "hud":
            s.hud = not s.hud
        elif action == "help":
            s.help = not s.help
        elif action == "cancel_learn":
            name = self.learner.cancel() if self.learner is not None else None
            self.say(f"learning {name} cancelled; nothing installed" if name else "nothing is learning")
        elif action == "quit":
            s.quit = True

    def snapshot(self) -> Path | None:
        from models.images import write_rgb

        if self._held is None:
            return None
        path = self.snapshot_dir / f"stylecam-{time.strftime('%Y%m%d-%H%M%S')}-{len(self.snapshots):03d}.png"
        write_rgb(path, self._held.image)
        self.snapshots.append(path)
        self.say(f"saved {path}")
        return path

    def start_recording(self, path: str | Path | None = None) -> None:
        """Record the stylized output (without the status line); the size is taken from the first frame."""
        self._record_path = Path(path) if path else (
            self.record_dir / f"stylecam-{time.strftime('%Y%m%d-%H%M%S')}-{len(self.recordings):03d}.mp4")
        self._record_started = time.monotonic()
        self.say(f"recording {self._record_path}")

    def toggle_recording(self) -> None:
        if self._record_path is None:
            self.start_recording()
            return
        self._record_path = None
        if "recorder" not in self.sinks:
            return
        rec, _ = self.sinks.pop("recorder")
        path = rec.close()
        self.recordings.append(path)
        self.say(f"saved {path} ({rec.written} frames, {rec.dropped} dropped)")

    @property
    def outputs(self) -> list[tuple[str, ThreadedSink]]:
        """The outputs beside the preview (virtual camera, stream) that are open."""
        return [(name, sink) for name, (sink, _) in self.sinks.items() if name != "recorder"]

    # -- main thread -------------------------------------------------------------------------
    def status_lines(self) -> list[str]:
        s = self.state
        reduced = self.smooth.level.describe() if s.temporal and self.smooth.level is not None else ""
        line = (f"{self.style_name} | {self.stats.fps:4.1f} fps | {self.stats.latency_ms(0.5):3.0f} ms"
                f" | strength {s.strength:.0%} | temporal {'on' if s.temporal else 'off'}"
                + (f" ({reduced})" if reduced else ""))
        if self.autosize is not None:
            line += f" | net {self.autosize.size} px"
        if s.paused:
            line += " | PAUSED"
        if self._record_path is not None:
            line += f" | REC {time.monotonic() - self._record_started:4.0f} s"
        lines = [line, "h: help"]
        status = self.learner.status if self.learner is not None else None
        if status is not None:
            lines.append(status.describe())
        if self.outputs:
            lines.append(" | ".join(
                f"{name}: stopped ({out.error})" if out.error else f"{name}: {out.written} sent, {out.dropped} dropped"
                for name, out in self.outputs))
        if self.pipeline is not None and self.pipeline.status:
            lines.append(self.pipeline.status)
        now = time.monotonic()
        lines += [text for until, text in self.messages if until > now]
        return lines

    def compose(self, frame: Frame) -> np.ndarray:
        view = frame.image
        if self.state.compare and frame.original is not None and not self.state.show_original:
            view = compare_view(frame.original, view)
        if self.state.hud:
            view = draw_hud(view, self.status_lines())
        if self.state.help:
            view = draw_help(view, help_lines())
        return view

    def run(self, display: Display, max_frames: int | None = None, max_seconds: float | None = None) -> LiveStats:
        """Show frames on ``display`` until quit, the window closes, the source ends or a limit is hit."""
        start = time.monotonic()
        if self._started is None:
            self._started = start
        self.pipeline = LivePipeline(self.source, self.stylize, self.smooth)
        try:
            with self.pipeline as pipe:
                while not self.state.quit:
                    frame = pipe.get(timeout=0.03)
                    if frame is not None:
                        self.stats.record(time.monotonic() - frame.captured)
                        self._fan_out(frame, display)
                    self._tend_learning()
                    action = action_for(display.poll_key(1))
                    if action is not None:
                        self.handle(*action, sink=display)
                    if display.closed or pipe.finished:
                        break
                    if max_frames is not None and self.stats.shown >= max_frames:
                        break
                    if max_seconds is not None and time.monotonic() - start >= max_seconds:
                        break
                if pipe.error is not None:
                    raise pipe.error
        finally:
            if self.learner is not None:
                self.learner.close()  # quitting mid-learn installs nothing and leaves no process behind
            if self._record_path is not None:
                self.toggle_recording()
            self._close_sinks()
        return self.stats

    def _fan_out(self, frame: Frame, display: Display) -> None:
        """One frame to every sink, one way: the display gets the composed view (status line, comparison), every
        other sink the clean picture, stamped with its capture time. Outputs open on the first frame (its size),
        the recorder on the first frame after recording starts."""
        h, w = frame.image.shape[:2]
        if self.output_openers and not self.outputs:
            for name, opener in self.output_openers:
                self.sinks[name] = (ThreadedSink(opener((w, h), self.source.fps), max_queue=2,
                                                 name=f"stylecam-{name}"), frame.captured)
        if self._record_path is not None and "recorder" not in self.sinks:
            self.sinks["recorder"] = (recorder(self._record_path, self.source.fps, (w, h)), frame.captured)
        for sink, t0 in self.sinks.values():
            sink.write(frame.image, frame.captured - t0)
        now = time.monotonic()
        if self.first_frame_s is None and self._started is not None:
            self.first_frame_s = now - self._started
        if self.learning is not None:
            self.learning.shown(frame.epoch, now - (self._started or now))
        if self._switched is not None and frame.epoch >= self._switched[1]:
            self.switch_gaps_ms.append(1000 * (now - self._switched[0]))
            self._switched = None
        if not self.state.show_original:
            self.shown.add(frame.image, frame.original)
        self.last_view = self.compose(frame)
        display.write(self.last_view)

    def _close_sinks(self) -> None:
        """Close every sink; the first error of each is reported in the summary."""
        errors = []
        for name, (sink, _) in list(self.sinks.items()):
            try:
                sink.close()
            except Exception as exc:  # noqa: BLE001 - every sink gets closed; the first error is reported
                errors.append(f"{name}: {exc}")
        self.closed_outputs = self.outputs
        self.sinks.clear()
        self.output_openers = []
        self.output_errors = errors

    def summary(self) -> str:
        lat = self.stats.latencies
        infer = statistics.median(self.stats.infer_ms) if self.stats.infer_ms else 0.0
        smooth = statistics.median(self.smooth.ms) if self.smooth.ms else 0.0
        dropped = self.pipeline.captured.dropped if self.pipeline else 0
        text = (f"{self.stats.shown} frames shown, {self.stats.fps:.1f} fps, latency p50 "
                f"{self.stats.latency_ms(0.5):.0f} ms p95 {self.stats.latency_ms(0.95):.0f} ms "
                f"over the last {len(lat)} frames, stylize {infer:.0f} ms, smooth {smooth:.0f} ms, "
                f"{dropped} stale camera frames skipped")
        if self.autosize is not None:
            text += f"; network at {self.autosize.size} px short side (auto)"
        if self.first_frame_s is not None:
            text += f"; first stylized frame {self.first_frame_s:.2f} s after the start"
        if self.switch_gaps_ms:
            text += (f"; style switches shown after {statistics.median(self.switch_gaps_ms):.0f} ms (median of "
                     f"{len(self.switch_gaps_ms)}, longest {max(self.switch_gaps_ms):.0f} ms)")
        if self.learning_seconds > 1.0:
            text += f"; {self.learning_frames / self.learning_seconds:.1f} fps while a picture learned"
        for name, minutes, at in self.learned:
            text += f"; learned {name} ({minutes:g} min) on screen {at:.0f} s after the start"
        if self.smooth.level is not None and self.smooth.level.describe():
            text += f"; smoothing reduced to keep up ({self.smooth.level.describe()})"
        for name, out in self.outputs or self.closed_outputs:
            text += f"; {name}: {out.written} frames sent, {out.dropped} dropped"
        for error in self.output_errors:
            text += f"; error in {error}"
        return text
