
import pytest

from realtime.frames import Stylized
from realtime.smoothing import LADDER, SmoothingControl, SmoothingLevel, SmoothStage
from tests.fakes import RecordingSmoother, numbered_frame


def feed(control: SmoothingControl, cost_by_rung: list[float], frames: int) -> list[int]:
    """Frames that take what the current rung costs; the rungs changed to, in order."""
    changes = []
    for _ in range(frames):
        if control.update(cost_by_rung[control.index]) is not None:
            changes.append(control.index)
    return changes


def test_steps_its_own_quality_down_until_it_fits_the_frame_interval():
    control = SmoothingControl(camera_fps=30)  # budget 30 ms
    costs = [40.0, 36.0, 34.0, 32.0, 17.0, 9.0]  # at 640×480 on a busy CPU: halving the frames smoothed is big
    assert feed(control, costs, 100) == [1, 2, 3, 4]
    assert control.level == SmoothingLevel(max_flow_width=96, cubic=False, every=2)  # texture kept: no blur
    assert feed(control, costs, 1000) == []  # 17 ms leaves no room for the 32 ms rung: it stays


def test_steps_back_up_when_the_machine_has_room_again():
    control = SmoothingControl(camera_fps=30)
    feed(control, [40.0, 36.0, 34.0, 32.0, 17.0, 9.0], 100)
    assert control.index == 4
    changes = feed(control, [12.0, 10.0, 9.0, 8.0, 5.0, 3.0], 1000)  # the other load went away
    assert changes == [3, 2, 1, 0] and control.level == LADDER[0]


def test_a_rung_that_proved_too_slow_is_not_retried_at_once():
    control = SmoothingControl(camera_fps=30, memory=40)
    costs = [40.0, 12.0, 12.0, 12.0, 12.0, 12.0]  # rung 1 looks roomy, rung 0 is not
    changes = feed(control, costs, 10 * 39)
    assert changes == [1]  # no see-saw while rung 0 is remembered as too slow
    assert feed(control, costs, 10 * 3)[:2] == [0, 1]  # then one probe, which fails again


def test_one_slow_frame_is_not_a_trend_but_slow_frames_are():
    control = SmoothingControl(camera_fps=30, window=10)
    for _ in range(3):
        for ms in [5.0] * 9 + [500.0]:
            assert control.update(ms) is None  # a hiccup a window (a page fault, the GC)
    assert [control.update(ms) for ms in [5.0] * 8 + [500.0, 500.0]][-1] == LADDER[1]


def test_rejects_a_camera_without_a_frame_rate():
    with pytest.raises(ValueError, match="fps"):
        SmoothingControl(camera_fps=0)


def test_level_describes_what_it_gives_up():
    assert LADDER[0].describe() == ""
    assert LADDER[-1].describe() == "flow 96 px, bilinear warp, no texture, 1 frame in 2"


def item(i: int, epoch: int = 0, smooth: bool = True) -> Stylized:
    frame = numbered_frame(i)
    return Stylized(i, float(i), frame, frame, frame, smooth=smooth, epoch=epoch)


def test_smooth_stage_sets_the_rung_on_the_smoother_within_its_own_settings():
    top = RecordingSmoother(160)
    SmoothStage(top, SmoothingControl(camera_fps=30))
    assert (top.flow_width, top.cubic, top.keep_texture) == (160, True, True)  # rung 0: as built
    control = SmoothingControl(camera_fps=30)
    control.index = 2
    wide, narrow = RecordingSmoother(160), RecordingSmoother(100)
    for smoother in (wide, narrow):
        SmoothStage(smoother, control)
    assert (wide.flow_width, wide.cubic, wide.keep_texture) == (120, False, True)
    assert narrow.flow_width == 100  # a cap, never a widening


def test_smooth_stage_times_itself_and_steps_down_when_slow():
    smoother = RecordingSmoother(delay=0.02)
    stage = SmoothStage(smoother, SmoothingControl(camera_fps=60))  # budget 15 ms, the smoother takes 20
    for i in range(10):
        stage(item(i))
    assert stage.ms[-1] >= 20.0
    assert stage.control.index == 1 and smoother.cubic is False
    for i in range(10, 20):
        stage(item(i))
    assert stage.control.index == 2 and smoother.flow_width == 120


def test_smoothing_every_other_frame_passes_the_rest_through_and_continues_from_the_last_smoothed():
    smoother = RecordingSmoother()
    control = SmoothingControl(camera_fps=30)
    control.index = len(LADDER) - 1  # 1 frame in 2
    stage = SmoothStage(smoother, control)
    shown = [stage(item(i)) for i in range(6)]
    assert smoother.calls == [0, 2, 4]  # the smoother's state stays that of its last frame: 0, then 2, then 4
    assert [int(f.image[0, 0, 0]) for f in shown] == [1, 1, 3, 3, 5, 5]  # 1, 3, 5 passed through as stylized
    assert [f.index for f in shown] == list(range(6)) and smoother.resets == 1


def test_smooth_stage_restarts_on_a_new_epoch_and_holds_when_paused():
    smoother = RecordingSmoother()
    stage = SmoothStage(smoother)
    stage(item(0))
    stage(item(1))
    assert smoother.resets == 1
    stage(item(2, epoch=1))
    assert smoother.resets == 2
    held = stage(Stylized(9, 9.0, numbered_frame(9), numbered_frame(9), numbered_frame(9), held=True, epoch=1))
    assert held.index == 9 and held.captured == 9.0 and int(held.image[0, 0, 0]) == 3  # frame 2's output again
    assert smoother.calls == [0, 1, 2]
    off = stage(item(4, epoch=1, smooth=False))
    assert int(off.image[0, 0, 0]) == 4 and smoother.calls == [0, 1, 2]


def test_smoothing_keeps_up_with_the_network_not_a_faster_camera():
    """At 1280×720 on two cores the network sets the pace (about 60 ms a frame): smoothing that fits that
    pace keeps its quality, though the camera delivers a frame every 33 ms."""
    slow_network, fast_network = SmoothingControl(camera_fps=30), SmoothingControl(camera_fps=30)
    for _ in range(200):
        slow_network.update(45.0, pace=60.0)
        fast_network.update(45.0, pace=20.0)
    assert slow_network.index == 0  # budget 0.9 × 60 ms: 45 ms fits
    assert fast_network.index > 0  # budget 0.9 × 33 ms: it must give something up
    assert SmoothingControl(camera_fps=30).update(10.0) is None  # no pace given: the camera's interval
