"""Why a repeat of `predict` with one core busy is slow: what each repeat decided and met.

    python -m benchmarks.busy_spread [MODEL ...] [--batch 1 32] [--runs 3] [--quiet]
                                     [--own-core] [--control]

Runs the busy half of `python -m benchmarks --models-only` (the same models, weights,
inputs, 7 interleaved rounds of kerasmini and tf.keras, the same spinner) `--runs` times,
and for every kerasmini sample records, next to its time: the thread decisions of
`ops/threads.over_parts` (how many products ran on 1 or 2 threads, and the idle-core
readings of `ops/load.py`), minor page faults and context switches (getrusage), garbage
collections and their pause, the cores the calling thread ran on (/proc/self/stat field
39, before and after), and the spinner's share of a core over the sample. The slowest
and fastest sample of each case are printed side by side. Nothing here is in kerasmini's
hot path: the readings are taken by wrapping functions from outside. Linux only (/proc).

`--own-core` runs each kerasmini sample (only those) with the calling thread under
SCHED_FIFO, so that it never waits for a CPU: on a machine shared with other work this is
the issue's scenario (a core of its own, the spinner on the other), and what spread is left
is in kerasmini's own CPU time. Needs the right to change the scheduling policy (root or
CAP_SYS_NICE); the kernel's real-time throttling leaves others 5% meanwhile. `--control`
measures the same way fixed NumPy work (a product, a memory-bound pass, small calls), which
says how much the machine alone moves the CPU time of identical work.
"""
import contextlib
import argparse
import gc
import os
import resource
import tempfile
import time

import numpy as np

from benchmarks.timing import caller_schedstat


def _stat_fields(path):
    with open(path) as stat:
        return stat.read().rsplit(")", 1)[1].split()


def current_core():
    """The core this thread last ran on (/proc/thread-self/stat field 39)."""
    return int(_stat_fields("/proc/thread-self/stat")[36])


def cpu_ticks(pid):
    fields = _stat_fields(f"/proc/{pid}/stat")
    return int(fields[11]) + int(fields[12])


class Recorder:
    """Wraps load.idle_cores and threads.over_parts to count what each call decided."""

    def __init__(self):
        from kerasmini.ops import load, threads
        self.load, self.threads = load, threads
        self.readings, self.parallel, self.serial = [], 0, 0
        self.gc_pause, self.gc_count, self._gc_start = 0.0, 0, None
        self._idle, self._over_parts = load.idle_cores, threads.over_parts

    def __enter__(self):
        recorder = self

        def idle_cores():
            value = recorder._idle()
            recorder.readings.append(value)
            return value

        self.load.idle_cores = idle_cores
        gc.callbacks.append(self._on_gc)
        return self

    def __exit__(self, *exc):
        self.load.idle_cores = self._idle
        gc.callbacks.remove(self._on_gc)
        return False

    def _on_gc(self, phase, info):
        if phase == "start":
            self._gc_start = time.perf_counter()
        elif self._gc_start is not None:
            self.gc_pause += time.perf_counter() - self._gc_start
            self.gc_count += 1

    def reset(self):
        self.readings, self.gc_pause, self.gc_count = [], 0.0, 0


@contextlib.contextmanager
def own_core(enabled):
    """Within the block the calling thread runs under SCHED_FIFO (if `enabled`)."""
    if not enabled:
        yield
        return
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
    try:
        yield
    finally:
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))


def sample(fn, number, recorder, spinner_pid, own=False):
    """One timed sample of `number` calls, with what happened during it."""
    with own_core(own):
        return _sample(fn, number, recorder, spinner_pid)


def _sample(fn, number, recorder, spinner_pid):
    recorder.reset()
    usage0, spin0, core0 = resource.getrusage(resource.RUSAGE_SELF), None, current_core()
    sched0 = caller_schedstat()
    if spinner_pid is not None:
        spin0 = cpu_ticks(spinner_pid)
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    seconds = time.perf_counter() - t0
    usage1, core1 = resource.getrusage(resource.RUSAGE_SELF), current_core()
    on_cpu, waiting = (b - a for a, b in zip(sched0, caller_schedstat()))
    tick = os.sysconf("SC_CLK_TCK")
    spinner_share = None
    if spinner_pid is not None:
        spinner_share = (cpu_ticks(spinner_pid) - spin0) / tick / max(seconds, 1e-9)
    readings = recorder.readings
    return {"ms": seconds / number * 1e3,
            "thread_cpu_ms": on_cpu / number * 1e3, "runqueue_ms": waiting / number * 1e3,
            "two_threads": sum(r >= 2 for r in readings),
            "one_thread": sum(r < 2 for r in readings),
            "minflt": (usage1.ru_minflt - usage0.ru_minflt) / number,
            "invol_cs": (usage1.ru_nivcsw - usage0.ru_nivcsw) / number,
            "vol_cs": (usage1.ru_nvcsw - usage0.ru_nvcsw) / number,
            "cpu_ms": ((usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime))
            / number * 1e3,
            "gc": recorder.gc_count, "gc_ms": recorder.gc_pause * 1e3,
            "cores": (core0, core1), "spinner": spinner_share,
            "loadavg": os.getloadavg()[0]}


def run_case(case, batch, km_model, tf_model, spinner_pid, recorder, rounds=7, own=False):
    from benchmarks.timing import calls_per_sample
    x = np.random.default_rng(batch).standard_normal((batch, *case.input_shape),
                                                     dtype=np.float32)
    km = lambda: km_model.predict(x, verbose=0)  # noqa: E731
    tf = lambda: tf_model.predict(x, verbose=0)  # noqa: E731
    tf(), tf(), km()
    numbers = calls_per_sample(km, 0.02), calls_per_sample(tf, 0.02)
    km_samples, tf_ms = [], []
    for _ in range(rounds):
        km_samples.append(sample(km, numbers[0], recorder, spinner_pid, own))
        t0 = time.perf_counter()
        for _ in range(numbers[1]):
            tf()
        tf_ms.append((time.perf_counter() - t0) / numbers[1] * 1e3)
    return km_samples, tf_ms


def report(name, km_samples, tf_ms=None):
    """The case's summary line, then one line per sample."""
    times, on_cpu = ([s[key] for s in km_samples] for key in ("ms", "thread_cpu_ms"))
    waited = sum(s["runqueue_ms"] for s in km_samples) / sum(times)
    line = (f"{name}: median {np.median(times):.2f} ms spread {max(times) / min(times):.2f}"
            f" on-CPU spread {max(on_cpu) / max(min(on_cpu), 1e-9):.2f} waited {waited:.0%}")
    if tf_ms:
        line += f" | tf median {np.median(tf_ms):.1f} ms spread {max(tf_ms) / min(tf_ms):.2f}"
    print(line)
    for s in km_samples:
        spinner = "-" if s["spinner"] is None else f"{s['spinner']:.2f}"
        other = s["ms"] - s["thread_cpu_ms"] - s["runqueue_ms"]
        print(f"   {s['ms']:8.2f} ms = on a cpu {s['thread_cpu_ms']:7.2f} + waiting for one "
              f"{s['runqueue_ms']:7.2f} + asleep {other:6.2f} | process cpu {s['cpu_ms']:8.2f} "
              f"threads 2/1 {s['two_threads']:4d}/{s['one_thread']:<4d} "
              f"minflt {s['minflt']:7.0f} cs inv/vol {s['invol_cs']:5.1f}/{s['vol_cs']:<6.1f} "
              f"gc {s['gc']} {s['gc_ms']:.2f} ms cores {s['cores']} spinner {spinner} "
              f"load {s['loadavg']:.2f}")


def control_work():
    """{name: (function, calls per sample)}: fixed work of three kinds, about 5-50 ms."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(shape, dtype=np.float32) for shape in ((2048, 576), (576, 64)))
    product = np.empty((2048, 64), np.float32)
    big, other = (rng.standard_normal(2**21, dtype=np.float32) for _ in range(2))
    small = rng.standard_normal((13, 26, 32), dtype=np.float32)
    return {"product (2048x576)@(576x64)": (lambda: np.matmul(a, b, out=product), 40),
            "maximum of two 8 MiB arrays": (lambda: np.maximum(big, other, out=big), 10),
            "maximum of 43 KiB arrays": (lambda: np.maximum(small, small, out=small), 2000)}


def run_control(spinner_pid, recorder, own, rounds=7):
    from kerasmini.ops.threads import limited
    with limited(1):  # one BLAS thread, as kerasmini's products
        for name, (fn, number) in control_work().items():
            samples = []
            for _ in range(rounds):
                samples.append(sample(fn, number, recorder, spinner_pid, own))
                time.sleep(0.3)  # other processes run meanwhile, as in tf.keras's turn
            report(name, samples)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*")
    parser.add_argument("--batch", nargs="+", type=int, default=[1, 32])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--quiet", action="store_true", help="without the spinner")
    parser.add_argument("--own-core", action="store_true",
                        help="kerasmini's samples under SCHED_FIFO: never waiting for a CPU")
    parser.add_argument("--control", action="store_true",
                        help="also fixed NumPy work, measured the same way")
    args = parser.parse_args(argv)
    import keras
    import kerasmini
    from benchmarks.busy import busy_core
    from benchmarks.models import MODELS, build_pair
    cases = [c for c in MODELS
             if not args.models or any(m.lower() in c.name.lower() for m in args.models)]
    recorder = Recorder()
    with tempfile.TemporaryDirectory() as folder:
        pairs = [(c, *build_pair(c, keras, kerasmini, folder)) for c in cases]
        for run in range(args.runs):
            print(f"run {run + 1}, load {open('/proc/loadavg').read().strip()}")
            with busy_core(not args.quiet) as spinner, recorder:
                pid = None if spinner is None else spinner.pid
                if args.control:
                    run_control(pid, recorder, args.own_core)
                for case, km_model, tf_model in pairs:
                    for batch in args.batch:
                        km_samples, tf_ms = run_case(case, batch, km_model, tf_model, pid,
                                                     recorder, own=args.own_core)
                        report(f"{case.name} batch {batch}", km_samples, tf_ms)


if __name__ == "__main__":
    main()
