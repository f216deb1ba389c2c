"""Median call times of several functions, measured in interleaved rounds.

The machine is shared and noisy: timing the modes of one case in turn, round after round,
exposes each mode to the same noise, and the median drops the outliers.
"""
import time

import numpy as np


def calls_per_sample(fn, target_seconds):
    """How many back-to-back calls make one sample of about `target_seconds`."""
    start = time.perf_counter()
    fn()
    single = time.perf_counter() - start
    return max(1, int(target_seconds / max(single, 1e-7)))


def interleaved_medians(functions, min_rounds, max_rounds, budget_seconds, sample_seconds):
    """{name: median seconds per call} over rounds that time each function once in turn."""
    samples = interleaved_samples(functions, min_rounds, max_rounds, budget_seconds,
                                  sample_seconds)
    return {name: float(np.median(values)) for name, values in samples.items()}


def interleaved_samples(functions, min_rounds, max_rounds, budget_seconds, sample_seconds,
                        probe=None, probed=None):
    """{name: [seconds per call, one per round]}, each round timing every function in turn.

    With `probe` (a function returning a tuple of counters, e.g. `caller_schedstat`),
    `probed[name]` gets, for every sample, the counters' change per call over that sample.
    """
    numbers = {name: calls_per_sample(fn, sample_seconds) for name, fn in functions.items()}
    samples = {name: [] for name in functions}
    start = time.perf_counter()
    for round_index in range(max_rounds):
        if round_index >= min_rounds and time.perf_counter() - start > budget_seconds:
            break
        for name, fn in functions.items():
            number = numbers[name]
            before = probe() if probe is not None else None
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - t0) / number)
            if before is not None:
                after = probe()
                probed.setdefault(name, []).append(
                    tuple((b - a) / number for a, b in zip(before, after)))
    return samples


def caller_schedstat():
    """(seconds on a CPU, seconds runnable but waiting for a CPU) of the calling thread so
    far; None where the kernel does not say (/proc/thread-self/schedstat).

    On-CPU time is the thread's clock (exact; schedstat's own first field lags by up to a
    scheduler tick), the wait is schedstat's run delay, counted when a wait ends. A sample's
    wall time less the two is time the thread slept (on a lock, on I/O); a slow sample
    whose on-CPU time is not larger than the others' waited for a CPU."""
    try:
        with open("/proc/thread-self/schedstat") as stat:
            waiting = int(stat.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None
    return time.thread_time(), waiting


def gemm_peak_gflops(size=4096, repeats=5):
    """This machine's float32 GEMM rate through NumPy's BLAS: the best of a few runs."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    out = np.empty_like(a)
    np.matmul(a, b, out=out)
    best = min(_timed(lambda: np.matmul(a, b, out=out)) for _ in range(repeats))
    return 2 * size**3 / best / 1e9


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
