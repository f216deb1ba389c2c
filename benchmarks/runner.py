"""Run one case in kerasmini, tf.keras eager and tf.function: check agreement, then time."""
import numpy as np

from benchmarks.timing import interleaved_medians

# Agreement before timing: max |kerasmini - tf| relative to the output's largest magnitude.
TOLERANCE = {"float32": 1e-4, "float64": 1e-10}


def make_layers(case, keras, kerasmini):
    """The same layer in both libraries, built, with TF's weights copied into kerasmini.

    Biases are set to random values so that agreement checks them too.
    """
    rng = np.random.default_rng(1)
    tf_layer = getattr(keras.layers, case.layer)(**case.args, dtype=case.dtype)
    km_layer = getattr(kerasmini.layers, case.layer)(**case.args, dtype=case.dtype)
    tf_layer.build(case.shape)
    km_layer.build(case.shape)
    weights = [w.numpy() for w in tf_layer.weights]
    if len(weights) == 2:
        weights[1] = rng.standard_normal(weights[1].shape).astype(case.dtype)
        tf_layer.weights[1].assign(weights[1])
    km_layer.set_weights(weights)
    return km_layer, tf_layer


def run_case(case, tf, keras, kerasmini, rounds):
    """Timing and agreement of one case: a dict ready for the table and the JSON file."""
    x = np.random.default_rng(0).standard_normal(case.shape).astype(case.dtype)
    km_layer, tf_layer = make_layers(case, keras, kerasmini)
    x_tf = tf.constant(x)
    compiled = tf.function(lambda t: tf_layer(t))
    functions = {
        "kerasmini": lambda: km_layer(x),
        "tf_eager": lambda: tf_layer(x_tf),
        "tf_function": lambda: compiled(x_tf),
    }
    expected = np.asarray(functions["tf_function"]())
    error = _relative_error(np.asarray(functions["kerasmini"]()), expected)
    eager_error = _relative_error(np.asarray(functions["tf_eager"]()), expected)
    if not (error <= TOLERANCE[case.dtype] and eager_error <= TOLERANCE[case.dtype]):
        raise AssertionError(f"{case.name}: outputs disagree (kerasmini {error:.3g}, "
                             f"tf eager {eager_error:.3g}); not timing it")
    times = interleaved_medians(functions, **rounds)
    work = case.work(expected.shape)
    return {
        "name": case.name, "group": case.group, "layer": case.layer, "dtype": case.dtype,
        "shape": list(case.shape), "out_shape": list(expected.shape),
        "max_relative_error": error, "seconds": times,
        "gflops": {mode: work / t / 1e9 for mode, t in times.items()},
        "ratio_vs_eager": times["kerasmini"] / times["tf_eager"],
        "ratio_vs_function": times["kerasmini"] / times["tf_function"],
        "kernel": _conv_kernel(case, kerasmini.ops, km_layer, x, expected.shape),
    }


def _conv_kernel(case, ops, km_layer, x, out_shape):
    """For Conv2D: which kernel kerasmini ran ("im2col", "winograd", "matmul"); else None."""
    if case.layer != "Conv2D":
        return None
    kernel_path, pair = ops.convolution.kernel_path, ops.shapes.pair
    to_channels_last = ops.layout.to_channels_last
    data_format = case.args.get("data_format", "channels_last")
    out_last = to_channels_last(np.empty(out_shape, dtype=case.dtype), data_format).shape
    return kernel_path(to_channels_last(x, data_format), km_layer.kernel.value,
                       pair(case.args.get("strides", 1)),
                       pair(case.args.get("dilation_rate", 1)), out_last)


def _relative_error(actual, expected):
    if actual.shape != expected.shape:
        return float("inf")
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1.0)
    return float(np.max(np.abs(actual.astype(np.float64) - expected), initial=0.0)) / scale
