"""Large temporaries without page faults (glibc's allocator, Linux).

A live or render frame makes dozens of short-lived arrays of a frame's size each (OpenCV's smoothing at 1280×720:
11 MB float planes; the network's input and output tensors). glibc gives blocks that large their own ``mmap`` and
returns the heap's free top to the system once more than a few tens of MB lie free, so every frame's temporaries
were fresh pages: zeroed and faulted in by the kernel, a few thousand faults an array. :func:`keep_freed_memory`
raises both thresholds once per process (``mallopt``), so that freed blocks are reused from the heap: at 1280×720 on
one thread (two busy cores), ``restore_texture`` took 27 ms instead of 66 (``docs/MEASURED.md``). The cost: the
process keeps its peak working set instead of handing it back to the system between frames.

Elsewhere (macOS, Windows, musl) it does nothing. The environment's own ``MALLOC_MMAP_THRESHOLD_`` or
``MALLOC_TRIM_THRESHOLD_`` wins: a user who set them is not overridden.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit): a 1080p float frame fits
TRIM_THRESHOLD = 512 * 1024 * 1024


def keep_freed_memory() -> bool:
    """Tell glibc to keep freed blocks of up to 32 MB for reuse; True when it took the settings."""
    if not sys.platform.startswith("linux") or any(k in os.environ for k in (
            "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # no glibc (musl has no mallopt)
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
