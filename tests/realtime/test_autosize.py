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


def feed_costs(auto: AutoSize, costs: list[float]) -> list[int]:
    """Feed per-frame times in ms; the size changes it made."""
    return [c for c in (auto.update(ms) for ms in costs) if c]


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


def test_a_rung_that_proved_too_slow_is_retried_ever_more_rarely():
    auto = AutoSize(camera_fps=30, start=128)
    # 144 px looks affordable from 128 px by the pixel count but turns out too slow (fixed costs)
    cost = {128: 16.0, 144: 33.0}
    changes, at_144 = [], 0
    for frame in range(1800):
        at_144 += auto.size == 144
        changed = auto.update(cost.get(auto.size, 40.0))
        if changed:
            changes.append((frame, changed))
    assert [size for _, size in changes[:2]] == [144, 128]
    retries = [frame for frame, size in changes if size == 144]
    gaps = [b - a for a, b in zip(retries, retries[1:])]
    assert gaps == sorted(gaps) and gaps[-1] >= 1.5 * gaps[0]  # backing off, not see-sawing
    assert at_144 < 0.2 * 1800


def test_a_passing_load_does_not_cost_the_picture_for_long():
    """Start-up and a one-window hiccup move nothing; a few seconds of load step the size down, and it
    comes back once the load is gone."""
    auto = AutoSize(camera_fps=24, start=480, max_size=480, ladder=(224, 256, 320, 384, 448, 480))
    fits = 0.5 * auto.budget_ms
    assert feed_costs(auto, [3 * auto.budget_ms] * 30) == []  # two windows of start-up: not judged
    assert feed_costs(auto, [fits] * 45 + [2 * auto.budget_ms] * 5 + [fits] * 45) == []  # a spike
    load = feed_costs(auto, [1.2 * auto.budget_ms] * 60)
    assert load and auto.size < 480
    back = feed_costs(auto, [fits * (auto.size / 480) ** 2] * 15 * 40)
    assert auto.size == 480 and back  # back at full size within 40 windows (about 25 s at 24 fps)


def test_for_source_the_frames_own_size_is_the_top_rung_and_the_live_tier_starts_there():
    from realtime.autosize import for_source

    live = for_source(None, 30.0, (640, 480), "cpu", full_start=True)
    assert live.size == 480 and live.ladder[-1] == 480 and 448 in live.ladder
    assert for_source(None, 30.0, (640, 480), "cpu").size == 160  # a network made for small sizes
    assert for_source(None, 30.0, (1280, 720), "cuda").size == 720  # a GPU starts at full resolution
    assert for_source(256, 30.0, (640, 480), "cpu") is None  # a fixed size
    assert live.budget_ms == pytest.approx(0.9 * 1000 / 24)  # sharpness first, down to film rate
    assert for_source(None, 15.0, (640, 480), "cpu").budget_ms == pytest.approx(0.9 * 1000 / 15)


def test_hd_frames_keep_the_network_at_480_px_or_more_down_to_15_fps():
    hd = for_source(None, 30.0, (1280, 720), "cpu", full_start=True)
    assert 480 in hd.ladder and hd.ladder[-1] == 720
    assert hd.budget_ms == pytest.approx(0.9 * 1000 / 15)
    # a network whose time grows with its pixels: 42 ms at 512 px (a 2-core CPU's live tier at 720p)
    feed(hd, cost_per_pixel_ms=42 / (512 * 512 * 4 / 3), frames=900)
    assert hd.size >= 480
    assert for_source(None, 30.0, (640, 480), "cpu", full_start=True).budget_ms == pytest.approx(0.9 * 1000 / 24)


def test_for_stylizer_starts_each_network_where_it_belongs():
    from types import SimpleNamespace

    import torch

    from realtime.autosize import LIGHT_PICTURE_START, for_stylizer

    def stylizer(tier=None, **meta):
        return SimpleNamespace(device=torch.device("cpu"), tier=tier, meta=meta)

    light = stylizer(kind="image", encoder="light")
    assert for_stylizer(None, 30.0, (640, 480), light).size == LIGHT_PICTURE_START == 256
    assert for_stylizer(None, 30.0, (320, 240), light).size == 240  # never above the frame
    assert for_stylizer(None, 30.0, (640, 480), stylizer(kind="image", encoder="vgg19")).size == 160
    assert for_stylizer(None, 30.0, (640, 480), stylizer(tier="live")).size == 480
    assert for_stylizer(None, 30.0, (640, 480), SimpleNamespace(stylizer=stylizer(tier="fast"))).size == 160
    assert for_stylizer(224, 30.0, (640, 480), light) is None  # a fixed size


def test_a_painter_keeps_24_fps_at_hd_sizes_since_its_trunk_shrinks_without_blurring():
    painter = for_source(None, 30.0, (1280, 720), "cpu", full_start=True, paints_full_size=True)
    assert painter.budget_ms == pytest.approx(0.9 * 1000 / 24)
    assert painter.ladder[-1] == 720  # it still starts at the frame's full size and steps down from there


def test_a_painters_trunk_never_shrinks_below_half_the_frame():
    painter = for_source(None, 30.0, (1280, 720), "cpu", full_start=True, paints_full_size=True)
    assert min(painter.ladder) >= 360 and painter.ladder[-1] == 720
    feed(painter, cost_per_pixel_ms=1.0, frames=900)  # hopelessly slow: it stops at the floor
    assert painter.size == min(painter.ladder)


def test_a_steady_but_uneven_load_changes_the_size_at_most_twice_a_minute():
    """A painter at 640×480 beside an encoder: its time a fixed part plus the trunk's pixels, times a load that
    swings ±12 % over seven seconds, ±8 % from second to second, ±17 % from frame to frame, and doubles for the
    encoder's keyframes. After the first descent (15 s) at most two changes in the minute."""
    import math
    import random

    for load in (0.9, 1.0, 1.15, 1.3):
        auto = for_source(None, 30, (480, 640), paints_full_size=True, full_start=True)
        rnd, fps, second = random.Random(1), 25, 1.0
        changes = []
        for i in range(75 * fps):
            t = i / fps
            second = rnd.uniform(0.92, 1.08) if i % fps == 0 else second
            swing = load * (1 + 0.12 * math.sin(2 * math.pi * t / 7)) * second * rnd.uniform(0.85, 1.2)
            changed = auto.update((12 + 24 * (auto.size / 480) ** 2) * swing * (2 if i % 60 < 2 else 1))
            if changed:
                changes.append(t)
        assert len([t for t in changes if t >= 15]) <= 2, (load, changes)
