"""MaxPooling2D against the loop reference."""
import itertools
import unittest

import numpy as np
from parameterized import parameterized

from kerasmini import layers
from tests import reference
from tests.helpers import assert_close, random_input


def _grid():
    for pool, strides, pad, fmt, hw in itertools.product(
            [1, 2, 3, (2, 3)], [None, 1, 2, (3, 1)], ["valid", "same"],
            ["channels_last", "channels_first"], [(6, 7), (3, 3)]):
        yield dict(pool_size=pool, strides=strides, padding=pad, data_format=fmt), hw


class MaxPooling2DGridTest(unittest.TestCase):
    @parameterized.expand(list(_grid()))
    def test_matches_reference(self, config, hw):
        layer = layers.MaxPooling2D(**config, dtype="float64")
        cf = config["data_format"] == "channels_first"
        x = random_input((2, 3, *hw) if cf else (2, *hw, 3), "float64", 4)
        y = layer(x)
        expected = reference.max_pool2d(x, layer.pool_size, layer.strides, layer.padding, cf)
        assert_close(y, expected, "float64", (config, hw))
        self.assertEqual(y.shape, layer.compute_output_shape(x.shape))


class MaxPooling2DSemanticsTest(unittest.TestCase):
    def test_alias(self):
        self.assertIs(layers.MaxPool2D, layers.MaxPooling2D)
        self.assertTrue(layers.MaxPool2D().name.startswith("max_pooling2d"))

    def test_strides_default_to_pool_size(self):
        layer = layers.MaxPool2D(pool_size=3)
        self.assertEqual(layer.strides, (3, 3))
        self.assertEqual(layer(np.zeros((1, 9, 9, 1))).shape, (1, 3, 3, 1))

    def test_same_padding_never_wins(self):
        """All-negative input: a zero pad value would win if padding took part."""
        x = -1.0 - np.arange(25, dtype="float32").reshape(1, 5, 5, 1)
        y = layers.MaxPool2D(2, padding="same")(x)
        self.assertTrue((y < 0).all())
        np.testing.assert_array_equal(y[0, :, :, 0], [[-1, -3, -5], [-11, -13, -15],
                                                      [-21, -23, -25]])

    def test_nan_propagates(self):
        x = np.zeros((1, 4, 4, 1), "float32")
        x[0, 0, 0, 0] = np.nan
        y = layers.MaxPool2D(2)(x)
        self.assertTrue(np.isnan(y[0, 0, 0, 0]))
        self.assertFalse(np.isnan(y[0, 1, 1, 0]))
