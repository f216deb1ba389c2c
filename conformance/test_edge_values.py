"""Edge-value inputs: zeros, large magnitudes, negative-only, +-inf, NaN; and zero batch.

Non-finite entries must match the reference exactly (same NaN positions, same signed
infinities). Where tf.keras deviates (its max pooling ignores NaN, and turns an all -inf
window into the lowest finite float), kerasmini stays with the reference (IEEE max, as
NumPy) and the case is recorded as a named TensorFlow divergence.
"""
import unittest

import numpy as np
from parameterized import parameterized

from conformance import harness
from conformance.grids import nhwc_or_nchw, tiered
from conformance.harness import check_values, seed_of

EDGE_FILLS = ("zeros", "large", "negative", "inf", "nan")

CONV = [dict(filters=4, kernel_size=3, padding="same", data_format="channels_last"),
        dict(filters=3, kernel_size=(4, 3), strides=2, padding="same",
             data_format="channels_first", activation="relu"),
        dict(filters=4, kernel_size=2, padding="valid", groups=2, use_bias=False,
             data_format="channels_last"),
        dict(filters=2, kernel_size=3, dilation_rate=2, padding="valid",
             data_format="channels_first", activation="tanh")]
POOL = [dict(pool_size=2, padding="valid", data_format="channels_last"),
        dict(pool_size=3, strides=2, padding="same", data_format="channels_first"),
        dict(pool_size=(2, 3), strides=1, padding="same", data_format="channels_last"),
        dict(pool_size=3, padding="same", data_format="channels_last")]
DENSE = [(dict(units=4), [(3, 5)]), (dict(units=3, activation="sigmoid"), [(2, 3, 2, 4)])]


def _cases():
    out = []
    for fill in EDGE_FILLS:
        for dtype in ("float32", "float64", "float16"):
            for i, args in enumerate(CONV):
                if dtype != "float32" and args["data_format"] == "channels_first":
                    continue  # no float64 NCHW conv in TF on CPU; float16 kept small
                c = 4 if args.get("groups") else 3
                shapes = [nhwc_or_nchw(2, 7, 8, c, args["data_format"]),
                          nhwc_or_nchw(1, 5, 5, c, args["data_format"])]
                out.append((f"Conv2D_{i}_{fill}_{dtype}", "Conv2D", args, dtype, shapes, fill))
            for i, args in enumerate(POOL):
                shapes = [nhwc_or_nchw(2, 7, 8, 3, args["data_format"]),
                          nhwc_or_nchw(1, 4, 3, 2, args["data_format"])]
                out.append((f"MaxPool2D_{i}_{fill}_{dtype}", "MaxPool2D", args, dtype, shapes,
                            fill))
            for i, (args, shapes) in enumerate(DENSE):
                out.append((f"Dense_{i}_{fill}_{dtype}", "Dense", args, dtype, shapes, fill))
    return out


def _sort_key(case):
    return case[1]


def case_name(func, num, param):
    return f"{func.__name__}_{param.args[0]}"


class TestConv2DEdgeValues(unittest.TestCase):
    @parameterized.expand(tiered([c for c in _cases() if c[1] == "Conv2D"], 4),
                          name_func=case_name)
    def test(self, name, layer, args, dtype, shapes, fill):
        check_values(layer, args, dtype, shapes, seed_of(name), fill=fill)


class TestMaxPool2DEdgeValues(unittest.TestCase):
    @parameterized.expand(tiered([c for c in _cases() if c[1] == "MaxPool2D"], 4),
                          name_func=case_name)
    def test(self, name, layer, args, dtype, shapes, fill):
        check_values(layer, args, dtype, shapes, seed_of(name), fill=fill)

    def test_all_neg_inf_window(self):
        """An all -inf window: IEEE max is -inf (tf.keras: the lowest finite float)."""
        shapes = [(1, 4, 4, 1)]
        harness.note("MaxPool2D", "float32", "values")
        m = harness.make_km("MaxPool2D", {})
        t = harness.make_tf("MaxPool2D", {})
        x = np.full(shapes[0], -np.inf, np.float32)
        ref = harness.reference_output("MaxPool2D", {}, x, [])
        harness.three_way(m(x), harness.run_tf(t, x), ref, "float32",
                          "MaxPool2D() all -inf input (1, 4, 4, 1)",
                          lambda out: "tf-maxpool-neg-inf-becomes-lowest-finite")


class TestDenseEdgeValues(unittest.TestCase):
    @parameterized.expand(tiered([c for c in _cases() if c[1] == "Dense"], 4),
                          name_func=case_name)
    def test(self, name, layer, args, dtype, shapes, fill):
        check_values(layer, args, dtype, shapes, seed_of(name), fill=fill)


ZERO_BATCH = [("Conv2D", dict(filters=2, kernel_size=3), (0, 5, 5, 1)),
              ("Conv2D", dict(filters=2, kernel_size=3, strides=2, padding="same"),
               (0, 6, 7, 3)),
              ("MaxPool2D", dict(pool_size=2), (0, 4, 6, 2)),
              ("Dense", dict(units=3), (0, 4)),
              ("Dense", dict(units=3), (2, 0, 4))]


class TestZeroBatch(unittest.TestCase):
    """A zero-size batch: the output shape is compute_output_shape's, as Keras documents.

    tf.keras's Conv2D returns the *input's* spatial shape for an empty batch (an accident of
    TF's empty-tensor fast path): recorded as a divergence, kerasmini follows the contract."""

    @parameterized.expand([(f"{layer}_{i}", layer, args, shape)
                           for i, (layer, args, shape) in enumerate(ZERO_BATCH)],
                          name_func=case_name)
    def test(self, name, layer, args, shape):
        harness.note(layer, "float32", "values")
        where = harness.describe(layer, args, "float32", shape)
        t, m = harness.make_tf(layer, args), harness.make_km(layer, args)
        x = np.zeros(shape, np.float32)
        km_out = m(x)
        contract = tuple(t.compute_output_shape(shape))
        self.assertEqual(km_out.shape, contract, where)
        self.assertEqual(tuple(m.compute_output_shape(shape)), contract, where)
        harness.record_error(0.0, 0.0)
        tf_out = harness.run_tf(t, x)
        if isinstance(tf_out, BaseException) or tf_out.shape != contract:
            got = type(tf_out).__name__ if isinstance(tf_out, BaseException) else tf_out.shape
            kind = ("tf-zero-batch-conv-output-shape" if layer == "Conv2D"
                    else f"tf-zero-batch-{layer.lower()}")
            harness.record_divergence(kind, where, f"tf.keras output {got}, "
                                      f"compute_output_shape {contract}")
