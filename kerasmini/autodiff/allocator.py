"""Training reuses the memory it frees instead of handing it back to the system each step.

A training step allocates the same large temporaries every time (each layer's output,
its gradient, im2col patches: megabytes each) and frees them at the end of the step.
glibc's malloc serves blocks above its mmap threshold (128 KiB at first, raised to the
size of each such block freed, at most 32 MiB) with fresh pages from the kernel, and
returns the top of its heap to the kernel whenever more than twice that threshold is
free. Either way the next step touches new pages, and every 4 KiB page costs a page
fault: measured on the README's convnet, 25 MB of faults per train_on_batch step at
batch 32 (6,100 faults, a third of the step: 24 ms against 15 ms without them), 55 MB
at batch 128 (76 ms against 52 ms).

`keep_freed_memory()` raises both limits once per process, on the first recorded
training step (GradientTape.__enter__): blocks up to MMAP_THRESHOLD come from the heap,
and up to TRIM_THRESHOLD of free heap is kept for the next step. TensorFlow's own
allocator keeps its memory the same way. The process's peak memory is unchanged (the
memory kept is what the step used at its peak); it is held after training, until the
process ends. Off glibc (macOS, musl) nothing changes.
"""
import platform

# glibc's largest mmap threshold on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX).
MMAP_THRESHOLD = 32 * 2**20
TRIM_THRESHOLD = 256 * 2**20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)
_set = None  # not tried yet; then whether the thresholds are set


def keep_freed_memory():
    """Set glibc's mmap and trim thresholds (tried once); True if they are set."""
    global _set
    if _set is None:
        _set = _set_thresholds()
    return _set


def _set_thresholds():
    if platform.libc_ver()[0] != "glibc":
        return False
    import ctypes  # lazy: `import kerasmini` stays cheap
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
