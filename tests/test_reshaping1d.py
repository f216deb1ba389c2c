"""UpSampling1D, ZeroPadding1D and Cropping1D against step-by-step loop references."""
import unittest

import numpy as np
from parameterized import parameterized

from kerasmini import layers
from tests.helpers import assert_close, random_input


class Reshaping1DTest(unittest.TestCase):
    @parameterized.expand([(1,), (2,), (3,)])
    def test_up_sampling(self, size):
        x = random_input((2, 4, 3), "float64", 1)
        expected = np.empty((2, 4 * size, 3))
        for t in range(4 * size):
            expected[:, t] = x[:, t // size]
        layer = layers.UpSampling1D(size, dtype="float64")
        assert_close(layer(x), expected, "float64", size)
        self.assertEqual(layer.compute_output_shape((None, None, 3)), (None, None, 3))
        self.assertEqual(layer.get_config()["size"], size)

    @parameterized.expand([(1, "channels_last"), ((0, 2), "channels_last"),
                           ((2, 1), "channels_first"), (0, "channels_first")])
    def test_zero_padding(self, padding, fmt):
        before, after = (padding, padding) if isinstance(padding, int) else padding
        x = random_input((2, 4, 3), "float64", 2)
        expected = np.zeros((2, before + 4 + after, 3))
        for t in range(4):
            expected[:, before + t] = x[:, t]
        if fmt == "channels_first":
            x, expected = x.transpose(0, 2, 1), expected.transpose(0, 2, 1)
        layer = layers.ZeroPadding1D(padding, fmt, dtype="float64")
        y = layer(x)
        assert_close(y, expected, "float64", (padding, fmt))
        self.assertEqual(y.shape, layer.compute_output_shape(x.shape))
        self.assertEqual(layer.get_config()["padding"], (before, after))

    @parameterized.expand([(1,), ((0, 2),), ((2, 1),), (0,)])
    def test_cropping(self, cropping):
        before, after = (cropping, cropping) if isinstance(cropping, int) else cropping
        x = random_input((2, 6, 3), "float64", 3)
        expected = np.empty((2, 6 - before - after, 3))
        for t in range(6 - before - after):
            expected[:, t] = x[:, before + t]
        layer = layers.Cropping1D(cropping, dtype="float64")
        y = layer(x)
        assert_close(y, expected, "float64", cropping)
        self.assertEqual(y.shape, layer.compute_output_shape(x.shape))
        self.assertNotIn("data_format", layer.get_config())

    def test_errors(self):
        with self.assertRaises(TypeError):
            layers.UpSampling1D(2.0)
        with self.assertRaisesRegex(ValueError, "size"):
            layers.UpSampling1D(0)
        with self.assertRaisesRegex(ValueError, "padding"):
            layers.ZeroPadding1D(-1)
        with self.assertRaisesRegex(ValueError, "cropping"):
            layers.Cropping1D((1, 2, 3))
        with self.assertRaisesRegex(ValueError, "cropping"):
            layers.Cropping1D((2, 2))(np.ones((1, 4, 2)))
        with self.assertRaises(ValueError):
            layers.ZeroPadding1D()(np.ones((1, 4, 2, 2)))
