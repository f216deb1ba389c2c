"""AveragePooling2D against a loop reference that averages only the real pixels."""
import itertools
import unittest
import unittest.mock

import numpy as np
from parameterized import parameterized

from kerasmini import layers
from tests import reference
from tests.helpers import assert_close, random_input


def _grid():
    for pool, strides, pad, fmt in itertools.product(
            [1, 2, 3, (2, 3)], [None, 1, 2, (3, 1)], ["valid", "same"],
            ["channels_last", "channels_first"]):
        yield dict(pool_size=pool, strides=strides, padding=pad, data_format=fmt),


class AveragePooling2DTest(unittest.TestCase):
    @parameterized.expand(list(_grid()))
    def test_matches_reference(self, config):
        layer = layers.AveragePooling2D(**config, dtype="float64")
        cf = config["data_format"] == "channels_first"
        x = random_input((2, 3, 7, 6) if cf else (2, 7, 6, 3), "float64", 3)
        y = layer(x)
        expected = reference.average_pool2d(x, layer.pool_size, layer.strides, layer.padding, cf)
        assert_close(y, expected, "float64", config)
        self.assertEqual(y.shape, layer.compute_output_shape(x.shape))

    @parameterized.expand([((2, 2),), ((2, 4),), ((1, 2),), ((1, 1),), ((3, 3),),
                           ((1, 3),), ((1, 7),), ((3, 5),), ((2, 3),)])  # 2^k - 1, 6
    def test_full_windows_average_bitwise_as_a_division(self, pool):
        """A full window of 2^k pixels is averaged by a product with 2^-k: bitwise the
        quotient of the same window sums (float32 and float64, subnormals included);
        other counts divide."""
        from kerasmini.ops.average_pooling import average_pool
        from kerasmini.ops.window_reduction import pool_geometry, reduce_windows
        for dtype in ("float32", "float64"):
            x = random_input((2, 9, 12, 3), dtype, 9)
            x[0, :3, :4, 0] = np.finfo(dtype).smallest_subnormal * np.arange(1, 13).reshape(
                3, 4)
            geometry = pool_geometry(x.shape, x.shape[1:3], pool, None, "valid")
            sums = np.empty((2, *geometry.out_hw, 3), dtype)
            reduce_windows(np.add, x, sums, *geometry.axes())
            expected = np.divide(sums, np.array(pool[0] * pool[1], dtype))
            np.testing.assert_array_equal(average_pool(x, pool), expected,
                                          err_msg=f"{pool} {dtype}")

    def test_same_padding_ignores_padding(self):
        y = layers.AveragePooling2D(3, strides=2, padding="same")(np.ones((1, 5, 5, 1)))
        np.testing.assert_array_equal(y, np.ones((1, 3, 3, 1), "float32"))

    def test_window_larger_than_input_raises(self):
        with self.assertRaises(ValueError):
            layers.AveragePooling2D(4)(np.ones((1, 3, 3, 1)))


class HugeWindowTest(unittest.TestCase):
    """The cost is O(input + output): a window far larger than the image costs nothing
    (a loop over window offsets would take minutes here)."""

    def test_window_covering_the_image_averages_its_real_pixels(self):
        x = np.random.default_rng(0).random((2, 3, 5, 4)).astype("float32")
        for data_format in ("channels_last", "channels_first"):
            inputs = x if data_format == "channels_last" else x.transpose(0, 3, 1, 2)
            out = layers.AveragePooling2D(20000, padding="same",
                                          data_format=data_format)(inputs)
            expected = x.astype("float64").mean(axis=(1, 2), keepdims=True)
            if data_format == "channels_first":
                expected = expected.transpose(0, 3, 1, 2)
            np.testing.assert_allclose(out, expected, rtol=1e-6)


class HugeWindowDirectSumTest(unittest.TestCase):
    def test_only_the_offsets_that_reach_the_image_are_walked(self):
        """A 10**7 window (stride = pool: the direct sum) visits the offsets that read a
        pixel, not all 10**7: the test would take minutes otherwise."""
        from kerasmini.ops import window_reduction
        x = np.random.default_rng(1).random((2, 3, 5, 4))
        window_reduction._taps.cache_clear()  # plans are cached per shape
        with unittest.mock.patch.object(window_reduction, "tap",
                                        wraps=window_reduction.tap) as tap:
            out = layers.AveragePooling2D(10**7, padding="same", dtype="float64")(x)
        self.assertTrue(0 < tap.call_count < 100, tap.call_count)
        np.testing.assert_allclose(out, x.mean(axis=(1, 2), keepdims=True), rtol=1e-12)
