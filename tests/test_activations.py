"""kerasmini.activations against scalar float64 formulas written with the math module."""
import math
import unittest

import numpy as np
from parameterized import parameterized

from kerasmini import activations, config
from tests.reference import sparsemax_ref

# The exact constants of the definitions.
INV_SQRT2 = math.sqrt(0.5)
GELU_CUBIC = 0.044715
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def sigmoid_ref(v):
    return 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))


def softplus_ref(v):
    return max(v, 0.0) + math.log1p(math.exp(-abs(v)))


def relu_ref(v, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's relu: x above the threshold (0 below), clipped to [0, max_value], then
    negative_slope * (x - threshold) added below the threshold."""
    out = v if v > threshold else 0.0
    if max_value is not None:
        out = min(max(out, 0.0), max_value)
    return out - negative_slope * max(threshold - v, 0.0)


# name -> (reference for one float, kwargs)
ELEMENTWISE = {
    "relu": (lambda v: max(v, 0.0), {}),
    "leaky_relu": (lambda v: v if v > 0 else 0.2 * v, {}),
    "relu6": (lambda v: min(max(v, 0.0), 6.0), {}),
    "elu": (lambda v: v if v > 0 else 0.7 * math.expm1(v), {"alpha": 0.7}),
    "selu": (lambda v: SELU_SCALE * (v if v > 0 else SELU_ALPHA * math.expm1(v)), {}),
    "celu": (lambda v: max(v, 0.0) + 2.0 * math.expm1(min(v, 0.0) / 2.0), {"alpha": 2.0}),
    "softplus": (softplus_ref, {}),
    "softsign": (lambda v: v / (abs(v) + 1), {}),
    "soft_shrink": (lambda v: v - 0.5 if v > 0.5 else (v + 0.5 if v < -0.5 else 0.0), {}),
    "hard_shrink": (lambda v: v if abs(v) > 0.5 else 0.0, {}),
    "threshold": (lambda v: v if v > 0.25 else -1.0, {"threshold": 0.25, "default_value": -1.0}),
    "sparse_plus": (lambda v: 0.0 if v <= -1 else ((v + 1) ** 2 / 4 if v < 1 else v), {}),
    "squareplus": (lambda v: (v + math.sqrt(v * v + 4)) / 2, {}),
    "sigmoid": (sigmoid_ref, {}),
    "log_sigmoid": (lambda v: -softplus_ref(-v), {}),
    "sparse_sigmoid": (lambda v: 0.0 if v <= -1 else (1.0 if v >= 1 else (v + 1) / 2), {}),
    "hard_sigmoid": (lambda v: min(max(v + 3, 0.0), 6.0) / 6, {}),
    "hard_silu": (lambda v: v * min(max(v + 3, 0.0), 6.0) / 6, {}),
    "silu": (lambda v: v * sigmoid_ref(v), {}),
    "gelu": (lambda v: 0.5 * v * math.erfc(-v * INV_SQRT2), {}),
    "tanh": (math.tanh, {}),
    "tanh_shrink": (lambda v: v - math.tanh(v), {}),
    "hard_tanh": (lambda v: min(max(v, -1.0), 1.0), {}),
    "exponential": (math.exp, {}),
    "mish": (lambda v: v * math.tanh(softplus_ref(v)), {}),
    "linear": (lambda v: v, {}),
}

X = np.concatenate([np.linspace(-8, 8, 161), [-30.0, -3.0, -1.0, 0.0, 1.0, 3.0, 30.0, 1e-9, -1e-9]])


def assert_close(actual, expected, rtol, atol, context):
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, f"{context}: shape {actual.shape} != {expected.shape}"
    err = np.abs(actual - expected)
    bad = err > atol + rtol * np.abs(expected)
    if bad.any():
        i = np.argmax(np.where(bad, err, -1))
        raise AssertionError(
            f"{context}: {bad.sum()} of {bad.size} values off, max error {err.max():.3g}; "
            f"e.g. got {actual.flat[i]!r}, expected {expected.flat[i]!r} (shape {actual.shape})"
        )


class ElementwiseTest(unittest.TestCase):
    @parameterized.expand(sorted(ELEMENTWISE))
    def test_float64_matches_formula(self, name):
        ref, kwargs = ELEMENTWISE[name]
        got = getattr(activations, name)(X, **kwargs)
        expected = [ref(v) for v in X]
        assert_close(got, expected, 1e-14, 1e-15, f"{name}({kwargs}) float64")

    @parameterized.expand([(n, d) for n in sorted(ELEMENTWISE) if n != "linear"
                           for d in ("float16", "float32", "float64")])
    def test_keeps_dtype(self, name, dtype):
        ref, kwargs = ELEMENTWISE[name]
        x = X[np.abs(X) < 10].astype(dtype)
        got = getattr(activations, name)(x, **kwargs)
        self.assertEqual(got.dtype, np.dtype(dtype))
        tol = {"float16": 2e-3, "float32": 1e-6, "float64": 1e-14}[dtype]
        expected = [ref(float(v)) for v in x]
        assert_close(got, expected, tol, tol, f"{name} {dtype}")

    def test_int_input_becomes_floatx(self):
        self.assertEqual(activations.relu(np.array([-1, 2])).dtype, np.dtype(config.floatx()))

    def test_gelu_is_the_normal_cdf(self):
        for v in X:
            exact = 0.5 * v * math.erfc(-v / math.sqrt(2))
            got = float(activations.gelu(np.array([v]))[0])
            # rounding x/sqrt(2) by 1 ulp moves erfc(u) by ~2u^2 ulps in relative terms
            self.assertLessEqual(abs(got - exact), 1e-15 * (1 + v * v) * abs(exact), v)

    def test_gelu_approximate(self):
        got = activations.gelu(X, approximate=True)
        expected = [0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + GELU_CUBIC * v**3)))
                    for v in X]
        assert_close(got, expected, 1e-14, 1e-15, "gelu approximate")

    @parameterized.expand([
        ({},), ({"negative_slope": 0.1},), ({"max_value": 5.0},), ({"threshold": 2.0},),
        ({"negative_slope": 0.3, "max_value": 4.0, "threshold": 1.0},),
        ({"negative_slope": 0.2, "threshold": -1.0},), ({"max_value": 6.0},),
    ])
    def test_relu_options(self, kwargs):
        got = activations.relu(X, **kwargs)
        expected = [relu_ref(v, **kwargs) for v in X]
        assert_close(got, expected, 1e-15, 1e-15, f"relu {kwargs}")

    def test_large_inputs_do_not_overflow(self):
        x = np.array([-1000.0, -50.0, 50.0, 1000.0])
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            np.testing.assert_array_equal(activations.sigmoid(x), [0.0, math.exp(-50) / (1 + math.exp(-50)),
                                                                  1 / (1 + math.exp(-50)), 1.0])
            np.testing.assert_array_equal(activations.softplus(x)[[0, 3]], [0.0, 1000.0])
            np.testing.assert_array_equal(activations.log_sigmoid(x)[[0, 3]], [-1000.0, 0.0])
            self.assertTrue(np.isfinite(activations.mish(x)).all())
            self.assertTrue(np.isfinite(activations.elu(x)).all())

    def test_float16_is_computed_in_float32(self):
        x = np.array([300.0], np.float16)  # x*x overflows float16, not float32
        self.assertEqual(float(activations.squareplus(x)[0]), 300.0)


def softmax_ref(row):
    m = max(row)
    e = [math.exp(v - m) for v in row]
    s = math.fsum(e)
    return [v / s for v in e]


class AlongAxisTest(unittest.TestCase):
    def setUp(self):
        self.x = np.random.default_rng(0).normal(0, 3, (4, 5, 6))

    @parameterized.expand([(0,), (1,), (-1,)])
    def test_softmax_and_log_softmax(self, axis):
        got, got_log = activations.softmax(self.x, axis=axis), activations.log_softmax(self.x, axis=axis)
        moved = np.moveaxis(self.x, axis, -1)
        expected = np.array([softmax_ref(row) for row in moved.reshape(-1, moved.shape[-1])])
        expected = np.moveaxis(expected.reshape(moved.shape), -1, axis)
        assert_close(got, expected, 1e-14, 1e-16, f"softmax axis={axis}")
        assert_close(got_log, np.log(expected), 1e-13, 1e-14, f"log_softmax axis={axis}")

    def test_softmax_huge_logits(self):
        got = activations.softmax(np.array([[1000.0, 1000.0, -1000.0]]))
        np.testing.assert_allclose(got, [[0.5, 0.5, 0.0]])
        got_log = activations.log_softmax(np.array([[1000.0, 1000.0, -1000.0]]))
        np.testing.assert_allclose(got_log, [[-np.log(2), -np.log(2), -2000 - np.log(2)]])

    def test_softmax_axis_none_is_over_everything(self):
        got = activations.softmax(self.x, axis=None)
        self.assertAlmostEqual(float(got.sum()), 1.0, places=12)

    @parameterized.expand([(0,), (-1,)])
    def test_glu(self, axis):
        x = np.random.default_rng(1).normal(size=(4, 6))
        a, b = np.split(x, 2, axis=axis)
        expected = a * np.vectorize(sigmoid_ref)(b)
        assert_close(activations.glu(x, axis=axis), expected, 1e-15, 1e-16, f"glu axis={axis}")

    def test_glu_odd_size_raises(self):
        with self.assertRaisesRegex(ValueError, "divisible by 2"):
            activations.glu(np.zeros((2, 3)))

    @parameterized.expand([(0,), (-1,)])
    def test_sparsemax(self, axis):
        x = np.random.default_rng(2).normal(size=(5, 7))
        got = activations.sparsemax(x, axis=axis)
        moved = np.moveaxis(x, axis, -1)
        expected = np.moveaxis(np.array([sparsemax_ref(list(r)) for r in moved]), -1, axis)
        assert_close(got, expected, 1e-14, 1e-15, f"sparsemax axis={axis}")
        np.testing.assert_allclose(got.sum(axis=axis), 1.0)


class ErfTest(unittest.TestCase):
    def test_erf_and_erfc_to_float64_precision(self):
        x = np.concatenate([np.linspace(-27, 27, 5401), [0.0, 1e-300, 6.0, 6.0 + 1e-12, 5.97]])
        erf, erfc = activations.erf(x), activations.erfc(x)
        ref_erf = np.array([math.erf(v) for v in x])
        ref_erfc = np.array([math.erfc(v) for v in x])
        assert_close(erf, ref_erf, 1e-15, 1e-300, "erf")
        normal = ref_erfc > 1e-307  # below that, results are subnormal and lose bits
        assert_close(erfc[normal], ref_erfc[normal], 2e-15, 0.0, "erfc")

    def test_special_values(self):
        x = np.array([np.inf, -np.inf, np.nan, 40.0])
        np.testing.assert_array_equal(activations.erf(x)[[0, 1, 3]], [1.0, -1.0, 1.0])
        np.testing.assert_array_equal(activations.erfc(x)[[0, 1, 3]], [0.0, 2.0, 0.0])
        self.assertTrue(np.isnan(activations.erf(x)[2]) and np.isnan(activations.erfc(x)[2]))


class NamesTest(unittest.TestCase):
    KERAS_NAMES = [
        "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
        "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
        "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus",
        "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh",
        "tanh_shrink", "threshold",
    ]

    def test_every_keras_name(self):
        self.assertEqual(sorted(activations.ALL_OBJECTS_DICT), sorted(self.KERAS_NAMES))

    @parameterized.expand([(n,) for n in KERAS_NAMES])
    def test_get_serialize_round_trip(self, name):
        fn = activations.get(name)
        self.assertIs(fn, getattr(activations, name))
        saved = activations.serialize(fn)
        self.assertIsInstance(saved, str)
        self.assertIs(activations.get(saved), fn)
        self.assertIs(activations.deserialize(saved), fn)

    def test_aliases_serialize_to_canonical_names(self):
        self.assertEqual(activations.serialize(activations.get("swish")), "silu")
        self.assertEqual(activations.serialize(activations.get("hard_swish")), "hard_silu")

    def test_get_other_identifiers(self):
        self.assertIs(activations.get(None), activations.linear)
        custom = lambda x: x * 2  # noqa: E731
        self.assertIs(activations.get(custom), custom)
        saved = {"module": "keras.activations", "class_name": "function", "config": "relu",
                 "registered_name": "relu"}
        self.assertIs(activations.get(saved), activations.relu)

    @parameterized.expand([("foo",), ("Relu",), (3,)])
    def test_unknown_identifier(self, identifier):
        with self.assertRaisesRegex(ValueError, f"Could not interpret activation function identifier: {identifier}$"):
            activations.get(identifier)

    def test_unknown_function_in_config(self):
        with self.assertRaisesRegex(ValueError, "Could not interpret activation function"):
            activations.get({"class_name": "function", "config": "os.system", "module": "builtins"})

    def test_serialize_unknown_function_raises(self):
        with self.assertRaisesRegex(ValueError, "cannot be serialized"):
            activations.serialize(lambda x: x)


if __name__ == "__main__":
    unittest.main()
