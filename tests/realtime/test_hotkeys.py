from realtime.hotkeys import BINDINGS, ESC, LEFT_KEYS, RIGHT_KEYS, action_for, help_lines

REQUIRED = {"cancel_learn", "style", "next_style", "prev_style", "original", "compare", "stronger", "weaker",
            "temporal", "snapshot", "record", "pause", "fullscreen", "help", "hud", "quit"}


def test_table_covers_every_action_once():
    actions = [b.action for b in BINDINGS]
    assert set(actions) == REQUIRED and len(actions) == len(set(actions))


def test_no_key_is_bound_twice():
    keys = [k for b in BINDINGS for k in b.keys]
    assert len(keys) == len(set(keys))


def test_action_for_keys():
    assert action_for(ord("3")) == ("style", 3)
    assert action_for(ord("0")) == ("original", None)
    assert action_for(ord("q")) == ("quit", None) and action_for(ESC) == ("quit", None)
    assert all(action_for(k) == ("next_style", None) for k in RIGHT_KEYS)
    assert all(action_for(k) == ("prev_style", None) for k in LEFT_KEYS)
    assert action_for(-1) is None and action_for(ord("z")) is None


def test_modifier_flags_are_ignored_but_unknown_specials_stay_unbound():
    assert action_for(0x100000 | ord("s")) == ("snapshot", None)  # Num Lock on (GTK)
    assert action_for(65362) is None  # up arrow must not look like 'R'


def test_help_overlay_is_drawn_from_the_table():
    lines = help_lines()
    assert len(lines) == len(BINDINGS)
    for b, line in zip(BINDINGS, lines):
        assert b.label in line and b.help in line
