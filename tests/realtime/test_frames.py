import threading
import time

from realtime.frames import LatestSlot


def test_latest_wins_and_drops_are_counted():
    slot = LatestSlot()
    for i in range(5):
        slot.put(i)
    assert slot.get(timeout=0.1) == 4
    assert slot.dropped == 4
    assert slot.get(timeout=0.05) is None  # nothing newer than what was taken


def test_get_waits_for_a_new_item_without_spinning():
    slot = LatestSlot()
    threading.Timer(0.1, slot.put, args=("late",)).start()
    t0 = time.process_time()
    assert slot.get(timeout=2.0) == "late"
    assert time.process_time() - t0 < 0.05  # waited on a condition, not a busy loop


def test_close_wakes_waiting_reader():
    slot = LatestSlot()
    threading.Timer(0.05, slot.close).start()
    t0 = time.monotonic()
    assert slot.get(timeout=5.0) is None
    assert time.monotonic() - t0 < 1.0 and slot.closed
