"""keras.ops in kerasmini, NumPy only: each case of tests/ops_table.py against an
independent NumPy formula where kerasmini composes the op of others, and its gradient
against float64 central differences (tests/gradcheck.py); ops with index, bool or
constant outputs give no gradient. Keras's dtype rules are checked on their own table."""
import functools
import unittest

import numpy as np
from parameterized import parameterized

from kerasmini import GradientTape, Variable, ops
from tests.gradcheck import TOLERANCE, numeric_gradient
from tests.ops_table import (CASES, call, case_inputs, float_arrays, leading, make_inputs,
                             outputs, split_kwargs)


def _call(op, arrays, kwargs):
    return call(ops, op, arrays, kwargs)


_inputs, _float_arrays = case_inputs, float_arrays


def _weighted_sum(results, weights):
    return sum(np.sum(r * w) for r, w in zip(results, weights))


def case_name(func, num, param):
    return f"{func.__name__}_{param.args[0]}"


class OpsValuesTest(unittest.TestCase):
    @parameterized.expand([c[:4] + (c[5],) for c in CASES if c[5] is not None],
                          name_func=case_name)
    def test_against_numpy(self, name, op, inputs, kwargs, reference):
        _, pick, _ = split_kwargs(kwargs)
        args = _inputs(inputs)
        got = outputs(_call(op, args, kwargs), pick)
        kwargs = split_kwargs(kwargs)[0]
        expected = outputs(reference(*leading(kwargs), *args, **kwargs), pick)
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12, err_msg=name)


class OpsGradientsTest(unittest.TestCase):
    @parameterized.expand([c[:4] for c in CASES if c[4]], name_func=case_name)
    def test_against_finite_differences(self, name, op, inputs, kwargs):
        pick = split_kwargs(kwargs)[1]
        args = _inputs(inputs)
        sources = _float_arrays(args)
        rng = np.random.default_rng(1)
        weights = [rng.standard_normal(np.shape(r))
                   for r in outputs(_call(op, args, kwargs), pick)]

        def loss():
            return float(_weighted_sum(outputs(_call(op, args, kwargs), pick), weights))

        with GradientTape() as tape:
            tape.watch(sources)
            total = _weighted_sum(outputs(_call(op, args, kwargs), pick), weights)
        grads = tape.gradient(total, sources)
        for i, (source, grad) in enumerate(zip(sources, grads)):
            expected = numeric_gradient(loss, source)
            self.assertIsNotNone(grad, f"{name}: no gradient for input {i}")
            scale = max(float(np.max(np.abs(expected))), 1e-3)
            error = float(np.max(np.abs(grad - expected)))
            self.assertLessEqual(error, TOLERANCE * scale + 1e-9,
                                 f"{name}: input {i}: max error {error:.3g} (scale {scale:.3g})")

    @parameterized.expand([c[:4] for c in CASES if not c[4] and _float_arrays(
        _inputs(c[2]))], name_func=case_name)
    def test_no_gradient(self, name, op, inputs, kwargs):
        """Index, bool and rounded outputs are constants: None, never a zero."""
        pick = split_kwargs(kwargs)[1]
        args = _inputs(inputs)
        sources = _float_arrays(args)
        with GradientTape() as tape:
            tape.watch(sources)
            results = outputs(_call(op, args, kwargs), pick)
            total = _weighted_sum([np.asarray(r, "float64") for r in results],
                                  [1.0] * len(results))
        self.assertEqual(tape.gradient(total, sources), [None] * len(sources))


class OpsGradientDetailsTest(unittest.TestCase):
    def test_eigh_eigenvectors_gradient(self):
        x = make_inputs([((4, 4), "spd")])[0]
        weights = np.random.default_rng(2).standard_normal((4, 4))

        def loss():  # the sign convention is LAPACK's throughout, so this is smooth
            return float(np.sum(np.linalg.eigh(x)[1] * weights))

        with GradientTape() as tape:
            tape.watch(x)
            total = np.sum(ops.eigh(x)[1] * weights)
        np.testing.assert_allclose(tape.gradient(total, x), numeric_gradient(loss, x),
                                   atol=1e-7)

    def test_prod_gradient_with_a_zero(self):
        x = np.array([[2.0, 0.0, 3.0], [1.0, 4.0, 5.0]])
        with GradientTape() as tape:
            tape.watch(x)
            total = np.sum(ops.prod(x, axis=1))
        np.testing.assert_array_equal(tape.gradient(total, x),
                                      [[0.0, 6.0, 0.0], [20.0, 5.0, 4.0]])

    def test_factorizations_without_rule_raise(self):
        x = make_inputs([((3, 3), "spd")])[0]
        for name, pick in (("qr", 0), ("svd", 1), ("eig", 0)):
            with GradientTape() as tape:
                tape.watch(x)
                total = np.sum(getattr(ops, name)(x)[pick])
            with self.assertRaisesRegex(LookupError, f"'{name}'"):
                tape.gradient(total, x)

    def test_batch_normalization_takes_keras_arguments(self):
        # keras.ops.batch_normalization(x, mean, variance, axis, offset, scale, epsilon):
        # the given statistics, per feature along `axis`, element by element
        rng = np.random.default_rng(2)
        x, mean, offset, scale = (rng.standard_normal(s) for s in ((3, 4, 2), 4, 4, 4))
        variance = rng.uniform(0.5, 2.0, 4)
        got = ops.batch_normalization(x, mean, variance, 1, offset=offset, scale=scale,
                                      epsilon=0.01)
        expected = np.empty_like(x)
        for i, j, k in np.ndindex(*x.shape):
            expected[i, j, k] = ((x[i, j, k] - mean[j]) / np.sqrt(variance[j] + 0.01)
                                 * scale[j] + offset[j])
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
        bare = ops.batch_normalization(x[..., 0], mean, variance, axis=-1)
        np.testing.assert_allclose(bare, (x[..., 0] - mean) / np.sqrt(variance + 1e-3),
                                   rtol=1e-12, atol=1e-12)

    def test_variable_and_custom_gradient(self):
        v = Variable(np.array([1.0, 2.0, 3.0]))

        @ops.custom_gradient
        def doubled_gradient(x):
            return x * 3.0, lambda upstream: upstream * 2.0

        with GradientTape() as tape:
            total = ops.sum(doubled_gradient(v) + ops.sin(v))
        np.testing.assert_allclose(tape.gradient(total, v), 2.0 + np.cos([1.0, 2.0, 3.0]))

    def test_slice_update(self):
        x, update = np.arange(12.0).reshape(3, 4), np.full((2, 2), -1.0)
        with GradientTape() as tape:
            tape.watch([x, update])
            out = ops.slice_update(x, (1, 2), update)
            total = ops.sum(out * np.arange(12.0).reshape(3, 4))
        expected = x.copy()
        expected[1:3, 2:4] = -1.0
        np.testing.assert_array_equal(out, expected)
        grad_x, grad_update = tape.gradient(total, [x, update])
        mask = np.ones((3, 4))
        mask[1:3, 2:4] = 0
        np.testing.assert_array_equal(grad_x, mask * np.arange(12.0).reshape(3, 4))
        np.testing.assert_array_equal(grad_update, [[6.0, 7.0], [10.0, 11.0]])

    def test_stop_gradient(self):
        x = np.ones(3)
        with GradientTape() as tape:
            x = tape.watch(x)  # NumPy arithmetic on x is then recorded too
            total = ops.sum(ops.stop_gradient(x * 2.0) * x)
        np.testing.assert_array_equal(tape.gradient(total, x), [2.0, 2.0, 2.0])


# Keras 3's dtype rules, from its documentation (keras.backend.result_type) and source
DTYPES = [
    ("int32+float32", lambda: ops.add(np.ones(2, "int32"), np.ones(2, "float32")), "float32"),
    ("int32+python_float", lambda: ops.add(np.ones(2, "int32"), 2.5), "float32"),
    ("float16+python_int", lambda: ops.multiply(np.ones(2, "float16"), 3), "float16"),
    ("uint8+int8", lambda: ops.add(np.ones(2, "uint8"), np.ones(2, "int8")), "int16"),
    ("list_of_ints", lambda: ops.convert_to_tensor([1, 2]), "int32"),
    ("list_of_floats", lambda: ops.convert_to_tensor([1, 2.5]), "float32"),
    ("mean_of_ints", lambda: ops.mean(np.arange(4, dtype="int32")), "float32"),
    ("sqrt_of_ints", lambda: ops.sqrt(np.arange(4, dtype="int32")), "float32"),
    ("divide_ints", lambda: ops.divide(np.ones(2, "int32"), np.ones(2, "int32")), "float32"),
    ("sum_of_bools", lambda: ops.sum(np.ones(2, bool)), "int32"),
    ("argmax", lambda: ops.argmax(np.ones((2, 3))), "int32"),
    ("arange_ints", lambda: ops.arange(5), "int32"),
    ("arange_float", lambda: ops.arange(0, 5, 0.5), "float32"),
    ("linspace", lambda: ops.linspace(0, 1, 5), "float32"),
    ("zeros", lambda: ops.zeros((2,)), "float32"),
    ("ones_like_int", lambda: ops.ones_like(np.ones(2, "int32")), "int32"),
    ("comparison", lambda: ops.less(np.ones(2), 2), "bool"),
    ("float64_kept", lambda: ops.exp(np.ones(2)), "float64"),
]


class OpsDtypeTest(unittest.TestCase):
    @parameterized.expand(DTYPES)
    def test_keras_dtype(self, _, compute, dtype):
        self.assertEqual(np.asarray(compute()).dtype.name, dtype)


class OpsArgumentsTest(unittest.TestCase):
    """Arguments and defaults that no value case reaches (the table passes them all)."""

    def test_quantile_refuses_q_outside_the_unit_interval(self):
        x = np.arange(6.0)
        for q in (-0.5, -1e-9, 1.5, [0.5, 1.0 + 1e-9]):
            with self.assertRaisesRegex(ValueError, "q="):
                ops.quantile(x, q)
        for method in ("linear", "lower", "higher", "midpoint", "nearest"):
            np.testing.assert_array_equal(ops.quantile(x, [0.0, 1.0], method=method), [0, 5])

    def test_where_needs_both_branches_or_neither(self):
        condition = np.array([True, False])
        for branches in ({"x1": np.ones(2)}, {"x2": np.ones(2)}):
            with self.assertRaisesRegex(ValueError, "x1"):
                ops.where(condition, **branches)
        np.testing.assert_array_equal(ops.where(condition)[0], [0])

    def test_defaults_of_round_and_isclose(self):
        np.testing.assert_array_equal(ops.round(np.array([1.26, -2.5])), [1.0, -2.0])
        a = np.array([0.0, 1.0, 1.0, 100.0])
        b = np.array([5e-9, 1.0 + 2e-5, 1.0 + 9e-6, 100.0 + 9e-4])  # atol 1e-8, rtol 1e-5
        np.testing.assert_array_equal(ops.isclose(a, b), [True, False, True, True])
        self.assertTrue(ops.allclose(a[[0, 2, 3]], b[[0, 2, 3]]))
        self.assertFalse(ops.allclose(a[:1], a[:1] + 2e-8))

    def test_reductions_drop_the_axis_and_sorts_run_along_the_last_by_default(self):
        x = np.random.default_rng(4).standard_normal((3, 4))
        x[0, 1] = np.nan
        for name in ("nanmax", "nanmin", "nansum", "nanmean", "max", "min", "sum",
                     "mean", "prod", "std", "var", "any", "all", "median", "argmax"):
            got, expected = getattr(ops, name)(x, axis=1), getattr(np, name)(x, axis=1)
            np.testing.assert_allclose(got, expected, rtol=1e-12, err_msg=name)
            got, expected = getattr(ops, name)(x), getattr(np, name)(x)
            np.testing.assert_allclose(got, expected, rtol=1e-12, err_msg=name)
        np.testing.assert_array_equal(ops.sort(x[1:]), np.sort(x[1:]))
        np.testing.assert_array_equal(ops.argsort(x[1:]), np.argsort(x[1:]))
        y = np.random.default_rng(5).standard_normal((3, 4, 2))
        np.testing.assert_allclose(ops.tensordot(y, y.transpose(1, 2, 0)),
                                   np.tensordot(y, y.transpose(1, 2, 0)), rtol=1e-12)

    def test_a_lane_holding_nan_has_nan_quantiles(self):
        # NaN sorts last: without care the quantile would be that of the other values
        x = np.random.default_rng(6).standard_normal((3, 5))
        x[0, 2], x[2, 4] = np.nan, np.nan
        close = functools.partial(np.testing.assert_allclose, rtol=1e-14, atol=1e-14)
        for axis in (0, 1, None):  # (equal_nan: NaN where NumPy has NaN)
            close(ops.median(x, axis=axis), np.median(x, axis=axis))
            for method in ("linear", "lower", "higher", "midpoint", "nearest"):
                close(ops.quantile(x, [0.2, 0.5], axis=axis, method=method),
                      np.quantile(x, [0.2, 0.5], axis=axis, method=method))
            close(ops.percentile(x, 30, axis=axis, keepdims=True),
                  np.percentile(x, 30, axis=axis, keepdims=True))

    def test_dense_tensors_only_and_arange_steps_by_one(self):
        for name in ("sparse", "ragged"):
            with self.assertRaisesRegex(ValueError, name):
                ops.convert_to_tensor([1.0], **{name: True})
        self.assertEqual(ops.convert_to_tensor([1, 2], sparse=False, ragged=None).dtype,
                         np.int32)
        np.testing.assert_array_equal(ops.arange(2, 5), [2, 3, 4])

