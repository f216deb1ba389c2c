"""When a kernel uses threads, and why.

Every kernel that uses the second core does it the same way: its work is cut into parts
(blocks of output rows, halves of a batch) that the calling thread and WORKERS - 1 pool
threads take from one shared queue, each part on one core with BLAS on one thread.

Why not BLAS's own threads: OpenBLAS splits one product statically over its threads,
which then spin while they wait for each other. When another process keeps a core busy,
the thread sharing that core finishes last and holds up the product (docs/performance.md:
a model's `predict` swung 20x between repeats, and two BLAS threads ran 4x slower than one
on a loaded machine). Parts taken from a queue balance themselves: a thread slowed by
another process just takes fewer parts, and a waiting thread sleeps instead of spinning.

Small work stays on the calling thread: a hand-off costs tens of microseconds.

BLAS's thread count is set through OpenBLAS's own openblas_set_num_threads, found by ctypes
in the library NumPy loaded; without it (another BLAS, no /proc) `blas_control()` is None,
BLAS decides, and `matmul` keeps small products on one thread by cutting them in row
pieces (OpenBLAS runs a product of under about 10**6 multiply-adds on the calling thread).
"""
import threading

from kerasmini.ops import load

# Threads that share a kernel's parts (the caller included): the cores we may run on, of
# which only those that other processes leave idle are used (ops/load.py).
WORKERS = min(2, load.cores())
PARALLEL_BYTES = 4 * 2**20
_executor = None
_inside = threading.local()  # .active while this thread works on a part
_control = False  # not looked up yet; None when there is no OpenBLAS switch

# OpenBLAS's (getter, setter) under the names NumPy's and the distributions' builds export.
_SYMBOLS = [(f"{prefix}get_num_threads{suffix}", f"{prefix}set_num_threads{suffix}")
            for prefix, suffix in (("scipy_openblas_", "64_"), ("openblas_", "64_"),
                                   ("openblas_", ""))]


def blas_control():
    """OpenBLAS's (get_num_threads, set_num_threads) functions, or None. Looked up once."""
    global _control
    if _control is False:  # not looked up yet
        _control = _find_setter()
    return _control


def _find_setter():
    import ctypes  # lazy: `import kerasmini` stays cheap
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


class limited:
    """`with limited(n):` products inside run on at most n BLAS threads, then the count
    BLAS had before is restored. Without an OpenBLAS to control, nothing changes."""

    def __init__(self, threads):
        self.threads = threads
        self.before = None

    def __enter__(self):
        functions = blas_control()
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
            blas_control()[1](self.before)
        return False


def over_parts(task, parts):
    """task(part) for every part, parts taken in turn by up to WORKERS threads (no more
    than the cores other processes leave idle).

    Parts must write to disjoint outputs. BLAS runs on one thread meanwhile. Called from
    within a part, it runs serially (the other threads are busy with the outer parts).
    """
    parts = list(parts)
    workers = min(WORKERS, len(parts))
    if workers > 1:
        workers = min(workers, load.idle_cores())
    if workers < 2 or getattr(_inside, "active", False):
        with limited(1):
            for part in parts:
                task(part)
        return
    queue, lock = iter(parts), threading.Lock()

    def work():
        _inside.active = True
        try:
            while True:
                with lock:
                    part = next(queue, None)
                if part is None:
                    return
                task(part)
        finally:
            _inside.active = False

    with limited(1):
        helpers = [_pool().submit(work) for _ in range(workers - 1)]
        try:
            work()
        finally:
            for helper in helpers:
                helper.result()  # waits; re-raises a helper's exception


def over_batch_parts(task, batch, nbytes):
    """task(batch slice) over parts of the batch on WORKERS threads, if the input is large."""
    if WORKERS < 2 or batch < 2 or nbytes < PARALLEL_BYTES:
        task(slice(0, batch))
        return
    step = -(-batch // WORKERS)
    over_parts(task, [slice(i, min(i + step, batch)) for i in range(0, batch, step)])


def _pool():
    """The shared worker threads, made on first use (importing kerasmini stays cheap)."""
    global _executor
    if _executor is None:
        from concurrent.futures import ThreadPoolExecutor  # lazy: import time
        _executor = ThreadPoolExecutor(max(WORKERS - 1, 1), thread_name_prefix="kerasmini-pool")
    return _executor


def over_row_blocks(task, rows, row_bytes, budget_bytes):
    """task(row slice) over blocks of at most `budget_bytes` (one row at least) that cover
    rows [0, rows) in order; each thread's share of a large input is one such run."""
    step = max(1, budget_bytes // max(row_bytes, 1))

    def blocks(share):
        for start in range(share.start, share.stop, step):
            task(slice(start, min(start + step, share.stop)))

    over_batch_parts(blocks, rows, rows * row_bytes)
