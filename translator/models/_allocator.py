"""glibc's allocator, told to keep the memory a model's forward pass frees.

A full-size model allocates activation buffers of a few MB to tens of MB on every call. glibc
serves anything over its (adaptive) mmap threshold with a fresh ``mmap`` and gives it back with
``munmap`` when freed, so every call faults in and zeroes the same pages again: measured on the
full-size load test's batch (2 cores), a fifth of the CPU time was the kernel's. Raising the
threshold and the trim threshold keeps those pages in the heap for the next call
(``scripts/benchmark_allocator.py`` measures it). The price is that the process keeps its peak
memory instead of shrinking after a long document, which a process that holds models for reuse
does anyway.

It is done once a large model has loaded (models/base.py: any hub model, or a directory of 50 MB
or more): small models gain nothing, and a process of many small allocations (the test suite) runs
a fifth slower with it. ``TRANSLATOR_MALLOC=system`` leaves glibc's defaults alone. Elsewhere than
glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys
import threading

log = logging.getLogger("translator.models")

# mallopt() parameters, from glibc's <malloc.h>.
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 1024 * 1024 * 1024  # give memory back to the system only beyond 1 GiB free at the top
TOP_PAD = 64 * 1024 * 1024  # grow the heap in steps of 64 MiB, not page by page

_lock = threading.Lock()
_done = False


def keep_freed_memory() -> bool:
    """Tune glibc's malloc once per process; True when it was tuned (now or before)."""
    global _done
    with _lock:
        if _done:
            return True
        if os.environ.get("TRANSLATOR_MALLOC", "").lower() == "system":
            return False
        if not sys.platform.startswith("linux"):
            return False
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            mallopt = libc.mallopt
        except (OSError, AttributeError):  # not glibc (musl has no mallopt)
            return False
        mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
        settings = {M_MMAP_THRESHOLD: MMAP_THRESHOLD, M_TRIM_THRESHOLD: TRIM_THRESHOLD, M_TOP_PAD: TOP_PAD}
        if not all(mallopt(param, value) == 1 for param, value in settings.items()):
            log.debug("mallopt refused a setting; glibc's defaults stay")
            return False
        _done = True
        return True
