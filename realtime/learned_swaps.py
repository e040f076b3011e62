"""The live app's side of background learning: what the learner finished, loaded off the display thread, ready to
take the place of the picture's instant-path entry; and the counts the summary reports (frames shown while a
picture learned, when each learned style first reached the screen).

The learner itself (the child process, its queue and progress) is :mod:`realtime.learning`; swapping a stylizer in
under the app's lock is :meth:`realtime.app.LiveApp._swap_learned`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from realtime.learning import Failed


class LearnedSwaps:
    """``learner``: a :class:`realtime.learning.BackgroundLearner` with the pictures submitted. ``waiting``: picture →
    the name of the entry that shows it until it is learned. ``load(picture)``: (name, stylizer) of the picture's
    learned network once a stage has installed it. ``autosize_for(stylizer)``: the size controller for it (the
    learned live network sizes like the live tier). ``say``: a message for the status line."""

    def __init__(self, learner, load: Callable, waiting: dict[str, str], autosize_for: Callable | None = None,
                 say: Callable[[str], None] = print) -> None:
        self.learner, self._load, self.waiting, self.autosize_for, self._say = learner, load, dict(waiting), \
            autosize_for, say
        self._ready: deque = deque()  # (Learned, entry name, stylizer) loaded, waiting to be swapped in
        self.pending: tuple[int, str, float] | None = None  # (epoch, name, minutes) until first shown
        self.learned: list[tuple[str, float, float]] = []  # (style, minutes learned, seconds from start to on screen)
        self.frames, self.seconds = 0, 0.0  # shown while a picture learned, and for how long
        self._tick: float | None = None

    def tend(self) -> list[tuple[object, str, object]]:
        """From the display loop: start loading what the learner finished (in a thread: loading a network takes a
        second); return what has loaded, as (event, name, stylizer), oldest first."""
        now = time.monotonic()
        if self.learner.busy and self._tick is not None:
            self.seconds += now - self._tick
        self._tick = now
        for event in self.learner.poll():
            if isinstance(event, Failed):
                self._say(f"learning {Path(event.picture).name} failed: {event.message}")
            else:
                threading.Thread(target=self._load_one, args=(event,), daemon=True,
                                 name="stylecam-learned-load").start()
        ready = []
        while self._ready:
            ready.append(self._ready.popleft())
        return ready

    def _load_one(self, event) -> None:
        try:
            name, stylizer = self._load(event.picture)
        except Exception as exc:  # noqa: BLE001 - a network that does not load leaves the instant path on screen
            self._say(f"learned {event.name} but could not load it: {exc}")
            return
        self._ready.append((event, name, stylizer))

    def entry_for(self, event, names: list[str]) -> int | None:
        """The index, among the app's entry ``names``, of the entry that shows ``event``'s picture now."""
        before = self.waiting.get(event.picture)
        return next((i for i, n in enumerate(names) if n == before), None)

    def swapped(self, event, name: str, epoch: int | None) -> None:
        """``event``'s picture is now shown by the entry ``name``; ``epoch``: the app's epoch if it is on screen."""
        self.waiting[event.picture] = name
        if epoch is not None:
            self.pending = (epoch, name, event.minutes)
        self._say(f"learned {name} ({event.minutes:g} min){'' if event.final else ', learning longer'}")

    def shown(self, epoch: int, seconds_from_start: float) -> None:
        """A frame of ``epoch`` reached the screen."""
        if self.pending is not None and epoch >= self.pending[0]:
            _, name, minutes = self.pending
            self.learned.append((name, minutes, seconds_from_start))
            self.pending = None
        if self.learner.busy:
            self.frames += 1
