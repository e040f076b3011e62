import pytest

from models.errors import UserError
from realtime.autosize import AutoSize, for_source, parse_model_size


def feed(auto: AutoSize, cost_per_pixel_ms: float, frames: int) -> list[int]:
    """Frames whose time grows with the network's pixel count, as a real network's does."""
    sizes = []
    for _ in range(frames):
        changed = auto.update(cost_per_pixel_ms * auto.size * auto.size * 4 / 3)
        if changed:
            sizes.append(changed)
    return sizes


def test_steps_down_on_a_slow_machine_and_settles():
    auto = AutoSize(camera_fps=30, start=256)
    feed(auto, cost_per_pixel_ms=0.001, frames=600)  # 256 px → 87 ms: far too slow for 33 ms
    settled = auto.size
    assert settled < 256
    assert 0.001 * settled * settled * 4 / 3 <= auto.budget_ms  # the settled size fits the budget
    assert feed(auto, 0.001, 300) == []  # and stays put


def test_steps_up_on_a_fast_machine_but_not_past_the_cap():
    auto = AutoSize(camera_fps=30, start=128, max_size=320)
    feed(auto, cost_per_pixel_ms=0.00005, frames=2000)
    assert auto.size == 320


def test_does_not_oscillate_near_the_budget():
    auto = AutoSize(camera_fps=30, start=160)
    changes = feed(auto, cost_per_pixel_ms=0.00075, frames=3000)  # 160 px: 25.6 ms, 176 px: 31 ms
    assert len(changes) <= 2


def test_parse_and_fixed_size():
    assert parse_model_size("auto") is None and parse_model_size("192") == 192
    with pytest.raises(UserError):
        parse_model_size("big")
    assert for_source(192, 30) is None
    assert for_source(None, 30, (64, 48)).size <= 96  # never above the frame (the ladder's floor is 96)


def test_a_rung_that_proved_too_slow_is_not_retried_at_once():
    auto = AutoSize(camera_fps=30, start=128)
    # 144 px looks affordable from 128 px by the pixel count but turns out too slow (fixed costs)
    cost = {128: 20.0, 144: 33.0}
    changes = []
    for _ in range(900):
        changed = auto.update(cost.get(auto.size, 40.0))
        if changed:
            changes.append(changed)
    assert changes[:2] == [144, 128] and len(changes) <= 4


def test_for_source_the_frames_own_size_is_the_top_rung_and_the_live_tier_starts_there():
    from realtime.autosize import for_source

    live = for_source(None, 30.0, (640, 480), "cpu", full_start=True)
    assert live.size == 480 and live.ladder[-1] == 480 and 448 in live.ladder
    assert for_source(None, 30.0, (640, 480), "cpu").size == 160  # a network made for small sizes
    assert for_source(None, 30.0, (1280, 720), "cuda").size == 720  # a GPU starts at full resolution
    assert for_source(256, 30.0, (640, 480), "cpu") is None  # a fixed size
    assert live.budget_ms == pytest.approx(0.9 * 1000 / 24)  # sharpness first, down to film rate
    assert for_source(None, 15.0, (640, 480), "cpu").budget_ms == pytest.approx(0.9 * 1000 / 15)
