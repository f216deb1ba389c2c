"""The error catalogue at the ops level: every check in kerasmini.ops, one case each, so
that deleting a check fails a test; and what ops accept that layers also accept
(padding in any case)."""
import unittest

import numpy as np
from parameterized import parameterized

from kerasmini import ops
from kerasmini.ops import differentiable_kernels as kernels

X = np.random.default_rng(0).random((1, 6, 6, 2)).astype("float32")
K = np.random.default_rng(1).random((3, 3, 2, 4)).astype("float32")
M = np.random.default_rng(2).standard_normal((3, 4))

OPS_ERRORS = [
    ("conv_padding", lambda: ops.conv(X, K, padding="full"), "padding='full'"),
    ("conv_strides_zero", lambda: ops.conv(X, K, strides=0), "strides=0"),
    ("conv_strides_float", lambda: ops.conv(X, K, strides=2.5), "strides=2.5"),
    ("conv_strides_three", lambda: ops.conv(X, K, strides=(1, 1, 1)), r"strides=\(1, 1, 1\)"),
    ("conv_dilation_zero", lambda: ops.conv(X, K, dilation_rate=0), "dilation_rate=0"),
    ("conv_strides_and_dilation", lambda: ops.conv(X, K, strides=2, dilation_rate=2),
     r"dilation_rate=\(2, 2\)"),
    ("conv_kernel_channels", lambda: ops.conv(X, np.ones((3, 3, 3, 4), "float32")),
     r"kernel shape \(3, 3, 3, 4\)"),
    ("conv_groups_filters", lambda: ops.conv(np.ones((1, 6, 6, 4), "float32"),
                                             np.ones((3, 3, 2, 3), "float32")),
     r"kernel shape \(3, 3, 2, 3\)"),
    ("conv_kernel_rank", lambda: kernels.conv(X, np.ones((3, 2, 4), "float32")),
     r"kernel shape \(3, 2, 4\)"),  # the 2D kernel's own check (ops.conv checks first)
    ("conv_data_format", lambda: ops.conv(X, K, data_format="NHWC"), "data_format=NHWC"),
    ("conv_too_small", lambda: ops.conv(X[:, :2], K), "zero or negative"),
    ("max_pool_padding", lambda: ops.max_pool(X, 2, padding="full"), "padding='full'"),
    ("max_pool_size_zero", lambda: ops.max_pool(X, 0), "pool_size=0"),
    ("max_pool_size_float", lambda: ops.max_pool(X, 2.5), "pool_size=2.5"),
    ("max_pool_strides_zero", lambda: ops.max_pool(X, 2, strides=0), "strides=0"),
    ("max_pool_too_small", lambda: ops.max_pool(X, 7), "zero or negative"),
    ("max_pool_data_format", lambda: ops.max_pool(X, 2, data_format="nchw"), "nchw"),
    ("average_pool_padding", lambda: ops.average_pool(X, 2, padding="causal"),
     "padding='causal'"),
    ("average_pool_size_zero", lambda: ops.average_pool(X, 0), "pool_size=0"),
    ("average_pool_strides_float", lambda: ops.average_pool(X, 2, strides=1.5),
     "strides=1.5"),
    ("average_pool_too_small", lambda: ops.average_pool(X, 7), "zero or negative"),
    # keyword values Keras refuses, which NumPy's semantics would have computed
    ("norm_fro_of_a_vector", lambda: ops.norm(M, ord="fro", axis=1), "ord=fro"),
    ("concatenate_axis_none", lambda: ops.concatenate([M, M], axis=None), "axis=None"),
    ("top_k_negative", lambda: ops.top_k(M, -1), "k=-1"),
    ("top_k_too_large", lambda: ops.top_k(M, 5), "k=5"),
    ("crossentropy_axis_tuple", lambda: ops.categorical_crossentropy(M, M, axis=(0, 1)),
     r"axis=\(0, 1\)"),
    ("crossentropy_axis_none", lambda: ops.categorical_crossentropy(M, M, True, None),
     "axis=None"),
]


class OpsErrorCatalogue(unittest.TestCase):
    @parameterized.expand(OPS_ERRORS)
    def test_value_error_naming_the_argument(self, _, call, fragment):
        with self.assertRaisesRegex(ValueError, fragment):
            call()

    @parameterized.expand([("amax", ops.amax), ("amin", ops.amin)])
    def test_no_initial_argument_as_keras(self, _, op):
        with self.assertRaisesRegex(TypeError, "initial"):
            op(M, initial=0.5)

    @parameterized.expand([("conv", lambda p: ops.conv(X, K, padding=p)),
                           ("max_pool", lambda p: ops.max_pool(X, 3, 2, padding=p)),
                           ("average_pool", lambda p: ops.average_pool(X, 3, 2, padding=p))])
    def test_padding_in_any_case(self, _, call):
        for lower in ("same", "valid"):
            expected = call(lower)
            for spelled in (lower.upper(), lower.capitalize()):
                np.testing.assert_array_equal(call(spelled), expected)
        self.assertNotEqual(call("same").shape, call("valid").shape)  # the case matters


class NormalizeByKerasNormTest(unittest.TestCase):
    """normalize(order=p) divides by ops.norm(ord=p): over two axes (or axis=None on a
    matrix) the matrix norm, checked against loop sums."""

    def test_order_1_over_two_axes_is_the_largest_column_sum(self):
        for axis in ((0, 1), None):
            column_sums = [sum(abs(M[i, j]) for i in range(3)) for j in range(4)]
            np.testing.assert_allclose(ops.normalize(M, axis=axis, order=1),
                                       M / max(column_sums), rtol=1e-14)

    def test_order_3_over_one_axis_is_the_vector_norm(self):
        row_norms = [sum(abs(v) ** 3 for v in row) ** (1 / 3) for row in M]
        np.testing.assert_allclose(ops.normalize(M, order=3),
                                   M / np.array(row_norms)[:, None], rtol=1e-14)
