"""Every chunk, block and thread path of the kernels, on inputs small enough for the
loop reference: the size limits are shrunk (tests/kernel_limits.py) so that the inputs
cross chunk, block and thread boundaries with odd remainders, in both data formats.
Each test also checks that the paths it names were really walked."""
import itertools
import unittest
import unittest.mock

import numpy as np
from parameterized import parameterized

from kerasmini import layers
from kerasmini.layers.normalization import layer_normalization as ln_layer
from kerasmini.ops import average_pool, conv, depthwise_conv, max_pool
from kerasmini.ops import (average_pooling, convolution, layout, products, threads,
                           window_reduction)
from kerasmini.ops.normalization import normalize
from kerasmini.ops.window_reduction import PoolGeometry
from tests import reference
from tests.helpers import assert_close, random_input
from tests.kernel_limits import DENSE_BUDGETS, kinds, shrunk

# Budgets from one byte (one output row per chunk) up to several whole images, 1.4x
# apart: among them every way of cutting these batches and outputs, remainders included.
BUDGETS = DENSE_BUDGETS
FORMATS = ["channels_last", "channels_first"]


def to_format(x, data_format):
    return x if data_format == "channels_last" else x.transpose(0, 3, 1, 2)


class ConvolutionChunksTest(unittest.TestCase):
    @parameterized.expand([
        ("same_stride1", dict(strides=(1, 1), padding="same", dilation=(1, 1)), 1),
        ("valid_stride2", dict(strides=(2, 1), padding="valid", dilation=(1, 1)), 1),
        ("same_dilated", dict(strides=(1, 1), padding="same", dilation=(2, 1)), 1),
        ("same_groups", dict(strides=(1, 2), padding="same", dilation=(1, 1)), 2),
    ])
    def test_every_chunking_matches_the_loop_reference(self, _, args, groups):
        x = random_input((5, 7, 6, 4), "float64", 1)
        kernel = random_input((3, 2, 4 // groups, 6), "float64", 2)
        for data_format in FORMATS:
            expected = reference.conv2d(to_format(x, data_format), kernel, None,
                                        args["strides"], args["padding"], args["dilation"],
                                        groups, data_format == "channels_first")
            walks = []
            for budget in BUDGETS:
                with shrunk(workspace_bytes=budget) as walked:
                    out = conv(to_format(x, data_format), kernel, args["strides"],
                               args["padding"], data_format, args["dilation"])
                walks += walked
                assert_close(out, expected, "float64", f"{args} {data_format} {budget}")
            self.assertLessEqual({"bands+remainder", "images+remainder"}, kinds(walks))


class WeightBoundConvolutionTest(unittest.TestCase):
    """A convolution whose kernel is larger than its patch matrix (a deep layer at batch
    1) is not cut into row blocks that would each read the whole kernel: its product is
    shared by columns (ops/products.py)."""

    def test_the_kernel_is_read_once_its_columns_shared(self):
        x = random_input((1, 2, 3, 16), "float64", 11)  # 6 pixels x 144: 6.9 KB of patches
        kernel = random_input((3, 3, 16, 32), "float64", 12)  # 36.9 KB
        parts = {"rows": [], "columns": []}
        real_conv, real_products = convolution.over_parts, products.over_parts

        def spy(kind, real):
            return lambda task, blocks: parts[kind].extend(blocks) or real(task, blocks)
        with shrunk(small_product=0, min_rows=4, workers=2), \
                unittest.mock.patch.object(convolution, "over_parts",
                                           spy("rows", real_conv)), \
                unittest.mock.patch.object(products, "over_parts",
                                           spy("columns", real_products)):
            out = conv(x, kernel, 1, "same")
        expected = reference.conv2d(x, kernel, None, (1, 1), "same", (1, 1), 1)
        assert_close(out, expected, "float64", "weight-bound")
        self.assertEqual(parts, {"rows": [], "columns": [slice(0, 16), slice(16, 32)]})


class DepthwiseConvolutionChunksTest(unittest.TestCase):
    @parameterized.expand([
        ("same_stride1_m2", dict(strides=(1, 1), padding="same", dilation=(1, 1)), 2),
        ("valid_stride2_dilated", dict(strides=(2, 1), padding="valid", dilation=(1, 2)), 1),
        ("same_stride2_threads", dict(strides=(2, 2), padding="same", dilation=(1, 1)), 2),
    ])
    def test_every_chunking_matches_the_loop_reference(self, name, args, multiplier):
        """Blocks of every kind; the last case also shares them between two threads."""
        threaded = name.endswith("threads")
        x = random_input((5, 7, 8, 3), "float64", 4)
        kernel = random_input((3, 2, 3, multiplier), "float64", 5)
        for data_format in FORMATS:
            expected = reference.depthwise_conv2d(to_format(x, data_format), kernel, None,
                                                  args["strides"], args["padding"],
                                                  args["dilation"],
                                                  data_format == "channels_first")
            walks, shared = [], []
            real = threads.over_parts
            for budget in BUDGETS:
                with shrunk(workspace_bytes=budget, parallel_bytes=0 if threaded else None,
                            workers=2 if threaded else None) as walked, \
                        unittest.mock.patch.object(threads, "over_parts", lambda task, parts:
                                                   shared.append(len(parts)) or
                                                   real(task, parts)):
                    out = depthwise_conv(to_format(x, data_format), kernel, args["strides"],
                                         args["padding"], data_format, args["dilation"])
                walks += walked
                assert_close(out, expected, "float64", f"{args} {data_format} {budget}")
            self.assertLessEqual({"bands+remainder", "images+remainder"}, kinds(walks))
            if threaded:  # blocks were really handed to two threads
                self.assertGreater(max(shared), 2)


POOLINGS = [("max", max_pool, reference.max_pool2d),
            ("average", average_pool, reference.average_pool2d)]


class PoolingBlocksAndThreadsTest(unittest.TestCase):
    """Max and average pooling share ops/window_reduction.py's blocks and threads."""

    @parameterized.expand([(f"{name}_{case}", op, ref, pool, strides, padding)
                           for name, op, ref in POOLINGS
                           for case, pool, strides, padding in [
                               ("2x2", (2, 2), None, "valid"),
                               ("3x3_s2_same", (3, 3), (2, 2), "same"),
                               ("3x2_s1_same", (3, 2), (1, 1), "same")]])
    def test_blocks_and_threads_match_the_loop_reference(self, _, op, ref, pool, strides,
                                                         padding):
        x = random_input((5, 9, 7, 3), "float32", 3)
        for data_format in FORMATS:
            expected = ref(to_format(x, data_format), pool, strides or pool, padding,
                           data_format == "channels_first")
            walks, threaded = [], []
            real_pool = threads._pool
            for budget in BUDGETS:
                for parallel in (0, None):  # two threads on a split batch, or one
                    def spy():
                        threaded.append(budget)
                        return real_pool()
                    with shrunk(block_bytes=budget, parallel_bytes=parallel,
                                workers=2) as walked, \
                            unittest.mock.patch.object(threads, "_pool", spy):
                        out = op(to_format(x, data_format), pool, strides, padding,
                                 data_format)
                    walks += walked
                    assert_close(out, expected, "float32",
                                 f"{pool} {padding} {data_format} {budget} {parallel}")
            self.assertLessEqual({"bands+remainder", "images+remainder"}, kinds(walks))
            self.assertTrue(threaded, "the two-thread split never ran")

    def test_the_thread_split_covers_an_odd_batch(self):
        seen = []
        with shrunk(parallel_bytes=0, workers=2):
            threads.over_batch_parts(seen.append, 5, 1)
        parts = sorted((s.start, s.stop) for s in seen)
        self.assertGreaterEqual(len(parts), 2)  # shared, each part once, no gap, no overlap
        self.assertEqual([p for part in parts for p in part],
                         [0] + [stop for _, stop in parts[:-1] for _ in (0, 1)] + [5])


# (pool, strides, padding) along the width of 7 and 8 columns: windows cut by the left
# edge ('same', padding before), by the right edge, both, none; pool 1; windows wider
# than the stride by more than one; a window covering the whole row (no window inside).
WIDTH_PASSES = [(3, 2, "same"), (2, 2, "valid"), (2, 2, "same"), (4, 2, "same"),
                (5, 3, "same"), (3, 3, "valid"), (1, 2, "valid"), (7, 2, "same"),
                (4, 3, "valid")]


class PoolingWidthPassTest(unittest.TestCase):
    """A strided pass along the width of narrow pixels runs at every column over the
    block's flat run, then picks every stride-th column (window_reduction.reduce_subsampled);
    wide pixels (the limit at -1) keep one strided tap per window offset."""

    @parameterized.expand([(f"{name}_{limit}", op, ref, limit)
                           for name, op, ref in POOLINGS for limit in ("flat", "strided")])
    def test_both_width_passes_match_the_loop_reference(self, _, op, ref, limit):
        calls = []
        real = window_reduction.reduce_subsampled

        def spy(*args):
            calls.append(args[3:])
            return real(*args)
        pixel_bytes = window_reduction.SHORT_PIXEL_BYTES if limit == "flat" else -1
        for width, (pool, stride, padding), dtype in itertools.product(
                (7, 8), WIDTH_PASSES, ("float64", "float32")):
            x = random_input((2, 5, width, 3), dtype, width)
            with unittest.mock.patch.object(window_reduction, "SHORT_PIXEL_BYTES",
                                            pixel_bytes), \
                    unittest.mock.patch.object(window_reduction, "reduce_subsampled", spy):
                out = op(x, (2, pool), (1, stride), padding)
            expected = ref(x, (2, pool), (1, stride), padding)
            assert_close(out, expected, dtype, f"{width} {pool} {stride} {padding} {limit}")
        strided = [(pool, stride) for pool, stride, _ in WIDTH_PASSES if stride > 1]
        if limit == "flat":  # every strided width pass, on both widths and dtypes
            self.assertEqual(len(calls), 4 * len(strided))
        else:
            self.assertEqual(calls, [])

    def test_the_limit_picks_by_pixel_bytes(self):
        calls = []
        real = window_reduction.reduce_subsampled
        with unittest.mock.patch.object(window_reduction, "reduce_subsampled",
                                        lambda *a: calls.append(a[1].shape) or real(*a)):
            for channels in (64, 65):  # 256 bytes of float32 and just over
                max_pool(np.zeros((1, 4, 4, channels), "float32"), 3, 2, "same")
        self.assertEqual(calls, [(1, 2, 4, 64)])  # the row pass's block


class NormalizationBlocksAndThreadsTest(unittest.TestCase):
    def test_blocks_threads_and_relu_match_the_formula(self):
        x = random_input((3, 5, 7, 4), "float32", 6)
        mean, gamma, beta = (random_input((4,), "float32", s) for s in (7, 8, 9))
        variance = np.abs(random_input((4,), "float32", 10)) + 0.5
        inv = gamma.astype(np.float64) / np.sqrt(variance.astype(np.float64) + 1e-3)
        for clip in (None, (0, None), (0, 0.7)):
            expected = (x.astype(np.float64) - mean) * inv + beta  # element by element
            if clip is not None:
                expected = np.clip(expected, clip[0], clip[1])
            threaded = []
            real_pool = threads._pool

            def spy():
                threaded.append(1)
                return real_pool()
            for budget in (1, 40, 100, 1000, 10**6):  # a row, rows + remainder, all
                for parallel in (0, None):
                    with shrunk(block_bytes=budget, parallel_bytes=parallel, workers=2), \
                            unittest.mock.patch.object(threads, "_pool", spy):
                        out = normalize(x, mean, variance, gamma, beta, 1e-3, 3, clip)
                    assert_close(out, expected, "float32", f"{clip} {budget} {parallel}")
            channels_first = normalize(x.transpose(0, 3, 1, 2), mean, variance, gamma,
                                       beta, 1e-3, 1, clip)  # the unblocked path
            assert_close(channels_first, expected.transpose(0, 3, 1, 2), "float32",
                         f"channels_first {clip}")
            self.assertTrue(threaded, "the two-thread split never ran")


# Average pooling sums windows directly where ceil(pool / stride) <= DIRECT_OVERLAP on
# both axes, from running sums otherwise: the limit at 0 and at 10**6 forces each path.
SUM_PATHS = [("running", 0), ("direct", 10**6)]


class AveragePoolingTest(unittest.TestCase):
    @parameterized.expand(SUM_PATHS)
    def test_windows_larger_than_the_stride_and_image(self, _, overlap):
        x = random_input((3, 5, 4, 2), "float64", 4)
        for data_format, dtype in itertools.product(FORMATS, ("float64", "float32")):
            for pool, strides in [((3, 2), (2, 3)), ((6, 7), (1, 1)), ((2, 2), (2, 2))]:
                with unittest.mock.patch.object(average_pooling, "DIRECT_OVERLAP", overlap):
                    out = average_pool(to_format(x.astype(dtype), data_format), pool,
                                       strides, "same", data_format)
                expected = reference.average_pool2d(x, pool, strides, "same")
                self.assertEqual(out.dtype, dtype)
                assert_close(out, to_format(expected, data_format), dtype,
                             f"{pool} {strides} {data_format}")

    @parameterized.expand(SUM_PATHS)
    def test_non_finite_values_as_in_a_plain_sum(self, _, overlap):
        # running sums past an inf would be inf forever: NaN, +inf, -inf and both infs
        # in one window (NaN) must give what each window's own sum gives
        x = random_input((2, 6, 5, 3), "float64", 5)
        x[0, 1, 1, 0], x[0, 3, 2, 0], x[1, 2, 2, 1], x[1, 0, 4, 2] = np.inf, -np.inf, np.nan, np.inf
        for dtype, (pool, strides) in itertools.product(
                ("float64", "float32"), [((3, 3), (1, 1)), ((2, 2), (2, 2))]):
            with unittest.mock.patch.object(average_pooling, "DIRECT_OVERLAP", overlap):
                out = average_pool(x.astype(dtype), pool, strides, "same")
            expected = reference.average_pool2d(x, pool, strides, "same")
            self.assertTrue(np.isnan(expected).any() and np.isinf(expected).any())
            assert_close(out, expected, dtype, f"{pool} {strides} {dtype}")

    def test_the_default_limit_picks_the_path_by_overlap(self):
        geometry = PoolGeometry((50, 50), (9, 2), (1, 2), "same")
        self.assertFalse(average_pooling.direct(geometry))  # 9 windows cover a row
        self.assertTrue(average_pooling.direct(PoolGeometry((50, 50), (8, 2), (1, 1), "same")))


class AveragePoolingGradientTest(unittest.TestCase):
    @parameterized.expand(SUM_PATHS)
    def test_gradient_spreads_each_share_over_its_window(self, _, overlap):
        from kerasmini.ops.average_pooling_vjp import average_pool_vjp
        rng = np.random.default_rng(5)
        x = rng.standard_normal((2, 5, 4, 3))
        for pool, strides, padding in [((3, 2), (2, 3), "same"), ((2, 2), (1, 1), "valid"),
                                       ((2, 2), (2, 2), "valid"), ((1, 2), (1, 2), "same"),
                                       ((20000, 7), (1, 2), "same")]:
            out = average_pool(x, pool, strides, padding)
            g = rng.standard_normal(out.shape)
            expected = np.zeros_like(x)
            oh, top = reference.out_size_and_pad_before(5, pool[0], strides[0], 1, padding)
            ow, left = reference.out_size_and_pad_before(4, pool[1], strides[1], 1, padding)
            for i in range(oh):
                for j in range(ow):
                    y0, z0 = i * strides[0] - top, j * strides[1] - left
                    rows = slice(max(y0, 0), max(y0 + pool[0], 0))
                    cols = slice(max(z0, 0), max(z0 + pool[1], 0))
                    count = expected[0, rows, cols, 0].size
                    expected[:, rows, cols] += g[:, i:i + 1, j:j + 1] / count
            for data_format in FORMATS:
                with unittest.mock.patch.object(average_pooling, "DIRECT_OVERLAP", overlap):
                    got = average_pool_vjp(to_format(g, data_format), None,
                                           to_format(x, data_format), pool, strides,
                                           padding, data_format)
                assert_close(got, to_format(expected, data_format), "float64",
                             f"{pool} {strides} {padding} {data_format}")


class LayerNormalizationBlocksTest(unittest.TestCase):
    """ops/layer_normalize.py: blocks of one row, of several rows with a shorter last
    one, and two threads' shares, against the loop reference, in both dtypes."""

    @parameterized.expand([("last", -1, {}), ("two_axes", [2, 3], {}),
                           ("no_scale", -1, dict(scale=False)),
                           ("rms", -1, dict(rms_scaling=True))])
    def test_blocks_and_threads_match_the_loop_reference(self, name, axis, options):
        x = random_input((3, 5, 4, 6), "float64", 8) * 2 + 1
        rng = np.random.default_rng(9)
        for dtype, budget, parallel in itertools.product(
                ("float32", "float64"), (1, 200, 10**6), (0, None)):
            layer = layers.LayerNormalization(axis=axis, dtype=dtype, **options)
            layer.build(x.shape)
            weights = [rng.uniform(0.5, 1.5, w.shape) for w in layer.weights]
            layer.set_weights(weights)
            gamma = weights[0] if layer.gamma is not None else 1.0
            beta = weights[-1] if layer.beta is not None else 0.0
            axes = [axis % 4] if isinstance(axis, int) else axis
            expected = reference.layer_norm(x.astype(dtype).astype("float64"), axes, gamma,
                                            beta, 1e-3, centre=not options.get("rms_scaling"))
            with shrunk(block_bytes=budget, parallel_bytes=parallel, workers=2), \
                    unittest.mock.patch.object(ln_layer, "layer_normalize",
                                               wraps=ln_layer.layer_normalize) as kernel:
                out = layer(x.astype(dtype))
            kernel.assert_called_once()
            assert_close(out, expected, dtype, f"{name} {dtype} {budget} {parallel}")


class PReLUBlocksTest(unittest.TestCase):
    """ops/prelu.py: one sample per block, a few with a shorter last block, two threads;
    equal, rounding for rounding, to Keras's relu(x) - alpha * relu(-x)."""

    @parameterized.expand([("shared", [1, 2]), ("per_position", None)])
    def test_blocks_and_threads_equal_keras_formula(self, _, shared_axes):
        x = random_input((5, 3, 4, 6), "float64", 10)
        x[0, 0, 0, :3] = [np.inf, -np.inf, np.nan]
        for dtype, budget, parallel in itertools.product(
                ("float32", "float64"), (1, 300, 10**6), (0, None)):
            layer = layers.PReLU(shared_axes=shared_axes, dtype=dtype)
            layer.build(x.shape)
            alpha = np.random.default_rng(11).uniform(-1, 2, layer.alpha.shape)
            layer.set_weights([alpha])
            xd, alpha = x.astype(dtype), alpha.astype(dtype)
            expected = np.maximum(xd, 0) - alpha * np.maximum(-xd, 0)
            with shrunk(block_bytes=budget, parallel_bytes=parallel, workers=2), \
                    unittest.mock.patch.object(threads, "_pool", wraps=threads._pool) as pool:
                out = layer(xd)
            np.testing.assert_array_equal(out, expected)
            self.assertEqual(out.dtype, dtype)
            self.assertEqual(pool.called, parallel == 0, (budget, parallel))


class TransposedCopyTest(unittest.TestCase):
    """ops/layout.transposed_copy: tiles with shorter last ones, every permutation."""

    def test_every_permutation_equals_numpy_transpose(self):
        x = random_input((2, 5, 7, 3), "float64", 12)
        for tile in (1, 2, 3, 32):
            with unittest.mock.patch.object(layout, "TILE", tile):
                for axes in itertools.permutations(range(4)):
                    out = layout.transposed_copy(x, axes)
                    np.testing.assert_array_equal(out, np.transpose(x, axes))
                    self.assertTrue(out.flags.c_contiguous)
        np.testing.assert_array_equal(layout.transposed_copy(x[0, 0, 0], (0,)), x[0, 0, 0])
