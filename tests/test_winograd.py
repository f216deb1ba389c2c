"""Winograd F(2x2, 3x3) (ops/winograd.py) against the loop reference: its three transforms
against their matrices, then whole convolutions in every size parity, padding, data
format, dtype, chunking and thread split, and the rule that decides when conv uses it."""
import itertools
import unittest

import numpy as np
from parameterized import parameterized

from kerasmini.ops import conv, winograd
from kerasmini.ops.convolution_vjp import conv_gradients
from tests import reference
from tests.helpers import assert_close, random_input
from tests.kernel_limits import DENSE_BUDGETS, kinds, shrunk, winograd_calls

# The matrices as printed in Lavin and Gray, "Fast Algorithms for Convolutional Neural
# Networks" (2016), written out here independently of the module.
B_T = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], np.float64)
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
A_T = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], np.float64)
FORMATS = ["channels_last", "channels_first"]


def to_format(x, data_format):
    return x if data_format == "channels_last" else x.transpose(0, 3, 1, 2)


def winograd_conv(x, kernel, padding, data_format, **limits):
    """conv through winograd (thresholds lowered to 0); fails if it took another path."""
    with winograd_calls() as calls, shrunk(winograd_from=0, **limits) as walked:
        out = conv(x, kernel, 1, padding, data_format)
    assert len(calls) == 1, "conv did not take the Winograd path"
    return out, walked


class TransformsTest(unittest.TestCase):
    def test_kernel_transform_is_g_g_gt(self):
        g = random_input((3, 3, 2, 5), seed=1)
        u = winograd.transform_kernel(g, np.float64).reshape(4, 4, 2, 5)
        for c, f in itertools.product(range(2), range(5)):
            np.testing.assert_allclose(u[:, :, c, f], G @ g[:, :, c, f] @ G.T, atol=1e-15)

    def test_input_transform_is_bt_d_b_of_every_tile(self):
        band = random_input((2, 8, 10, 3), seed=2)  # 3 x 4 tiles of 4x4, overlapping by 2
        v = winograd.input_transform(band, 3, 4).reshape(4, 4, 2, 3, 4, 3)
        for n, i, j, c in itertools.product(range(2), range(3), range(4), range(3)):
            tile = band[n, 2 * i:2 * i + 4, 2 * j:2 * j + 4, c]
            np.testing.assert_allclose(v[:, :, n, i, j, c], B_T @ tile @ B_T.T, atol=1e-14)

    def test_output_transform_is_at_m_a_of_every_tile(self):
        m = random_input((4, 4, 2, 3, 3, 2), seed=3)
        expected = np.einsum("ak,klnijf,bl->nijabf", A_T, m, A_T)  # before m is overwritten
        out = np.full((2, 5, 6, 2), np.nan)  # 5 rows: the last tile row's second is dropped
        winograd.output_transform(m, out, slice(0, 3))
        self.assertFalse(np.isnan(out).any())
        for a, b in itertools.product(range(2), range(2)):
            rows = out[:, a::2, b::2]
            np.testing.assert_allclose(rows, expected[:, :rows.shape[1], :, a, b], atol=1e-14)


SIZES = [(3, 3), (4, 4), (5, 8), (8, 5), (7, 9)]  # odd and even outputs, one tile and more


class WinogradValuesTest(unittest.TestCase):
    @parameterized.expand([(f"{p}_{d}_{t}", p, d, t) for p, d, t in itertools.product(
        ["same", "valid"], FORMATS, ["float32", "float64"])])
    def test_matches_the_loop_reference(self, _, padding, data_format, dtype):
        for i, (h, w) in enumerate(SIZES):
            x = random_input((2, h, w, 3 + i % 2), dtype, i)
            kernel = random_input((3, 3, x.shape[3], 2 + i), dtype, 10 + i)
            xf = to_format(x, data_format)
            out, _ = winograd_conv(xf, kernel, padding, data_format)
            expected = reference.conv2d(xf, kernel, None, (1, 1), padding, (1, 1), 1,
                                        data_format == "channels_first")
            assert_close(out, expected, dtype, f"{padding} {data_format} {dtype} {h}x{w}")

    def test_every_chunking_matches_the_loop_reference(self):
        x = random_input((5, 7, 6, 4), "float64", 1)
        kernel = random_input((3, 3, 4, 6), "float64", 2)
        for data_format, padding in itertools.product(FORMATS, ["same", "valid"]):
            expected = reference.conv2d(to_format(x, data_format), kernel, None, (1, 1),
                                        padding, (1, 1), 1, data_format == "channels_first")
            walks = []
            for budget in DENSE_BUDGETS:
                out, walked = winograd_conv(to_format(x, data_format), kernel, padding,
                                            data_format, workspace_bytes=budget)
                walks += walked
                assert_close(out, expected, "float64", f"{padding} {data_format} {budget}")
            self.assertLessEqual({"bands+remainder", "images+remainder"}, kinds(walks))

    def test_blocks_shared_by_two_threads_match_the_loop_reference(self):
        x = random_input((5, 9, 7, 4), "float32", 3)
        kernel = random_input((3, 3, 4, 5), "float32", 4)
        for data_format in FORMATS:
            out, walked = winograd_conv(to_format(x, data_format), kernel, "same",
                                        data_format, small_product=0, min_rows=3, workers=2)
            self.assertGreater(len(walked[0]), 2)  # several blocks for the two threads
            expected = reference.conv2d(to_format(x, data_format), kernel, None, (1, 1),
                                        "same", (1, 1), 1, data_format == "channels_first")
            assert_close(out, expected, "float32", data_format)


def input_gradient_reference(g, kernel, x_shape):
    """dL/dx of a 'same' 3x3 stride-1 conv: each output's gradient sent back, through
    every tap (a, b), to the input pixel that tap read; the padding's share dropped."""
    n, h, w, c = x_shape
    dx_padded = np.zeros((n, h + 2, w + 2, c))
    for a, b in itertools.product(range(3), range(3)):
        dx_padded[:, a:a + h, b:b + w] += g.astype(np.float64) @ kernel[a, b].T
    return dx_padded[:, 1:-1, 1:-1]


class InputGradientTest(unittest.TestCase):
    """Conv2D's input gradient at stride 1 is a convolution (ops/convolution_vjp.py) with
    the rotated kernel: a 3x3 one takes Winograd like any forward."""

    @parameterized.expand([("float32",), ("float64",)])
    def test_input_gradient_through_winograd(self, dtype):
        x = random_input((3, 7, 6, 4), dtype, 7)
        kernel = random_input((3, 3, 4, 5), dtype, 8)
        g = random_input((3, 7, 6, 5), dtype, 9)
        for data_format in FORMATS:
            with shrunk(winograd_from=0), winograd_calls() as calls:
                dx, _ = conv_gradients(to_format(g, data_format), to_format(x, data_format),
                                       kernel, 1, "same", data_format, 1, True, False)
            self.assertTrue(calls, data_format)
            expected = to_format(input_gradient_reference(g, kernel, x.shape), data_format)
            assert_close(dx, expected, dtype, f"{dtype} {data_format}")


class RuleTest(unittest.TestCase):
    """conv takes Winograd exactly where `kernel_path` says, at the real thresholds: a
    convolution that takes it, then the same with one property changed, that does not."""
    X, KERNEL = (2, 32, 32, 64), (3, 3, 64, 64)  # 2048 output pixels, C F / (C + F) = 32

    def takes_winograd(self, x_shape=X, kernel_shape=KERNEL, x_dtype="float32",
                       k_dtype="float32", **args):
        x = random_input(x_shape, x_dtype, 5)
        kernel = random_input(kernel_shape, k_dtype, 6)
        with winograd_calls() as calls:
            conv(x, kernel, padding=args.pop("padding", "same"), **args)
        return bool(calls)

    def test_large_3x3_stride_1_convolutions_take_it(self):
        self.assertTrue(self.takes_winograd())
        self.assertTrue(self.takes_winograd((2, 32, 32, 60), (3, 3, 60, 60)))  # C F / (C + F) = 30
        self.assertTrue(self.takes_winograd((2, 34, 34, 64), (3, 3, 64, 80), "float64",
                                            "float64", padding="valid"))

    def test_others_keep_im2col(self):
        for why, changed in [
                ("C F / (C + F) = 28.8", dict(x_shape=(2, 32, 32, 48),
                                              kernel_shape=(3, 3, 48, 72))),
                ("C F / (C + F) = 25.7", dict(kernel_shape=(3, 3, 64, 43))),
                ("2046 output pixels", dict(x_shape=(2, 31, 33, 64))),
                ("stride 2", dict(strides=2)),
                ("dilated", dict(dilation_rate=2)),
                ("grouped", dict(kernel_shape=(3, 3, 32, 64))),
                ("5x5", dict(kernel_shape=(5, 5, 64, 64))),
                ("float16", dict(x_dtype="float16", k_dtype="float16")),
                ("mixed dtypes", dict(k_dtype="float64"))]:
            self.assertFalse(self.takes_winograd(**changed), why)


class MeasuredAlternativesTest(unittest.TestCase):
    """benchmarks/winograd_tiles.py's rejected kernels are what docs/performance.md says
    they are: F(m x m, 3x3) on its Toom-Cook points, the fast F(3x3) transforms and
    space-to-depth, each through conv's blocks against the loop reference."""

    def test_larger_tiles_and_space_to_depth_match_the_loop_reference(self):
        from benchmarks import winograd_tiles
        for i, (h, w) in enumerate([(7, 8), (9, 9), (10, 11)]):  # every size mod 3
            x = random_input((2, h, w, 3), "float64", 20 + i)
            kernel = random_input((3, 3, 3, 4), "float64", 30 + i)
            expected = reference.conv2d(x, kernel, None, (1, 1), "same", (1, 1), 1)
            for label, points in winograd_tiles.POINTS.items():
                with winograd_tiles.tiles(points):
                    got = winograd_tiles.winograd_same(x, kernel)
                assert_close(got, expected, "float64", f"{label} {h}x{w}")
            with winograd_tiles.swapped_tiles(*winograd_tiles.F3_FAST):
                assert_close(winograd_tiles.winograd_same(x, kernel), expected, "float64",
                             f"fast F(3x3) {h}x{w}")
            for size in (3, 4, 7):
                kernel = random_input((size, size, 3, 4), "float64", 40 + size)
                expected = reference.conv2d(x, kernel, None, (2, 2), "same", (1, 1), 1)
                assert_close(winograd_tiles.space_to_depth_conv(x, kernel), expected,
                             "float64", f"space-to-depth {size}x{size} {h}x{w}")


if __name__ == "__main__":
    unittest.main()
