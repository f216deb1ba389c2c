"""Conv2D kernels side by side: kerasmini's im2col, its Winograd F(2x2, 3x3), and TF.

    python -m benchmarks.conv_kernels [--rounds 11] [--one-thread]
    python -m benchmarks.conv_kernels --rule [--rounds 15]

For each 3x3 stride-1 throughput case of the layer table (and a few at the edges of the
rule in kerasmini/ops/convolution.py), `ops.conv` forced onto each kernel and
`tf.nn.conv2d` inside a `tf.function`, timed in interleaved rounds on the same inputs
(the outputs are checked to agree first). Prints each time, the ratios and the load
average: on a shared machine only the ratios within one run mean anything. With
--one-thread, kerasmini runs on one thread (TF keeps its own), which isolates the
kernels' cost per core from thread scheduling.

--rule measures what `convolution.WINOGRAD_MIN_CF` rests on: Winograd / im2col in CPU
seconds of the one thread that runs everything (`time.thread_time`, so other processes'
load does not enter), on (4, 56, 56, C) -> F for a sweep of C F / (C + F), no TF.
"""
import argparse
import time
from unittest import mock

import numpy as np

from benchmarks.timing import interleaved_medians
from kerasmini.ops import convolution, threads

# (input shape, filters, dtype)
CASES = [((32, 56, 56, 64), 64, "float32"), ((32, 28, 28, 128), 128, "float32"),
         ((16, 112, 112, 32), 64, "float32"), ((32, 14, 14, 256), 256, "float32"),
         ((32, 28, 28, 128), 128, "float64"),
         # at the edges of the rule: C F / (C + F) = 16 and 21.3; 1568 output pixels
         ((4, 56, 56, 32), 32, "float32"), ((4, 56, 56, 32), 64, "float32"),
         ((32, 7, 7, 512), 512, "float32")]
# (C, F) of the --rule sweep, C F / (C + F) from 16 to 64
RULE_PAIRS = [(32, 32), (32, 64), (48, 48), (32, 128), (48, 64), (64, 48), (64, 64),
              (64, 96), (96, 96), (128, 128)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--one-thread", action="store_true")
    parser.add_argument("--rule", action="store_true")
    args = parser.parse_args(argv)
    if args.rule:
        return rule_sweep(args.rounds)
    import tensorflow as tf  # slow to import: only once the arguments are parsed
    print(f"load average before: {_load()}")
    for shape, filters, dtype in CASES:
        rng = np.random.default_rng(0)
        x = rng.standard_normal(shape).astype(dtype)
        kernel = (rng.standard_normal((3, 3, shape[3], filters)) / np.sqrt(9 * shape[3]))
        kernel = kernel.astype(dtype)
        x_tf, k_tf = tf.constant(x), tf.constant(kernel)
        compiled = tf.function(lambda t: tf.nn.conv2d(t, k_tf, 1, "SAME"))

        def forced(path):
            def run():
                with mock.patch.object(convolution, "kernel_path", lambda *a: path):
                    return convolution.conv(x, kernel, 1, "same")
            return run

        functions = {"im2col": forced("im2col"), "winograd": forced("winograd"),
                     "tf.function": lambda: compiled(x_tf).numpy()}
        expected = functions["tf.function"]()
        for name in ("im2col", "winograd"):
            error = np.max(np.abs(functions[name]() - expected)) / np.max(np.abs(expected))
            assert error < (1e-4 if dtype == "float32" else 1e-10), (shape, name, error)
        workers = 1 if args.one_thread else threads.WORKERS
        with mock.patch.object(threads, "WORKERS", workers):
            times = interleaved_medians(functions, args.rounds, args.rounds, 0, 0)
        print(f"{'x'.join(map(str, shape))} -> {filters} {dtype}: "
              + "  ".join(f"{n} {t * 1e3:.1f} ms" for n, t in times.items())
              + f"  winograd/im2col {times['winograd'] / times['im2col']:.2f}"
              + f"  winograd/tf {times['winograd'] / times['tf.function']:.2f}"
              + f"  im2col/tf {times['im2col'] / times['tf.function']:.2f}", flush=True)
    print(f"load average after: {_load()}")


def rule_sweep(rounds):
    """Median over rounds of Winograd / im2col CPU time, one thread, per (C, F)."""
    print(f"load average before: {_load()}")
    for channels, filters in RULE_PAIRS:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((4, 56, 56, channels)).astype("float32")
        kernel = rng.standard_normal((3, 3, channels, filters)).astype("float32")
        ratios = []
        with mock.patch.object(threads, "WORKERS", 1):
            for _ in range(rounds):
                im2col, winograd = (_cpu_seconds(x, kernel, path)
                                    for path in ("im2col", "winograd"))
                ratios.append(winograd / im2col)
        quartiles = np.percentile(ratios, [25, 75])
        print(f"C {channels} F {filters}: C F / (C + F) = "
              f"{channels * filters / (channels + filters):.1f}, winograd / im2col "
              f"{np.median(ratios):.2f} (quartiles {quartiles[0]:.2f}-{quartiles[1]:.2f})",
              flush=True)
    print(f"load average after: {_load()}")


def _cpu_seconds(x, kernel, path):
    with mock.patch.object(convolution, "kernel_path", lambda *a: path), \
            threads.limited(1):
        start = time.thread_time()
        convolution.conv(x, kernel, 1, "same")
        return time.thread_time() - start


def _load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


if __name__ == "__main__":
    main()
