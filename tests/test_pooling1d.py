"""AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D against loop references."""
import itertools
import unittest

import numpy as np
from parameterized import parameterized

from kerasmini import layers
from tests.helpers import assert_close, random_input
from tests.reference import average_pool2d


class AveragePooling1DTest(unittest.TestCase):
    @parameterized.expand(list(itertools.product(
        [1, 2, 3], [None, 1, 2], ["valid", "same"], ["channels_last", "channels_first"])))
    def test_matches_reference(self, pool, strides, padding, fmt):
        layer = layers.AveragePooling1D(pool, strides, padding, fmt, dtype="float64")
        cf = fmt == "channels_first"
        x = random_input((2, 3, 7) if cf else (2, 7, 3), "float64", 2)
        image = x[:, :, None, :] if cf else x[:, None, :, :]
        expected = average_pool2d(image, (1, pool), (1, strides or pool), padding, cf)
        expected = expected[:, :, 0, :] if cf else expected[:, 0, :, :]
        y = layer(x)
        assert_close(y, expected, "float64", (pool, strides, padding, fmt))
        self.assertEqual(y.shape, layer.compute_output_shape(x.shape))
        self.assertIs(layers.AvgPool1D, layers.AveragePooling1D)

    def test_errors(self):
        with self.assertRaisesRegex(ValueError, "pool_size"):
            layers.AveragePooling1D(0)
        with self.assertRaises(ValueError):
            layers.AveragePooling1D(2)(np.ones((2, 4, 4, 1)))
        with self.assertRaisesRegex(ValueError, "zero or negative"):
            layers.AveragePooling1D(5)(np.ones((2, 4, 1)))


def global_pool_reference(x, how, channels_first):
    """Mean or max of each (sample, feature) over the steps, one step at a time."""
    x = np.asarray(x, np.float64)
    if channels_first:
        x = x.transpose(0, 2, 1)
    out = np.empty((x.shape[0], x.shape[2]))
    for b, f in itertools.product(range(x.shape[0]), range(x.shape[2])):
        values = [x[b, t, f] for t in range(x.shape[1])]
        out[b, f] = sum(values) / len(values) if how == "mean" else max(values)
    return out


class GlobalPooling1DTest(unittest.TestCase):
    @parameterized.expand(list(itertools.product(
        [("GlobalAveragePooling1D", "mean"), ("GlobalMaxPooling1D", "max")],
        ["channels_last", "channels_first"], [False, True])))
    def test_matches_reference(self, layer_how, fmt, keepdims):
        name, how = layer_how
        layer = getattr(layers, name)(data_format=fmt, keepdims=keepdims, dtype="float64")
        cf = fmt == "channels_first"
        x = random_input((3, 4, 6) if cf else (3, 6, 4), "float64", 3)
        expected = global_pool_reference(x, how, cf)
        if keepdims:
            expected = expected[:, :, None] if cf else expected[:, None, :]
        y = layer(x)
        assert_close(y, expected, "float64", (name, fmt, keepdims))
        self.assertEqual(y.shape, layer.compute_output_shape(x.shape))
        self.assertEqual(layer.get_config()["keepdims"], keepdims)

    def test_aliases_rank_and_positional_data_format(self):
        self.assertIs(layers.GlobalAvgPool1D, layers.GlobalAveragePooling1D)
        self.assertIs(layers.GlobalMaxPool1D, layers.GlobalMaxPooling1D)
        self.assertEqual(layers.GlobalMaxPooling2D("channels_first").data_format,
                         "channels_first")
        with self.assertRaises(ValueError):
            layers.GlobalAveragePooling1D()(np.ones((2, 3, 4, 5)))
        layer = layers.GlobalMaxPooling2D(keepdims=True, data_format="channels_first")
        self.assertEqual(layer(np.ones((2, 3, 4, 5))).shape, (2, 3, 1, 1))
