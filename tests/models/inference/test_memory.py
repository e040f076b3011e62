"""models/inference/memory.py: freed frame-sized blocks are reused instead of faulted in afresh each frame."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

# One "frame" of temporaries: several 11 MB arrays alive at once, then freed (as restore_texture's at 1280×720).
FAULTS = """
import resource, sys
import numpy as np
sys.path.insert(0, {root!r})
if {keep}:
    from models.inference.memory import keep_freed_memory
    assert keep_freed_memory()
def frame():
    arrays = [np.ones((720, 1280, 3), np.float32) for _ in range(4)]
    return sum(float(a[0, 0, 0]) for a in arrays)
frame()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    frame()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def faults(keep: bool) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    code = FAULTS.format(root=ROOT, keep=keep)
    return int(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                              check=True).stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_feature_frame_sized_temporaries_are_reused_not_faulted_in_each_frame():
    default, kept = faults(False), faults(True)
    pages = 10 * 4 * 720 * 1280 * 3 * 4 // 4096  # every page of every array of the ten frames
    assert default > pages // 10, f"the default allocator faulted in only {default} pages: nothing to improve"
    assert kept < pages // 100, f"{kept} page faults in ten frames with freed memory kept (of {pages})"


def test_feature_the_users_own_malloc_settings_win(monkeypatch):
    from models.inference.memory import keep_freed_memory

    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000000")
    assert keep_freed_memory() is False
