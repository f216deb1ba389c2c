"""DepthwiseConv1D/2D against the loop reference; the op's chunked path; args and errors."""
import itertools
import unittest
from unittest import mock

import numpy as np
from parameterized import parameterized

from kerasmini import layers
from kerasmini.ops import depthwise_convolution
from tests import reference
from tests.helpers import assert_close, random_input

GRID = list(itertools.product([1, 3, (2, 3)], [(1, 1), (2, 1), (1, 2), (2, 2)],
                              ["valid", "same"], ["channels_last", "channels_first"],
                              [1, 2]))


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


class DepthwiseConv2DTest(unittest.TestCase):
    @parameterized.expand(GRID)
    def test_matches_reference(self, k, sd, padding, fmt, multiplier):
        s, d = sd
        layer = layers.DepthwiseConv2D(k, strides=s, padding=padding, data_format=fmt,
                                       dilation_rate=d, depth_multiplier=multiplier,
                                       bias_initializer="random_normal", dtype="float64")
        cf = fmt == "channels_first"
        x = random_input((2, 3, 8, 7) if cf else (2, 8, 7, 3), "float64", 3)
        y = layer(x)
        self.assertEqual(layer.kernel.shape, (*_pair(k), 3, multiplier))
        self.assertEqual(layer.bias.shape, (3 * multiplier,))
        expected = reference.depthwise_conv2d(x, layer.kernel.value, layer.bias.value,
                                              (s, s), padding, (d, d), cf)
        assert_close(y, expected, "float64", (k, s, d, padding, fmt, multiplier))
        self.assertEqual(y.shape, layer.compute_output_shape(x.shape))

    def test_chunked_workspace_gives_the_same_values(self):
        """Bands of output rows of one image, and several images per chunk."""
        x = random_input((3, 9, 6, 4), "float32", 4)
        layer = layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2)
        whole = layer(x)
        for budget in (1, 6 * 9 * 4 * 4, 2 * 9 * 6 * 9 * 4 * 4):
            with mock.patch.object(depthwise_convolution, "WORKSPACE_BYTES", budget):
                assert_close(layer(x), whole.astype(np.float64), "float32", budget)

    @parameterized.expand(itertools.product([(1, 1), (2, 1), (1, 2), (2, 2), (3, 3), (2, 3)],
                                            ["valid", "same"], [1, 3]))
    def test_column_chunks_and_phases_match_reference(self, sd, padding, multiplier):
        """Rows cut into column chunks (ROW_VALUES shrunk, a shorter last chunk), stride
        phases of the width (s up to 3 on a 3-wide kernel: one tap per phase; s = 2, d = 3:
        a phase whose first tap starts a column in), and row
        blocks, channels first (a strided input), against the loop reference."""
        s, d = sd
        x = random_input((3, 5, 9, 11), "float64", 7)
        layer = layers.DepthwiseConv2D((2, 3), strides=s, dilation_rate=d, padding=padding,
                                       depth_multiplier=multiplier, dtype="float64",
                                       data_format="channels_first",
                                       bias_initializer="random_normal")
        layer.build(x.shape)
        expected = reference.depthwise_conv2d(x, layer.kernel.value, layer.bias.value,
                                              (s, s), padding, (d, d), True)
        for values, budget in ((5 * multiplier * 2, 10**6), (5 * multiplier * 3, 1),
                               (1, 700), (10**6, 10**6)):
            with mock.patch.object(depthwise_convolution, "ROW_VALUES", values), \
                    mock.patch.object(depthwise_convolution, "WORKSPACE_BYTES", budget):
                assert_close(layer(x), expected, "float64", (sd, padding, values, budget))

    def test_float32_stays_float32(self):
        y = layers.DepthwiseConv2D(3)(random_input((1, 5, 5, 2), "float32"))
        self.assertEqual(y.dtype, np.float32)

    def test_errors(self):
        for args, error in (({"depth_multiplier": 0}, ValueError),
                            ({"depth_multiplier": "2"}, TypeError),
                            ({"depth_multiplier": 1.5}, ValueError),
                            ({"padding": "causal"}, ValueError),
                            ({"strides": 0}, ValueError)):
            with self.subTest(args=args), self.assertRaises(error) as caught:
                layers.DepthwiseConv2D(3, **args)
            self.assertIn(next(iter(args)), str(caught.exception))
        layer = layers.DepthwiseConv2D(5)
        with self.assertRaisesRegex(ValueError, "zero or negative"):
            layer(np.ones((1, 4, 4, 2)))
        self.assertFalse(layer.built)

    def test_config_round_trip(self):
        layer = layers.DepthwiseConv2D(3, strides=2, depth_multiplier=3, padding="same",
                                       activation="relu", use_bias=False)
        config = layer.get_config()
        self.assertEqual(config["depth_multiplier"], 3)
        self.assertIn("depthwise_initializer", config)
        self.assertNotIn("filters", config)
        self.assertEqual(layers.DepthwiseConv2D.from_config(config).get_config(), config)


class DepthwiseConv1DTest(unittest.TestCase):
    @parameterized.expand([(k, s, d, p, f) for k, (s, d), p, f in itertools.product(
        [1, 3], [(1, 1), (2, 1), (1, 2)], ["valid", "same"],
        ["channels_last", "channels_first"])])
    def test_matches_reference(self, k, s, d, padding, fmt):
        layer = layers.DepthwiseConv1D(k, strides=s, padding=padding, data_format=fmt,
                                       dilation_rate=d, depth_multiplier=2,
                                       bias_initializer="random_normal", dtype="float64")
        cf = fmt == "channels_first"
        x = random_input((2, 3, 9) if cf else (2, 9, 3), "float64", 5)
        image = x[:, :, None, :] if cf else x[:, None, :, :]
        y = layer(x)
        expected = reference.depthwise_conv2d(image, layer.kernel.value[None],
                                              layer.bias.value, (1, s), padding, (1, d), cf)
        expected = expected[:, :, 0, :] if cf else expected[:, 0, :, :]
        assert_close(y, expected, "float64", (k, s, d, padding, fmt))
        self.assertEqual(layer.kernel.shape, (k, 3, 2))
        self.assertEqual(y.shape, layer.compute_output_shape(x.shape))
