"""Values of the model-building layers, three ways (kerasmini, tf.keras, the float64
reference of reference_layers.py), with the harness of test_values.py.

Each case builds one tf.keras layer and one kerasmini layer from the same Keras arguments
and dtype. Layers with weights (Conv1D, BatchNormalization) get tf.keras's initial weights
copied into kerasmini, then random weights set in kerasmini and copied into tf.keras
(BatchNormalization: gamma and beta away from 1 and 0, a non-zero moving mean and a
positive moving variance away from 1), and the round trip must be bit-identical. Every
input shape of the case runs through the same pair of layers; output shape, dtype and
compute_output_shape must equal tf.keras's.

Dropout: at inference (training None and False) the output must be the input, exactly, in
both libraries. With training=True masks are random, so the rules are compared instead
(TestDropoutTraining): every output is 0 or x / (1 - rate), the fraction dropped is
within 5 binomial standard deviations of `rate`, a noise_shape mask is constant along its
broadcast axes, and rate 0 is the identity.

BatchNormalization with training=True (TestBatchNormalizationTraining): output from the
batch's own mean and biased variance, and the moving statistics moved by `momentum`.
"""
import math
import unittest

import numpy as np
from parameterized import parameterized

from conformance import (grids_layers, harness, reference, reference_conv_layers,
                         reference_layers)
from conformance.grids import tiered
from conformance.harness import (as_shape, describe, make_km, make_tf, note, seed_of,
                                 three_way)
from kerasmini.check import divergences

CANONICAL = {"AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D",
             "MaxPool1D": "MaxPooling1D", "AvgPool3D": "AveragePooling3D",
             "MaxPool3D": "MaxPooling3D"}


def canonical(layer):
    return CANONICAL.get(layer, layer)


def case_name(func, num, param):
    return f"{func.__name__}_{param.args[0]}"


def layer_weights(layer, names, shapes, dtype, rng):
    """Random weights for kerasmini -> tf.keras: non-trivial everywhere."""
    if layer != "BatchNormalization":
        return harness.random_weights(shapes, dtype, rng)
    out = []
    for name, shape in zip(names, shapes):
        if name == "moving_variance":
            w = rng.random(shape) * 2.0 + 0.05
        elif name == "gamma":
            w = rng.standard_normal(shape) * 0.7 + 1.0
        else:  # beta, moving_mean
            w = rng.standard_normal(shape)
        out.append(w.astype(dtype))
    return out


from conformance.reference import F32_ACTIVATIONS, f32 as _f32  # noqa: E402


def layer_reference(layer, args, x, weights, names=()):
    """The float64 reference of reference_conv_layers.py or reference_layers.py."""
    if reference_conv_layers.handles(layer, args):
        return reference_conv_layers.output(layer, args, x, weights, names)
    return reference_layers.output(layer, args, x, weights, names)


def float32_constants_reference(layer, args, x, weights, names):
    """The reference with the layer's float constants rounded to float32, or None when
    the layer has none. tf.keras does this in float64 (see README, divergences)."""
    a = dict(args)
    if layer == "LeakyReLU":
        a["negative_slope"] = _f32(a.get("negative_slope", 0.3))
    elif layer == "ReLU":
        for key, default in (("max_value", None), ("negative_slope", 0.0), ("threshold", 0.0)):
            a[key] = _f32(a.get(key, default))
    elif layer == "Rescaling":
        a["scale"], a["offset"] = _f32(a["scale"]), _f32(a.get("offset", 0.0))
    elif a.get("activation") in F32_ACTIVATIONS:
        pre = layer_reference(layer, dict(a, activation=None), x, weights, names) \
            if layer != "Activation" else np.asarray(x, np.float64)
        return F32_ACTIVATIONS[a["activation"]](pre)
    else:
        return None
    return layer_reference(layer, a, x, weights, names)


def classify(layer, args, tf_out, x, weights, names, rerun):
    """Name what tf.keras got wrong (the report groups the cases by cause)."""
    if isinstance(tf_out, BaseException):
        return None
    if harness.tf_changes_on_rerun(tf_out, rerun):
        return divergences.NONDETERMINISTIC
    dtype = tf_out.dtype.name
    if dtype == "float64":
        with np.errstate(all="ignore"):
            rounded = float32_constants_reference(layer, args, x, weights, names)
        if rounded is not None and harness.compare(tf_out, rounded, dtype)[0]:
            return divergences.FLOAT64_CONSTANTS
    if layer == "Conv1D" and args.get("data_format") == "channels_first" and len(weights) == 2:
        no_bias = reference_layers.conv1d(x, weights[0], None, args.get("strides", 1),
                                          args.get("padding", "valid"), "channels_first",
                                          args.get("dilation_rate", 1))
        if no_bias.shape[-1] == weights[1].shape[0]:
            with np.errstate(all="ignore"):
                wrong = reference.activation(
                    args.get("activation"), no_bias + weights[1].astype(np.float64))
            if harness.compare(tf_out, wrong, dtype)[0]:
                return divergences.CHANNELS_FIRST_BIAS["Conv1D"]
    kind = classify_conv_layer(layer, args, tf_out, x, weights, names)
    if kind:
        return kind
    if layer in ("MaxPooling1D", "GlobalMaxPooling2D"):
        xs = x if isinstance(x, list) else [x]
        if any(np.isnan(a).any() for a in xs):
            return divergences.MAXPOOL_NAN
        if any(np.isneginf(a).any() for a in xs):
            return divergences.MAXPOOL_NEG_INF
    return None


def classify_conv_layer(layer, args, tf_out, x, weights, names):
    """The divergence kinds of grids_conv_layers.py's layers, or None."""
    dtype = tf_out.dtype.name
    if not reference_conv_layers.handles(layer, args):
        return None
    if layer in divergences.RESIZING and dtype == "float64":
        ref = reference_conv_layers.output(layer, args, x, weights, names)
        if harness.compare(tf_out, ref, "float32")[0]:
            return divergences.FLOAT64_RESIZE
    bias = weights[-1] if weights and weights[-1].ndim == 1 else None
    if args.get("data_format") == "channels_first" and bias is not None:
        with np.errstate(all="ignore"):
            no_bias = reference_conv_layers.output(layer, dict(args, activation=None), x,
                                                   weights[:-1], names)
            if no_bias.shape[-1] == bias.shape[0]:
                wrong = reference.activation(args.get("activation"),
                                             no_bias + bias.astype(np.float64))
                if harness.compare(tf_out, wrong, dtype)[0]:
                    return divergences.CHANNELS_FIRST_BIAS_KIN
    return None


def grouped_conv1d_tf_shapes(layer, args, direction, shapes, seed):
    """The input shapes tf.keras runs (harness.check_values' tf_shapes hook).

    Grouped convolutions: Keras re-creates an XLA-compiled tf.function on every call on
    CPU (~0.4 s each for Conv1D; see harness.grouped_conv2d_tf_shapes). tf.keras runs a
    quarter of the grouped cases (chosen by the seed), km->tf, on one shape; kerasmini and
    the reference run every shape of every case."""
    if layer != "Conv1D" or args.get("groups", 1) <= 1:
        return [as_shape(s) for s in shapes]
    if direction == "km->tf" and seed % 4 == 0:
        return [as_shape(shapes[seed % len(shapes)])]
    return []


def check_dropout_identity(name, x, km_out, tf_out, where):
    """Dropout at inference is the identity, exactly, in both libraries (a tf.keras
    departure is recorded, not failed)."""
    if name != "Dropout":
        return
    assert np.array_equal(km_out, x, equal_nan=True), \
        f"{where}: kerasmini Dropout at inference is not the identity"
    if tf_out is not None and not isinstance(tf_out, BaseException) and \
            not np.array_equal(tf_out, x, equal_nan=True):
        harness.record_divergence("tf-dropout-not-identity", where, "")


# The model-building layers: their weights, references, divergence kinds, grouped-Conv1D
# budget and Dropout's identity; a weightless layer runs every shape.
MODEL_LAYERS = harness.LayerFamily(
    canonical=canonical, fresh_weights=layer_weights, reference=layer_reference,
    classify=classify, tf_shapes=grouped_conv1d_tf_shapes,
    extra_check=check_dropout_identity)


def check_layer_values(layer, args, dtype, shapes, seed, fill="normal"):
    """harness.check_values for the model-building layers (MODEL_LAYERS)."""
    return harness.check_values(layer, args, dtype, shapes, seed, fill, MODEL_LAYERS)


def _classes(cases):
    """Split the cases by layer, one TestCase class per layer (summary rows by name)."""
    by_layer = {}
    for case in cases:
        by_layer.setdefault(canonical(case[1]), []).append(case)
    return by_layer


_BY_LAYER = _classes(grids_layers.value_cases())


def _values_class(layer):
    class _T(unittest.TestCase):
        @parameterized.expand(_BY_LAYER.get(layer, []), name_func=case_name)
        def test(self, name, cls_name, args, dtype, shapes):
            check_layer_values(cls_name, args, dtype, shapes, seed_of(cls_name, name))
    _T.__name__ = _T.__qualname__ = f"Test{layer}Values"
    return _T


for _layer in _BY_LAYER:
    globals()[f"Test{_layer}Values"] = _values_class(_layer)


# ----- edge values: zeros, large, negative-only, +-inf, NaN on the pooling and activation
# layers (where a wrong pad value, a wrong identity or a dropped NaN shows) -----------------
EDGE_CONFIGS = [
    ("AveragePooling2D", dict(pool_size=3, strides=2, padding="same"), [(2, 5, 6, 2)]),
    ("AveragePooling2D", dict(pool_size=2, padding="valid", data_format="channels_first"),
     [(2, 2, 4, 5)]),
    ("MaxPooling1D", dict(pool_size=3, strides=2, padding="same"), [(2, 7, 3)]),
    ("GlobalAveragePooling2D", {}, [(2, 3, 4, 2)]),
    ("GlobalMaxPooling2D", dict(keepdims=True), [(2, 3, 4, 2)]),
    ("ZeroPadding2D", dict(padding=(1, 2)), [(2, 3, 3, 2)]),
    ("Cropping2D", dict(cropping=1), [(2, 4, 4, 2)]),
    ("ReLU", dict(max_value=6.0, negative_slope=0.1, threshold=0.5), [(4, 9)]),
    ("LeakyReLU", {}, [(4, 9)]),
    ("ELU", dict(alpha=0.5), [(4, 9)]),
    ("Add", {}, [[(3, 4)] * 2]),
    ("Concatenate", {}, [[(3, 4), (3, 2)]]),
    ("Dropout", dict(rate=0.5), [(4, 9)]),
]


def edge_cases():
    out = []
    for i, (layer, args, shapes) in enumerate(EDGE_CONFIGS):
        for fill in ("zeros", "large", "negative", "inf", "nan"):
            for dtype in ("float32", "float64"):
                out.append((f"{layer}_{i}_{fill}_{dtype}", layer, args, dtype, shapes, fill))
    return tiered(out)


class TestLayersEdgeValues(unittest.TestCase):
    @parameterized.expand(edge_cases(), name_func=case_name)
    def test(self, name, layer, args, dtype, shapes, fill):
        check_layer_values(layer, args, dtype, shapes, seed_of(layer, name), fill)


# ----- Dropout with training=True: the rules, not the masks --------------------------------
DROPOUT_TRAINING = [(r, n, dtype) for r in (0.0, 0.1, 0.5, 0.8)
                    for n in (None, (None, 1, 8)) for dtype in ("float32", "float64")] + \
                   [(0.5, None, "float16"), (1.0, None, "float32")]


def check_dropout_rules(out, x, rate, noise_shape, where):
    """Problems with one training=True output, or []."""
    problems = []
    out64, x64 = out.astype(np.float64), x.astype(np.float64)
    if rate == 0:
        if not np.array_equal(out, x):
            problems.append("rate=0 is not the identity")
        return problems
    if rate == 1:
        if not np.array_equal(out, np.zeros_like(x)):
            problems.append("rate=1 does not zero every element")
        return problems
    dropped = out64 == 0
    kept_ref = x64 / (1 - rate)
    ok, err, _, why = harness.compare(np.where(dropped, 0, out), np.where(dropped, 0, kept_ref),
                                      out.dtype.name)
    if not ok:
        problems.append(f"kept elements are not x / (1 - rate): {why}")
    mask = ~dropped
    if noise_shape is not None:
        axes = tuple(i for i, n in enumerate(noise_shape) if n == 1)
        if not np.all(mask == mask.take([0], axis=axes[0])):
            problems.append(f"mask not constant along noise_shape's unit axes {axes}")
        mask = mask.take([0], axis=axes[0])
    n = mask.size
    frac = 1 - mask.mean()
    sd = math.sqrt(rate * (1 - rate) / n)
    if abs(frac - rate) > 5 * sd:
        problems.append(f"dropped fraction {frac:.4f}, expected {rate} +- {5 * sd:.4f}")
    return problems


class TestDropoutTraining(unittest.TestCase):
    @parameterized.expand([(f"rate{r}_{'noise' if n else 'full'}_{d}", r, n, d)
                           for r, n, d in DROPOUT_TRAINING], name_func=case_name)
    def test(self, name, rate, noise_shape, dtype):
        note("Dropout", dtype, "values")
        rng = np.random.default_rng(seed_of("DropoutTraining", name))
        x = (rng.standard_normal((64, 40, 8)) + 3.0).astype(dtype)  # no exact zeros
        args = dict(rate=rate, seed=7) if noise_shape is None else \
            dict(rate=rate, noise_shape=noise_shape, seed=7)
        where = describe("Dropout", args, dtype, x.shape) + " training=True"
        t, m = make_tf("Dropout", dict(args, dtype=dtype)), make_km("Dropout", dict(args, dtype=dtype))
        km_out = m(x, training=True)
        tf_out = np.asarray(t(x, training=True))
        harness.record_error(0.0, 0.0)
        harness.record_error(0.0, 0.0)
        assert km_out.dtype == np.dtype(dtype) and km_out.shape == x.shape, where
        problems = check_dropout_rules(km_out, x, rate, noise_shape, where)
        if problems:
            harness.fail(f"kerasmini: {where}: " + "; ".join(problems))
        tf_problems = check_dropout_rules(tf_out, x, rate, noise_shape, where)
        if tf_problems:
            harness.record_divergence("tf-dropout-training-rules", where, "; ".join(tf_problems))
        # two calls draw two different masks (a layer does not repeat its mask)
        if 0 < rate < 1 and np.array_equal(m(x, training=True), km_out):
            harness.fail(f"kerasmini: {where}: two training calls gave the same mask")


# ----- BatchNormalization with training=True ------------------------------------------------
BN_TRAINING = [(axis, shape, momentum, dtype)
               for axis, shape in ((-1, (8, 5)), (1, (4, 3, 5, 2)), (-1, (3, 4, 5, 6)),
                                   (2, (3, 4, 5)))
               for momentum in (0.99, 0.5) for dtype in ("float32", "float64")]


class TestBatchNormalizationTraining(unittest.TestCase):
    @parameterized.expand([(f"axis{a}_rank{len(s)}_m{mo}_{d}", a, s, mo, d)
                           for a, s, mo, d in BN_TRAINING], name_func=case_name)
    def test(self, name, axis, shape, momentum, dtype):
        note("BatchNormalization", dtype, "values")
        seed = seed_of("BNTraining", name)
        rng = np.random.default_rng(seed)
        args = dict(axis=axis, momentum=momentum, epsilon=1e-3)
        t = make_tf("BatchNormalization", dict(args, dtype=dtype))
        m = make_km("BatchNormalization", dict(args, dtype=dtype))
        t.build(shape)
        m.build(shape)
        names = [w.name for w in m.weights]
        weights = layer_weights("BatchNormalization", names, [w.shape for w in m.get_weights()],
                                dtype, rng)
        m.set_weights(weights)
        t.set_weights(weights)
        x = (rng.standard_normal(shape) * 2 + 1).astype(dtype)
        where = describe("BatchNormalization", args, dtype, shape, seed) + " training=True"
        w = dict(zip(names, [v.astype(np.float64) for v in weights]))
        mean, var = reference_layers.batch_moments(x, axis)
        ref = reference_layers.batch_norm(x, axis, 1e-3, w["gamma"], w["beta"], mean, var)
        three_way(m(x, training=True), np.asarray(t(x, training=True)), ref, dtype, where)
        km_after = dict(zip(names, m.get_weights()))
        tf_after = dict(zip(names, [np.asarray(v) for v in t.get_weights()]))
        for stat, batch in (("moving_mean", mean), ("moving_variance", var)):
            ref_stat = w[stat] * momentum + batch * (1 - momentum)
            three_way(km_after[stat], tf_after[stat], ref_stat, dtype, where + f" {stat}")
