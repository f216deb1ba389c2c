"""How many BLAS threads one matmul gets: one for a small product, the idle cores for a
large one.

OpenBLAS splits a product statically over its threads and the threads spin while they
wait for each other. When another process keeps a core busy, the thread that shares that
core finishes last and the product takes as long as on one thread, or longer (measured in
docs/performance.md: a model's `predict` swung 20x between repeats). And a product of under
a few million multiply-adds loses more waking a second thread than that thread saves.

The rule, per product:
- at most SMALL_PRODUCT multiply-adds: one thread;
- otherwise: the cores this process may run on, less the cores other processes kept busy
  over the last LOAD_WINDOW seconds (read from /proc/stat and /proc/self/stat, so our own
  threads do not count), at least one.

never more than the threads BLAS had when the product started (a user's own limit, e.g.
OPENBLAS_NUM_THREADS or threadpoolctl, stays in force).

The switch is OpenBLAS's own openblas_set_num_threads, found by ctypes in the library NumPy
loaded; without it (another BLAS, no /proc) `control()` returns None and products run
as BLAS decides, and `matmul` cuts a small product into row pieces instead (OpenBLAS runs
a product of under about 10**6 multiply-adds on the calling thread).
"""
import ctypes
import os
import time

import numpy as np

# Measured on a quiet 2-core machine: one thread and two run alike up to ~4M multiply-adds;
# above that two threads win (6.8M: 0.133 ms on two, 0.169 ms on one).
SMALL_PRODUCT = 4 * 2**20
# Without the switch: row pieces of at most this many multiply-adds stay on one thread.
PIECE = 2**19
# How often the machine's load is re-read, in seconds (one read is ~30 us).
LOAD_WINDOW = 0.25
# Another process's share of a core above which that core counts as busy.
BUSY_SHARE = 0.25

# OpenBLAS's (getter, setter) under the names NumPy's and the distributions' builds export.
_SYMBOLS = [(f"{prefix}get_num_threads{suffix}", f"{prefix}set_num_threads{suffix}")
            for prefix, suffix in (("scipy_openblas_", "64_"), ("openblas_", "64_"),
                                   ("openblas_", ""))]
_control = False  # not looked up yet; None when there is no OpenBLAS to control
_sample = None    # (time, machine busy ticks, machine total ticks, own ticks)
_idle = None


def control():
    """OpenBLAS's (get_num_threads, set_num_threads) functions, or None. Looked up once."""
    global _control
    if _control is False:
        _control = _find_setter()
    return _control


def _find_setter():
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for get_name, set_name in _SYMBOLS:
            getter, setter = getattr(library, get_name, None), getattr(library, set_name, None)
            if getter is not None and setter is not None:
                getter.argtypes, getter.restype = [], ctypes.c_int
                setter.argtypes, setter.restype = [ctypes.c_int], None
                return getter, setter
    return None


def matmul(a, b, out):
    """out = a @ b for 2D a (m, k), b (k, n), on the threads the rule above gives."""
    (m, k), n = a.shape, b.shape[1]
    threads = threads_for(m * k * n)
    if control() is None:
        if threads == 1:  # no switch: pieces small enough that BLAS stays on this thread
            step = max(1, PIECE // max(k * n, 1))
            for start in range(0, m, step):
                np.matmul(a[start:start + step], b, out=out[start:start + step])
            return out
        return np.matmul(a, b, out=out)
    with limited(threads):
        return np.matmul(a, b, out=out)


def threads_for(multiply_adds):
    """BLAS threads for a product of this many multiply-adds (the rule above)."""
    if multiply_adds <= SMALL_PRODUCT:
        return 1
    return idle_cores()


def idle_cores():
    """Cores available to this process that no other process kept busy lately (>= 1)."""
    global _sample, _idle
    now = time.monotonic()
    if _sample is not None and now - _sample[0] < LOAD_WINDOW:
        return _idle
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    current = _read_ticks(now)
    if current is None:
        _idle = cores
    elif _sample is None:  # no window yet: the 1-minute load average, ours included
        _idle = _cores_left(cores, os.getloadavg()[0] - 1)
    else:
        busy, total, own = (c - p for c, p in zip(current[1:], _sample[1:]))
        machine = os.cpu_count() or cores
        _idle = _cores_left(cores, (busy - own) / max(total, 1) * machine)
    _sample = current
    return _idle


def _cores_left(cores, others_busy):
    """Cores left when other processes keep `others_busy` cores' worth busy."""
    return max(1, min(cores, int(cores - others_busy + BUSY_SHARE)))


def _read_ticks(now):
    """(now, busy ticks of all cores, all ticks of all cores, this process's ticks)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
        with open("/proc/self/stat") as own:
            own_fields = own.read().rsplit(")", 1)[1].split()
    except (OSError, ValueError, IndexError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already inside user time
    return now, total - idle, total, int(own_fields[11]) + int(own_fields[12])


class limited:
    """`with limited(n):` products inside run on at most n BLAS threads, then the count
    BLAS had before is restored. Without an OpenBLAS to control, nothing changes."""

    def __init__(self, threads):
        self.threads = threads
        self.before = None

    def __enter__(self):
        functions = control()
        if functions is not None:
            get, set_threads = functions
            self.before = get()
            if self.threads < self.before:
                set_threads(self.threads)
            else:
                self.before = None  # nothing changed, nothing to restore
        return self

    def __exit__(self, *exc):
        if self.before is not None:
            control()[1](self.before)
        return False
