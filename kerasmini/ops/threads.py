"""When a kernel uses threads, and why.

NumPy's elementwise work (a running maximum, a copy) runs on one core and releases the
GIL; BLAS brings its own threads for matmuls. So a memory-bound kernel such as max
pooling can use the second core by splitting the batch between two Python threads, while
a matmul-bound kernel (convolution, dense) leaves threading to BLAS.

Small inputs stay on the calling thread: a hand-off costs tens of microseconds, more than
it saves below PARALLEL_BYTES (measured on max pooling, docs/performance.md). Nor does a
core that another process keeps busy take a share (`blas_threads.idle_cores`): the batch
half given to it would finish last.
"""
import os

from kerasmini.ops.blas_threads import idle_cores

# Large inputs are split between this many threads, each on a part of the batch.
WORKERS = min(2, os.cpu_count() or 1)
PARALLEL_BYTES = 4 * 2**20
_executor = None


def over_batch_parts(task, batch, nbytes):
    """task(batch slice) over parts of the batch on WORKERS threads, if the input is large."""
    workers = min(WORKERS, idle_cores()) if nbytes >= PARALLEL_BYTES else 1
    if workers < 2 or batch < 2:
        task(slice(0, batch))
        return
    step = -(-batch // workers)
    parts = [slice(i, min(i + step, batch)) for i in range(0, batch, step)]
    list(_pool().map(task, parts))  # list() re-raises a worker's exception


def _pool():
    """The shared worker threads, made on first use (importing kerasmini stays cheap)."""
    global _executor
    if _executor is None:
        from concurrent.futures import ThreadPoolExecutor  # lazy: import time
        _executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="kerasmini-pool")
    return _executor
