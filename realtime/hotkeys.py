"""The one table of live hotkeys; the help overlay and the key handling both read it."""

from __future__ import annotations

from dataclasses import dataclass

# Arrow keys as cv2.waitKeyEx reports them: GTK/X11, then Windows/Qt.
LEFT_KEYS = (65361, 2424832)
RIGHT_KEYS = (65363, 2555904)
ESC = 27


@dataclass(frozen=True)
class Binding:
    keys: tuple[int, ...]
    label: str  # how the help overlay names the keys
    action: str
    help: str


def _k(*chars: str) -> tuple[int, ...]:
    return tuple(ord(c) for c in chars)


BINDINGS: tuple[Binding, ...] = (
    Binding(_k(*"123456789"), "1-9", "style", "switch to style 1-9"),
    Binding(_k("n") + RIGHT_KEYS, "n / ->", "next_style", "next style"),
    Binding(_k("p") + LEFT_KEYS, "p / <-", "prev_style", "previous style"),
    Binding(_k("0"), "0", "original", "show the original camera picture"),
    Binding(_k("c"), "c", "compare", "split view: original | stylized"),
    Binding(_k("+", "="), "+", "stronger", "more style (strength +10%)"),
    Binding(_k("-", "_"), "-", "weaker", "less style (strength -10%)"),
    Binding(_k("t"), "t", "temporal", "temporal smoothing on/off"),
    Binding(_k("s"), "s", "snapshot", "save a snapshot PNG"),
    Binding(_k("r"), "r", "record", "start/stop recording an MP4"),
    Binding(_k(" "), "space", "pause", "pause/resume"),
    Binding(_k("f"), "f", "fullscreen", "fullscreen on/off"),
    Binding(_k("d"), "d", "hud", "show/hide the status line"),
    Binding(_k("x"), "x", "cancel_learn", "cancel learning a picture in the background"),
    Binding(_k("h", "?"), "h", "help", "show/hide this help"),
    Binding(_k("q") + (ESC,), "q / Esc", "quit", "quit"),
)

_BY_KEY: dict[int, Binding] = {key: b for b in BINDINGS for key in b.keys}


def action_for(key: int) -> tuple[str, int | None] | None:
    """A key code from ``cv2.waitKeyEx`` → (action, argument) or ``None`` when unbound.

    The argument is the style number (1-9) for ``style``, else ``None``.
    """
    if key < 0:
        return None
    if key not in _BY_KEY and key >= 0x10000 and (key & 0xFFFF) < 0x80:
        key &= 0xFFFF  # an ASCII key with modifier flags (Num Lock, Shift) in the high bits
    binding = _BY_KEY.get(key)
    if binding is None:
        return None
    if binding.action == "style":
        return "style", key - ord("0")
    return binding.action, None


def help_lines() -> list[str]:
    return [f"{b.label:<8} {b.help}" for b in BINDINGS]
