"""The allocator tuning: an 8 MB block comes from the heap once it is on, from an mmap of its own without."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """
import ctypes, sys
from translator.models._allocator import keep_freed_memory

class Info(ctypes.Structure):
    names = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"
    _fields_ = [(name, ctypes.c_size_t) for name in names.split()]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = Info
libc.malloc.restype = ctypes.c_void_p
tuned = keep_freed_memory()
before = libc.mallinfo2().hblks
block = libc.malloc(8 * 1024 * 1024)
print(tuned, libc.mallinfo2().hblks - before)
"""


def probe(malloc: str) -> tuple[str, int]:
    env = {**os.environ, "TRANSLATOR_MALLOC": malloc}
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True)
    tuned, mmapped = out.stdout.split()
    return tuned, int(mmapped)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_large_blocks_stay_in_the_heap_once_tuned_and_not_with_system():
    assert probe("tuned") == ("True", 0)  # from the heap: freed, it stays for the next call
    assert probe("system") == ("False", 1)  # glibc's default: its own mmap, unmapped when freed


def test_only_large_models_tune_the_allocator(tiny_dirs, tmp_path):
    from translator.config import ModelConfig
    from translator.models.base import LARGE_MODEL_BYTES, _large

    marian, _ = tiny_dirs
    assert not _large(ModelConfig(model=str(marian)))  # the tests' models: kilobytes
    big = tmp_path / "big"
    big.mkdir()
    with open(big / "model.safetensors", "wb") as weights:
        weights.truncate(LARGE_MODEL_BYTES)  # sparse: its size without writing it
    assert _large(ModelConfig(model=str(big)))
    assert _large(ModelConfig(model="Helsinki-NLP/opus-mt-id-en"))  # every hub model is large
