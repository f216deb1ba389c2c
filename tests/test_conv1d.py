"""Conv1D and MaxPooling1D against the 2D loop references on 1-row images."""
import itertools
import unittest

import numpy as np
from parameterized import parameterized

from kerasmini import layers
from tests import reference
from tests.helpers import assert_close, random_input


def _conv_grid():
    for k, (s, d), pad, fmt, groups in itertools.product(
            [1, 3, 4], [(1, 1), (2, 1), (1, 2)], ["valid", "same"],
            ["channels_last", "channels_first"], [1, 2]):
        yield dict(filters=4, kernel_size=k, strides=s, dilation_rate=d, padding=pad,
                   data_format=fmt, groups=groups),


class Conv1DTest(unittest.TestCase):
    @parameterized.expand(list(_conv_grid()))
    def test_matches_reference(self, config):
        layer = layers.Conv1D(**config, bias_initializer="random_normal", dtype="float64")
        cf = config["data_format"] == "channels_first"
        x = random_input((2, 4, 9) if cf else (2, 9, 4), "float64", 1)
        y = layer(x)
        self.assertEqual(layer.kernel.shape, (layer.kernel_size[0], 4 // layer.groups, 4))
        image = x[:, :, None, :] if cf else x[:, None, :, :]
        expected = reference.conv2d(image, layer.kernel.value[None], layer.bias.value,
                                    (1, *layer.strides), layer.padding,
                                    (1, *layer.dilation_rate), layer.groups, cf)
        expected = expected[:, :, 0, :] if cf else expected[:, 0, :, :]
        assert_close(y, expected, "float64", config)
        self.assertEqual(y.shape, layer.compute_output_shape(x.shape))


class MaxPooling1DTest(unittest.TestCase):
    @parameterized.expand([(p, s, pad, fmt) for p, s, pad, fmt in itertools.product(
        [1, 2, 3], [None, 1, 2], ["valid", "same"], ["channels_last", "channels_first"])])
    def test_matches_reference(self, pool, strides, padding, fmt):
        layer = layers.MaxPooling1D(pool, strides, padding, fmt, dtype="float64")
        cf = fmt == "channels_first"
        x = random_input((2, 3, 7) if cf else (2, 7, 3), "float64", 2)
        image = x[:, :, None, :] if cf else x[:, None, :, :]
        expected = reference.max_pool2d(image, (1, *layer.pool_size), (1, *layer.strides),
                                        padding, cf)
        expected = expected[:, :, 0, :] if cf else expected[:, 0, :, :]
        y = layer(x)
        assert_close(y, expected, "float64", (pool, strides, padding, fmt))
        self.assertEqual(y.shape, layer.compute_output_shape(x.shape))
        self.assertIs(layers.MaxPool1D, layers.MaxPooling1D)

    def test_rank_error(self):
        with self.assertRaises(ValueError):
            layers.MaxPooling1D(2)(np.ones((2, 4, 4, 1)))


class Conv1DCausalTest(unittest.TestCase):
    @parameterized.expand(list(itertools.product([1, 2, 3], [(1, 1), (2, 1), (1, 2)],
                                                 ["channels_last", "channels_first"])))
    def test_output_t_sees_only_inputs_up_to_t(self, k, sd, fmt):
        s, d = sd
        layer = layers.Conv1D(3, k, strides=s, dilation_rate=d, padding="causal",
                              data_format=fmt, bias_initializer="random_normal",
                              dtype="float64")
        cf = fmt == "channels_first"
        x = random_input((2, 2, 8) if cf else (2, 8, 2), "float64", 3)
        y = layer(x)
        # causal = (k - 1) * d zeros before the first step, then 'valid'
        pad = ((0, 0), (0, 0), ((k - 1) * d, 0)) if cf else ((0, 0), ((k - 1) * d, 0), (0, 0))
        padded = np.pad(x, pad)
        image = padded[:, :, None, :] if cf else padded[:, None, :, :]
        expected = reference.conv2d(image, layer.kernel.value[None], layer.bias.value,
                                    (1, s), "valid", (1, d), 1, cf)
        expected = expected[:, :, 0, :] if cf else expected[:, 0, :, :]
        assert_close(y, expected, "float64", (k, s, d, fmt))
        self.assertEqual(y.shape, layer.compute_output_shape(x.shape))
        self.assertEqual(layer.get_config()["padding"], "causal")

    def test_causal_only_for_conv1d(self):
        with self.assertRaisesRegex(ValueError, "causal"):
            layers.Conv2D(2, 3, padding="causal")
