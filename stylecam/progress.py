"""A progress line for long jobs: a live bar on a terminal, a plain line every few seconds otherwise
(``STYLECAM_PROGRESS_SECONDS`` sets how many, for logs that want every step)."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


def format_seconds(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def _plain_interval(default: float) -> float:
    try:
        return max(0.0, float(os.environ.get("STYLECAM_PROGRESS_SECONDS", default)))
    except ValueError:
        return default


class Progress:
    """Call :meth:`update` as often as you like; it prints at most every ``interval`` seconds."""

    def __init__(
        self, label: str, stream: TextIO | None = None, quiet: bool = False, plain_interval: float = 10.0
    ) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.interval = 0.25 if self.tty else _plain_interval(plain_interval)
        self._last = 0.0
        self._width = 0

    def line(self, fraction: float | None, text: str, eta: float | None) -> str:
        parts = [self.label]
        if fraction is not None:
            fraction = min(max(fraction, 0.0), 1.0)
            if self.tty:
                filled = int(fraction * 20)
                parts.append("[" + "#" * filled + "." * (20 - filled) + "]")
            parts.append(f"{fraction * 100:5.1f}%")
        parts.append(text)
        if eta is not None:
            parts.append(f"ETA {format_seconds(eta)}")
        return " ".join(parts)

    def update(self, fraction: float | None, text: str, eta: float | None = None, force: bool = False) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        line = self.line(fraction, text, eta)
        if self.tty:
            pad = max(0, self._width - len(line))
            self.stream.write("\r" + line + " " * pad)
            self._width = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and not self.quiet and self._width:
            self.stream.write("\n")
            self.stream.flush()


def run_position(step: int, elapsed: float, total_steps: int | None, budget_seconds: float | None
                 ) -> tuple[float | None, float | None, float]:
    """(fraction done, seconds left, steps/s) of a run bounded by a step count, a time budget or both
    (whichever ends it first)."""
    rate = step / max(elapsed, 1e-9)
    fractions, etas = [], []
    if total_steps:
        fractions.append(step / total_steps)
        etas.append((total_steps - step) / max(rate, 1e-9))
    if budget_seconds:
        fractions.append(elapsed / budget_seconds)
        etas.append(budget_seconds - elapsed)
    return (max(fractions) if fractions else None), (min(etas) if etas else None), rate
