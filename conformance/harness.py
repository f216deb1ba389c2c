"""Twin layers from one dict of Keras arguments, and the three-way value comparison.

kerasmini and tf.keras are each compared with an independent float64 reference
(conformance/reference.py):

    kerasmini ~ reference, tf.keras ~ reference  -> pass
    kerasmini ~ reference, tf.keras wrong/raises -> pass for kerasmini, recorded as a
                                                   *TensorFlow divergence* (named, listed)
    kerasmini wrong                              -> failure (whatever tf.keras did)

Tolerance policy: kerasmini/check/tolerance.py (shared with `python -m kerasmini check`).
Nothing here is ever widened to make a case pass.
"""
import dataclasses
import json
import math
import re
import zlib
from typing import Callable, Optional

import numpy as np

from conformance import reference, reference_layers
from conformance.tfload import load

tf, keras = load()

import kerasmini  # noqa: E402
import kerasmini.layers as km_layers  # noqa: E402
from kerasmini.check import divergences  # noqa: E402
from kerasmini.check.tolerance import RTOL, compare  # noqa: E402,F401

# The record of the test being run; an autouse fixture in conftest.py resets it and
# copies it into the pytest report (user_properties) so the runner can aggregate.
RECORD = {}


def reset_record():
    RECORD.clear()
    RECORD.update(layer=None, dtype=None, kind=None, cases=0, max_abs_err=0.0,
                  max_ulps=0.0, divergences=[])


def note(layer, dtype, kind):
    RECORD.update(layer=layer, dtype=dtype, kind=kind)


def seed_of(*parts):
    """A stable seed from a case's name, so a case's inputs never depend on run order."""
    return zlib.crc32(repr(parts).encode()) & 0x7FFFFFFF


# ----- twin layers ---------------------------------------------------------------------
TF_CLASSES = {"Conv2D": "Conv2D", "MaxPool2D": "MaxPool2D", "MaxPooling2D": "MaxPooling2D",
              "Dense": "Dense"}


def make_tf(layer, args):
    return getattr(keras.layers, layer)(**args)


def make_km(layer, args):
    return getattr(km_layers, layer)(**args)


def describe(layer, args, dtype=None, shape=None, seed=None):
    parts = [f"{layer}({', '.join(f'{k}={v!r}' for k, v in args.items())})"]
    if dtype:
        parts.append(f"dtype={dtype}")
    if shape is not None:
        parts.append(f"input_shape={tuple(shape)}")
    if seed is not None:
        parts.append(f"seed={seed}")
    return " ".join(parts)


# ----- inputs --------------------------------------------------------------------------
FILLS = ("normal", "zeros", "large", "negative", "inf", "nan")
LARGE = {"float16": 1e2, "float32": 1e18, "float64": 1e150}


def make_input(shape, dtype, rng, fill="normal"):
    x = rng.standard_normal(shape)
    if fill == "zeros":
        x = np.zeros(shape)
    elif fill == "large":
        x = x * LARGE[dtype]
    elif fill == "negative":
        x = -np.abs(x) - 1.0
    elif fill in ("inf", "nan"):
        mask = rng.random(shape) < 0.15
        special = np.where(rng.random(shape) < 0.5, np.inf, -np.inf) if fill == "inf" else np.nan
        x = np.where(mask, special, x)
    return x.astype(dtype)


def random_weights(shapes, dtype, rng):
    """Kernel ~ N(0, 1/fan_in) (outputs of order 1), bias ~ N(0, 1): a zero bias would
    hide every bias bug, so the transfer kerasmini -> tf.keras always uses a random one."""
    out = []
    for shape in shapes:
        if len(shape) == 1:
            w = rng.standard_normal(shape)
        else:
            w = rng.standard_normal(shape) / math.sqrt(max(1, int(np.prod(shape[:-1]))))
        out.append(w.astype(dtype))
    return out


# ----- comparison ----------------------------------------------------------------------
def record_error(max_err, ulps):
    """Count one compared output; its error enters the table for ordinary inputs only
    (the edge fills' absolute errors scale with 1e18 inputs and would drown the column)."""
    RECORD["cases"] += 1
    if RECORD.get("kind") in ("values", "gradients") and math.isfinite(max_err):
        RECORD["max_abs_err"] = max(RECORD["max_abs_err"], max_err)
        RECORD["max_ulps"] = max(RECORD["max_ulps"], ulps)


def record_divergence(kind, where, detail):
    RECORD["divergences"].append({"kind": kind, "case": where, "detail": detail})


def fail(message):
    """Fail the test with the message alone: no traceback full of arrays."""
    import pytest
    pytest.fail(message, pytrace=False)


def three_way(km_out, tf_out, ref, dtype, where, classify=None, rtol=None):
    """Assert kerasmini matches the reference; record tf.keras's disagreement if any.

    tf_out may be an exception (tf.keras raised on a configuration kerasmini accepts)."""
    km_ok, km_err, km_ulps, km_why = compare(km_out, ref, dtype, rtol)
    if tf_out is None:  # tf.keras not run on this input
        tf_ok, tf_why = True, ""
    elif isinstance(tf_out, BaseException):
        tf_ok, tf_why = False, f"tf.keras raised {type(tf_out).__name__}"
    else:
        tf_ok, _, _, tf_why = compare(tf_out, ref, dtype, rtol)
    record_error(km_err, km_ulps)
    if not km_ok:
        fail(
            f"kerasmini != float64 reference: {where}: {km_why}"
            f" [tf.keras vs reference: "
            f"{'not run' if tf_out is None else 'agrees' if tf_ok else tf_why}]")
    if not tf_ok:
        kind = classify(tf_out) if classify else None
        if kind is None:
            kind = (f"tf-raises-{type(tf_out).__name__}" if isinstance(tf_out, BaseException)
                    else "tf-wrong-values")
        record_divergence(kind, where, tf_why)
    return km_err


def run_tf(layer, x):
    """tf.keras's output as NumPy, or the TF-internal exception it raised."""
    try:
        return np.asarray(layer(x))
    except tf.errors.OpError as e:  # TensorFlow kernel errors, not Keras argument checks
        return e


# ----- the value check for one configuration -----------------------------------------
def reference_output(layer, args, x, weights, names=None):
    """float64 reference from the inputs and weights as the layer's dtype holds them.
    (`names`, the weight names, is unused: every reference hook of check_values takes it.)"""
    fmt = args.get("data_format", "channels_last")
    bias = weights[1] if len(weights) > 1 else None
    if layer == "Conv2D":
        out = reference.conv2d(x, weights[0], bias, args.get("strides", 1),
                               args.get("padding", "valid"), fmt,
                               args.get("dilation_rate", 1))
    elif layer in ("MaxPool2D", "MaxPooling2D"):
        out = reference.max_pool2d(x, args.get("pool_size", 2), args.get("strides"),
                                   args.get("padding", "valid"), fmt)
    elif layer in ("AveragePooling2D", "AvgPool2D"):
        out = reference_layers.average_pool2d(x, args.get("pool_size", 2), args.get("strides"),
                                              args.get("padding", "valid"), fmt)
    elif layer == "Dense":
        out = reference.dense(x, weights[0], bias)
    else:
        raise KeyError(layer)
    with np.errstate(all="ignore"):
        return reference.activation(args.get("activation"), out)


def tf_changes_on_rerun(tf_out, rerun):
    """Does tf.keras give other values when called again on the same input? (Some strided
    convolutions return garbage that changes on every call: tf-nondeterministic-values.)"""
    again = rerun()
    return not isinstance(again, BaseException) and not np.array_equal(
        np.asarray(again), tf_out, equal_nan=True)


def classify_divergence(layer, args, tf_out, x, weights, names, rerun):
    """Name what tf.keras got wrong, so the report can group the cases by cause.
    (`names` is unused here; the model-layer classifier needs it.)"""
    if isinstance(tf_out, BaseException):
        return None
    if tf_changes_on_rerun(tf_out, rerun):
        return divergences.NONDETERMINISTIC
    fmt = args.get("data_format", "channels_last")
    if layer == "Conv2D" and fmt == "channels_first" and len(weights) == 2:
        # Would tf.keras's output be right if the bias went along the last (width) axis?
        no_bias = reference.conv2d(x, weights[0], None, args.get("strides", 1),
                                   args.get("padding", "valid"), fmt,
                                   args.get("dilation_rate", 1))
        if no_bias.shape[-1] == weights[1].shape[0]:
            with np.errstate(all="ignore"):
                wrong = reference.activation(args.get("activation"),
                                             no_bias + weights[1].astype(np.float64))
            if compare(tf_out, wrong, tf_out.dtype.name)[0]:
                return divergences.CHANNELS_FIRST_BIAS["Conv2D"]
    if tf_out.dtype == np.float64 and args.get("activation") in reference.F32_ACTIVATIONS:
        with np.errstate(all="ignore"):
            pre = reference_output(layer, dict(args, activation=None), x, weights)
            rounded = reference.F32_ACTIVATIONS[args["activation"]](pre)
        if compare(tf_out, rounded, "float64")[0]:
            return divergences.FLOAT64_CONSTANTS
    if layer in ("MaxPool2D", "MaxPooling2D"):
        if np.isnan(x).any():
            return divergences.MAXPOOL_NAN
        if np.isneginf(x).any():
            return divergences.MAXPOOL_NEG_INF
    return None


def as_shape(shape):
    """A shape as a tuple, or a list of tuples for the merge layers' several inputs."""
    return [tuple(s) for s in shape] if isinstance(shape, list) else tuple(shape)


def make_inputs(shape, dtype, rng, fill="normal"):
    """One array, or a list of arrays for the merge layers (shape is then a list)."""
    if isinstance(shape, list):
        return [make_input(s, dtype, rng, fill) for s in shape]
    return make_input(shape, dtype, rng, fill)


def random_kernel_and_bias(layer, names, shapes, dtype, rng):
    """Fresh weights for kerasmini -> tf.keras: random_weights (kernel and bias, so the
    layer and weight names do not matter)."""
    return random_weights(shapes, dtype, rng)


def grouped_conv2d_tf_shapes(layer, args, direction, shapes, seed):
    """The input shapes tf.keras runs in one transfer direction.

    Keras runs grouped convolutions on CPU through a tf.function(jit_compile=True) it
    re-creates on every call: ~90 ms of XLA compilation per call. For those, tf.keras sees
    one input shape per direction (rotating with the seed); kerasmini and the reference
    still see all of them."""
    if layer == "Conv2D" and args.get("groups", 1) > 1 and len(shapes) > 1:
        return [as_shape(shapes[seed % len(shapes)])]
    return [as_shape(s) for s in shapes]


def transfer_directions(shapes, has_weights):
    """(direction, input shapes) pairs: tf.keras's initial weights -> kerasmini on the first
    shape, then random weights kerasmini -> tf.keras on every shape. A weightless layer
    (MaxPool2D, ...) has nothing to transfer: it runs once on every shape ("none")."""
    if has_weights:
        return [("tf->km", shapes[:1]), ("km->tf", shapes)]
    return [("none", shapes)]


def transfer_weights(direction, t, m, tf_weights, fresh):
    """Set the direction's weights in both layers; the copies must be bit-identical."""
    if direction == "tf->km":
        m.set_weights(tf_weights)
        assert all(np.array_equal(a, b) for a, b in zip(m.get_weights(), tf_weights))
    elif direction == "km->tf":
        m.set_weights(fresh)
        t.set_weights(m.get_weights())
        back = [np.asarray(w) for w in t.get_weights()]
        assert all(np.array_equal(a, b) for a, b in zip(back, fresh)), \
            "weights changed on the way kerasmini -> tf.keras"


def check_shapes_and_dtypes(t, m, shape, km_out, tf_out, dtype, where):
    """Output dtype is the layer's; shape and dtype equal tf.keras's (when it ran);
    compute_output_shape equal to tf.keras's for this input."""
    assert km_out.dtype == np.dtype(dtype), f"{where}: kerasmini dtype {km_out.dtype}"
    if tf_out is not None and not isinstance(tf_out, BaseException):
        assert km_out.shape == tf_out.shape, (
            f"{where}: shape kerasmini {km_out.shape} != tf.keras {tf_out.shape}")
        assert tf_out.dtype == km_out.dtype, (
            f"{where}: dtype kerasmini {km_out.dtype} != tf.keras {tf_out.dtype}")
    expected = t.compute_output_shape(as_shape(shape))
    got = m.compute_output_shape(as_shape(shape))
    assert tuple(got) == tuple(expected), (
        f"{where}: compute_output_shape kerasmini {got} != tf.keras {expected}")


@dataclasses.dataclass(frozen=True)
class LayerFamily:
    """What check_values needs to know about a family of layers, one hook per field.

    The defaults describe the first family (Conv2D, MaxPool2D, Dense);
    test_layers_values describes the model-building layers with its own.

    canonical(layer)      the layer's name in the report and for the hooks (an alias
                          such as AvgPool2D is recorded as AveragePooling2D)
    fresh_weights(name, weight_names, shapes, dtype, rng)    weights for step 2
    reference(name, args, x, weights, weight_names)          the float64 expected output
    classify(name, args, tf_out, x, weights, weight_names, rerun)   names a divergence
                          (None: every divergence is tf-wrong-values / tf-raises-...)
    tf_shapes(layer, args, direction, shapes, seed)          the shapes tf.keras runs
    extra_check(name, x, km_out, tf_out, where)              more asserts per output
    """
    canonical: Callable = str
    fresh_weights: Callable = random_kernel_and_bias
    reference: Callable = reference_output
    classify: Optional[Callable] = classify_divergence
    tf_shapes: Callable = grouped_conv2d_tf_shapes
    extra_check: Optional[Callable] = None


FIRST_FAMILY = LayerFamily()


def check_values(layer, args, dtype, shapes, seed, fill="normal", family=FIRST_FAMILY):
    """Build twins once, transfer weights both ways, run every input shape three ways.

    1. tf.keras's own initial weights -> kerasmini (set_weights), first input.
    2. fresh weights set in kerasmini -> tf.keras, every input.

    `family` (a LayerFamily) says how this layer's weights, reference and divergences
    are made.
    """
    name = family.canonical(layer)
    note(name, dtype, "values" if fill == "normal" else "edge")
    rng = np.random.default_rng(seed)
    full = dict(args, dtype=dtype)
    t, m = make_tf(layer, full), make_km(layer, full)
    first = as_shape(shapes[0])
    if m.weights or not m.built:  # a weightless layer built at construction has no build
        t.build(first)
        m.build(first)
    tf_weights = [np.asarray(w) for w in t.get_weights()]
    km_shapes = [w.shape for w in m.get_weights()]
    assert [w.shape for w in tf_weights] == km_shapes, (
        f"weight shapes differ: {describe(layer, args, dtype, first)}: tf.keras "
        f"{[w.shape for w in tf_weights]}, kerasmini {km_shapes}")
    names = [w.name for w in m.weights]
    for direction, direction_shapes in transfer_directions(shapes, bool(tf_weights)):
        fresh = family.fresh_weights(name, names, [w.shape for w in tf_weights], dtype, rng) \
            if direction == "km->tf" else None
        transfer_weights(direction, t, m, tf_weights, fresh)
        weights = m.get_weights()
        tf_runs = family.tf_shapes(layer, args, direction, direction_shapes, seed)
        for shape in direction_shapes:
            x = make_inputs(shape, dtype, rng, fill)
            where = describe(layer, args, dtype, shape, seed) + f" fill={fill} {direction}"
            km_out = m(x)
            # None: not run on this input (budget, see tf_shapes): kerasmini vs reference only
            tf_out = run_tf(t, x) if as_shape(shape) in tf_runs else None
            check_shapes_and_dtypes(t, m, shape, km_out, tf_out, dtype, where)
            ref = family.reference(name, args, x, weights, names)
            if family.extra_check:
                family.extra_check(name, x, km_out, tf_out, where)
            cls = (lambda out, _x=x, _w=weights: family.classify(
                name, args, out, _x, _w, names, lambda: run_tf(t, _x))) \
                if family.classify else None
            three_way(km_out, tf_out, ref, dtype, where, cls)
    return t, m


def record_json():
    return json.dumps(RECORD, default=str)


def loss_values_and_gradients(cls, args, dtype, t, p, weight):
    """(kerasmini value, its gradient d loss / d p, tf.keras value, its gradient) of the
    loss class `cls` built with `args` in `dtype`, each library on its own tape."""
    km_p = kerasmini.Variable(p, dtype=dtype)
    with kerasmini.GradientTape() as tape:
        km_value = getattr(kerasmini.losses, cls)(dtype=dtype, **args)(
            t, km_p.value, sample_weight=weight)
    tf_p = tf.Variable(p)
    with tf.GradientTape() as tf_tape:
        tf_value = getattr(keras.losses, cls)(dtype=dtype, **args)(t, tf_p,
                                                                     sample_weight=weight)
    return (km_value, tape.gradient(km_value, km_p), tf_value.numpy(),
            tf_tape.gradient(tf_value, tf_p).numpy())


def check_loss_output(got, tf_value, reference, rtol, what, where, floor=0.0, kind=None):
    """A loss's value or gradient: kerasmini against the reference (a failure) and
    tf.keras against it (a divergence, recorded as `kind` where the caller knows the
    cause); where the reference is NaN (no derivative at a kink or clip boundary)
    kerasmini against tf.keras."""
    got, tf_value, reference = (np.asarray(a, np.float64) for a in (got, tf_value, reference))
    known = np.isfinite(reference)
    scale = max(float(np.max(np.abs(reference[known]), initial=0.0)), floor)
    km_err = float(np.max(np.abs(got - reference)[known], initial=0.0))
    tf_err = float(np.max(np.abs(tf_value - reference)[known], initial=0.0))
    record_error(km_err, 0.0)
    if not np.isfinite(got[np.isfinite(tf_value) | known]).all():
        fail(f"{where}: {what} not finite where tf.keras's or the reference's is"
             f"\nkerasmini {got}\ntf.keras {tf_value}")
    if km_err > rtol * scale:
        fail(f"{where}: {what} off by {km_err:.3e} (scale {scale:.3g}, tf.keras "
             f"off by {tf_err:.3e})\nkerasmini {got}\nreference {reference}\n"
             f"tf.keras {tf_value}")
    if tf_err > rtol * scale:
        record_divergence(kind or f"tf-loss-{what}-off-reference", where,
                          f"tf.keras off by {tf_err:.3e}")
    if not known.all():
        loose = np.max(np.abs(got - tf_value)[~known])
        if loose > max(rtol, 1e-5) * max(scale, 1.0):
            fail(f"{where}: {what} where the reference has no derivative differs "
                 f"from tf.keras by {loose:.3e}\nkerasmini {got}\ntf.keras {tf_value}")


def name_base(name):
    """A default object name without the counter suffix ("binary_io_u_3" -> "binary_io_u"):
    each library numbers the default names it hands out in its own process, so the suffix
    depends on what else ran in the same test worker."""
    return re.sub(r"_\d+$", "", name)


def raises_like_tf_keras(name, make, pattern):
    """`make(lib.layers)` raises in tf.keras, and in kerasmini the same exception class
    with a message matching `pattern`."""
    errors = []
    for lib in (keras, kerasmini):
        try:
            make(lib.layers)
        except Exception as error:  # compared by class below
            errors.append(error)
        else:
            errors.append(None)
    tf_error, km_error = errors
    assert tf_error is not None, f"{name}: tf.keras accepts it"
    assert type(km_error) is type(tf_error), \
        f"{name}: kerasmini raised {km_error!r}, tf.keras {tf_error!r}"
    assert re.search(pattern, str(km_error)), f"{name}: message {km_error}"
    record_error(0.0, 0.0)


def files_both_ways(build, inputs, rng, suffixes=("keras", "weights.h5")):
    """A model of `build(lib)` with random weights, saved by each library (`.keras` and
    `.weights.h5` into the same architecture) and loaded by the other: the same outputs
    on `inputs`."""
    import os
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        for source, target in ((keras, kerasmini), (kerasmini, keras)):
            model = build(source)
            model.set_weights([(rng.standard_normal(w.shape) * 0.5).astype(w.dtype)
                               for w in model.get_weights()])
            for suffix in suffixes:
                path = os.path.join(folder, f"{source.__name__}.{suffix}")
                if suffix == "keras":
                    model.save(path)
                    loaded = target.models.load_model(path)
                else:
                    model.save_weights(path)
                    loaded = build(target)
                    loaded.load_weights(path)
                three_way(np.asarray(loaded(inputs)), None, np.asarray(model(inputs)),
                          "float32", f"{source.__name__} -> {target.__name__} .{suffix}")
