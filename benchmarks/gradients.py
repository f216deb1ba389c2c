"""Conv2D (and depthwise, transposed) backward next to forward: GFLOP/s and share of GEMM peak, kerasmini vs tf.keras.

    python -m benchmarks.gradients [--quick]

For each case: the forward call (conv + bias), and a training step (the forward
recorded, the loss sum(y * R), and the gradients with respect to the input and the
kernel: two more products of the forward's size, so three times its floating-point
work), each timed in kerasmini (GradientTape) and in tf.keras (tf.GradientTape inside a
tf.function), interleaved on the same inputs and weights. The gradients are checked to
agree before anything is timed.

    python -m benchmarks.gradients --cpu

kerasmini alone on one BLAS thread, timed in CPU seconds (time.process_time), against
the one-thread GEMM peak: what the kernels make of a core, whatever else the machine
runs (a loaded shared machine makes wall times of threaded BLAS meaningless). "step" is
a recorded forward, the loss sum(y * R) and tape.gradient; "backward" is step - forward; for Conv2D, "kernel grad" and "input grad" are each half of the backward
alone (the bare gradient rule, asked for one of them).
"""
import argparse
import os
import sys
import time

import numpy as np

from benchmarks.cases import Case
from benchmarks.timing import gemm_peak_gflops, interleaved_medians

CASES = [
    Case("latency", "Conv2D", dict(filters=32, kernel_size=3), (8, 28, 28, 1)),
    Case("throughput", "Conv2D", dict(filters=64, kernel_size=3), (128, 13, 13, 32)),
    # README's convnet at fit's batch 128: its first layer (one channel; the training
    # step asks only for the kernel gradient) and its second (the case above)
    Case("throughput", "Conv2D", dict(filters=32, kernel_size=3), (128, 28, 28, 1)),
    Case("throughput", "Conv2D", dict(filters=64, kernel_size=3, padding="same"),
         (32, 56, 56, 64)),
    Case("throughput", "Conv2D", dict(filters=128, kernel_size=3, strides=2, padding="same"),
         (32, 56, 56, 64)),
    Case("throughput", "Conv2D", dict(filters=64, kernel_size=1), (32, 28, 28, 256)),
    # issue 11's kernels with their own gradient rules
    Case("throughput", "DepthwiseConv2D", dict(kernel_size=3, padding="same"),
         (32, 56, 56, 64)),
    Case("throughput", "DepthwiseConv2D", dict(kernel_size=3, strides=2, padding="same"),
         (32, 56, 56, 64)),
    Case("throughput", "Conv2DTranspose", dict(filters=32, kernel_size=3, strides=2,
                                               padding="same"), (32, 28, 28, 64)),
    Case("throughput", "Conv3D", dict(filters=32, kernel_size=3, padding="same"),
         (4, 8, 32, 32, 16)),
]
QUICK = [0, 3]
ROUNDS = dict(min_rounds=3, max_rounds=15, budget_seconds=1.5, sample_seconds=0.02)


def training_step(kerasmini, layer, x, seed):
    """A recorded forward, the loss sum(layer(x) * seed), and its gradients w.r.t. x and
    the kernel."""
    with kerasmini.GradientTape() as tape:
        tape.watch(x)
        loss = kerasmini.ops.sum(layer(x) * seed)
    return tape.gradient(loss, [x, layer.kernel])


def run(case, tf, keras, kerasmini):
    from benchmarks.runner import make_layers
    km_layer, tf_layer = make_layers(case, keras, kerasmini)
    x = np.random.default_rng(0).standard_normal(case.shape).astype(case.dtype)
    x_tf = tf.constant(x)
    out_shape = km_layer(x).shape
    seed = np.random.default_rng(1).standard_normal(out_shape).astype(case.dtype)

    def km_backward():
        return training_step(kerasmini, km_layer, x, seed)

    @tf.function
    def tf_backward(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            loss = tf.reduce_sum(tf_layer(t) * seed)
        return tape.gradient(loss, [t, tf_layer.kernel])

    tf_forward = tf.function(lambda t: tf_layer(t))
    for ours, theirs in zip(km_backward(), tf_backward(x_tf)):
        scale = max(float(np.max(np.abs(theirs))), 1.0)
        error = float(np.max(np.abs(ours - np.asarray(theirs)))) / scale
        if error > 1e-4:
            raise AssertionError(f"{case.name}: gradients disagree ({error:.3g}); not timing")
    times = interleaved_medians({
        "km forward": lambda: km_layer(x), "tf forward": lambda: tf_forward(x_tf),
        "km step": km_backward, "tf step": lambda: tf_backward(x_tf)}, **ROUNDS)
    forward_work = case.work(out_shape)
    work = {name: forward_work * (3 if "step" in name else 1) for name in times}
    return {name: (times[name], work[name] / times[name] / 1e9) for name in times}


def cpu_seconds(fn, repeats=5):
    """Median CPU seconds of one call (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        samples.append(time.process_time() - start)
    return float(np.median(samples))


def run_cpu(case, kerasmini):
    layer = getattr(kerasmini.layers, case.layer)(**case.args, dtype=case.dtype)
    x = np.random.default_rng(0).standard_normal(case.shape).astype(case.dtype)
    out_shape = layer(x).shape
    seed = np.random.default_rng(1).standard_normal(out_shape).astype(case.dtype)

    def backward():
        return training_step(kerasmini, layer, x, seed)

    work = case.work(out_shape)
    forward = cpu_seconds(lambda: layer(x))
    # A step records the forward, then runs the backward: the backward is the difference.
    step = cpu_seconds(backward)
    result = {"forward": (forward, work), "backward": (step - forward, 2 * work),
              "step": (step, 3 * work)}
    if case.layer == "Conv2D":  # each half of the backward alone, through the bare rule
        result.update(conv_gradient_halves(layer, x, seed, work))
    return result


def conv_gradient_halves(layer, x, g, work):
    """CPU seconds of Conv2D's kernel gradient and input gradient, each alone (the
    rule's flags skip the other): each is one product of the forward's size."""
    from kerasmini.ops.convolution_vjp import conv_gradients
    options = dict(strides=layer.strides, padding=layer.padding,
                   data_format=layer.data_format, dilation_rate=layer.dilation_rate)
    kernel = layer.kernel.numpy()
    return {
        "kernel grad": (cpu_seconds(lambda: conv_gradients(
            g, x, kernel, input_gradient=False, **options)), work),
        "input grad": (cpu_seconds(lambda: conv_gradients(
            g, x, kernel, kernel_gradient=False, **options)), work)}


def main_cpu(cases):
    import kerasmini
    from threadpoolctl import threadpool_limits
    with threadpool_limits(1):
        size = 2048
        a, b = (np.random.default_rng(i).standard_normal((size, size), dtype=np.float32)
                for i in (0, 1))
        peak = 2 * size**3 / cpu_seconds(lambda: a @ b, repeats=3) / 1e9
        print(f"float32 GEMM peak on one BLAS thread: {peak:.1f} GFLOP/s (CPU time)")
        print(f"{'case':58} {'pass':11} {'CPU ms':>9} {'GFLOP/s':>8} {'of peak':>8}")
        for case in cases:
            for mode, (seconds, work) in run_cpu(case, kerasmini).items():
                gflops = work / seconds / 1e9
                print(f"{case.name:58} {mode:11} {seconds * 1e3:9.2f} {gflops:8.1f} "
                      f"{gflops / peak:8.0%}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gradients", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cpu", action="store_true",
                        help="kerasmini only, one BLAS thread, CPU seconds")
    args = parser.parse_args(argv)
    cases = [CASES[i] for i in QUICK] if args.quick else CASES
    if args.cpu:
        return main_cpu(cases)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    import kerasmini
    peak = gemm_peak_gflops()
    print(f"float32 GEMM peak through NumPy's BLAS: {peak:.1f} GFLOP/s")
    print(f"{'case':58} {'mode':12} {'ms':>9} {'GFLOP/s':>8} {'of peak':>8}")
    for case in cases:
        for mode, (seconds, gflops) in run(case, tf, keras, kerasmini).items():
            print(f"{case.name:58} {mode:12} {seconds * 1e3:9.2f} {gflops:8.1f} "
                  f"{gflops / peak:8.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
