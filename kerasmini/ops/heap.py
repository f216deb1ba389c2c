"""Freed memory kept for the next layer: glibc's trim and mmap thresholds during predict.

A model's `predict` allocates every layer's output afresh. With glibc's defaults, freed
memory at the top of the heap beyond the trim threshold goes back to the system, and the
next predict gets it back page by page: each 4 KiB page faults and is zeroed again.
Measured (docs/performance.md): ResNet50 at batch 32 paid 40,000 page faults per predict,
DenseNet121 83,000 (0.2-0.3 GB zeroed each time), and the time between repeats swung
2.8-3.5x on a quiet machine. With the thresholds below: no page fault after the first.

What changes, process-wide (mallopt has no per-thread or per-call form):
- the mmap threshold is fixed at 32 MiB, the ceiling glibc's own adaptive threshold
  reaches on a 64-bit machine once an array that large has been freed (setting any
  threshold stops the adaptation; this value is where it would have gone anyway);
- the trim threshold is raised while a predict runs (freed memory is kept, to be reused
  by the next layers) and lowered to twice the mmap threshold when the last predict
  returns, again the value glibc's adaptation reaches. Memory is never held beyond what
  the predict itself needed at its peak: malloc reuses what it keeps before it grows.
Where there is no glibc (another C library, another system), nothing changes.
"""
import threading

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's <malloc.h> parameter numbers
MMAP_THRESHOLD = 32 * 2**20
TRIM_DURING = 2**31 - 1  # keep what is freed while a predict runs (mallopt takes an int)
TRIM_AFTER = 2 * MMAP_THRESHOLD

_mallopt = False  # not looked up yet; None without glibc
_lock = threading.Lock()
_running = 0  # predicts in progress, over all threads


def _find_mallopt():
    import ctypes  # lazy: `import kerasmini` stays cheap
    try:
        libc = ctypes.CDLL(None)  # the C library this process runs on
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # glibc only: its parameter numbers
    except (OSError, AttributeError, TypeError):  # TypeError: no CDLL(None) (Windows)
        return None
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    return mallopt


class freed_memory_kept:
    """`with freed_memory_kept():` memory freed inside stays in the heap for reuse."""

    def __enter__(self):
        global _mallopt, _running
        with _lock:
            if _mallopt is False:
                _mallopt = _find_mallopt()
            if _running == 0 and _mallopt is not None:
                _mallopt(M_TRIM_THRESHOLD, TRIM_DURING)
            _running += 1
        return self

    def __exit__(self, *exc):
        global _running
        with _lock:
            _running -= 1
            if _running == 0 and _mallopt is not None:
                _mallopt(M_TRIM_THRESHOLD, TRIM_AFTER)
        return False
