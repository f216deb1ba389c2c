"""SeparableConv1D/2D: the depthwise loop reference, then a 1x1 loop convolution."""
import itertools
import unittest

import numpy as np
from parameterized import parameterized

from kerasmini import layers
from tests import reference
from tests.helpers import assert_close, random_input


def separable_reference(x, layer, strides, dilation, channels_first, rows=()):
    """The depthwise loop reference, then a 1x1 loop convolution; `rows` = (1,) runs a
    1D layer's kernels as 1-row 2D kernels on a 1-row image."""
    depthwise_kernel = layer.depthwise_kernel.value.reshape(
        rows + layer.depthwise_kernel.shape)
    depthwise = reference.depthwise_conv2d(x, depthwise_kernel, None, strides,
                                           layer.padding, dilation, channels_first)
    pointwise = layer.pointwise_kernel.value.reshape(1, 1, *layer.pointwise_kernel.shape[-2:])
    bias = layer.bias.value if layer.use_bias else None
    return reference.conv2d(depthwise, pointwise, bias, (1, 1), "valid", (1, 1), 1,
                            channels_first)


class SeparableConv2DTest(unittest.TestCase):
    @parameterized.expand(list(itertools.product(
        [1, 3], [(1, 1), (2, 1), (2, 2)], ["valid", "same"],
        ["channels_last", "channels_first"], [1, 2], [True, False])))
    def test_matches_reference(self, k, sd, padding, fmt, multiplier, use_bias):
        s, d = sd
        layer = layers.SeparableConv2D(5, k, strides=s, padding=padding, data_format=fmt,
                                       dilation_rate=d, depth_multiplier=multiplier,
                                       use_bias=use_bias, bias_initializer="random_normal",
                                       dtype="float64")
        cf = fmt == "channels_first"
        x = random_input((2, 3, 8, 7) if cf else (2, 8, 7, 3), "float64", 6)
        y = layer(x)
        self.assertEqual([w.name for w in layer.weights],
                         ["depthwise_kernel", "pointwise_kernel"] + ["bias"] * use_bias)
        self.assertEqual(layer.pointwise_kernel.shape, (1, 1, 3 * multiplier, 5))
        assert_close(y, separable_reference(x, layer, (s, s), (d, d), cf), "float64",
                     (k, s, d, padding, fmt, multiplier, use_bias))
        self.assertEqual(y.shape, layer.compute_output_shape(x.shape))

    def test_parameter_saving(self):
        """k*k*C*M + C*M*F + F parameters against k*k*C*F + F for Conv2D."""
        separable = layers.SeparableConv2D(64, 3)
        separable.build((1, 8, 8, 32))
        self.assertEqual(separable.count_params(), 3 * 3 * 32 + 32 * 64 + 64)
        conv = layers.Conv2D(64, 3)
        conv.build((1, 8, 8, 32))
        self.assertEqual(conv.count_params(), 3 * 3 * 32 * 64 + 64)

    def test_errors_and_config(self):
        for args, error in (({"filters": 0}, ValueError), ({"filters": "a"}, TypeError),
                            ({"depth_multiplier": -1}, ValueError)):
            with self.subTest(args=args), self.assertRaises(error) as caught:
                layers.SeparableConv2D(**{"filters": 2, "kernel_size": 3, **args})
            self.assertIn(next(iter(args)), str(caught.exception))
        layer = layers.SeparableConv2D(4, 3, pointwise_initializer="zeros",
                                       depth_multiplier=2)
        config = layer.get_config()
        self.assertEqual(config["filters"], 4)
        self.assertEqual(config["pointwise_initializer"]["class_name"], "Zeros")
        self.assertEqual(layers.SeparableConv2D.from_config(config).get_config(), config)


class SeparableConv1DTest(unittest.TestCase):
    @parameterized.expand(list(itertools.product(
        [1, 3], [(1, 1), (2, 1), (1, 2)], ["valid", "same"],
        ["channels_last", "channels_first"])))
    def test_matches_reference(self, k, sd, padding, fmt):
        s, d = sd
        layer = layers.SeparableConv1D(4, k, strides=s, padding=padding, data_format=fmt,
                                       dilation_rate=d, depth_multiplier=2,
                                       bias_initializer="random_normal", dtype="float64")
        cf = fmt == "channels_first"
        x = random_input((2, 3, 9) if cf else (2, 9, 3), "float64", 7)
        y = layer(x)
        self.assertEqual(layer.depthwise_kernel.shape, (k, 3, 2))
        self.assertEqual(layer.pointwise_kernel.shape, (1, 6, 4))
        image = x[:, :, None, :] if cf else x[:, None, :, :]
        expected = separable_reference(image, layer, (1, s), (1, d), cf, rows=(1,))
        expected = expected[:, :, 0, :] if cf else expected[:, 0, :, :]
        assert_close(y, expected, "float64", (k, s, d, padding, fmt))
        self.assertEqual(y.shape, layer.compute_output_shape(x.shape))
        self.assertIs(layers.SeparableConvolution1D, layers.SeparableConv1D)
        self.assertEqual(np.asarray(y).dtype, np.float64)
