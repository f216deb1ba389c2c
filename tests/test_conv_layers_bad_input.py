"""The depthwise, separable and transposed convolutions: a call that fails (input smaller
than the kernel, wrong rank, an impossible output_padding) leaves the layer unbuilt, with
no weights, and a good call afterwards works."""
import unittest

import numpy as np
from parameterized import parameterized

from kerasmini import layers


class FailedCallLeavesLayerUnchangedTest(unittest.TestCase):
    """A call that fails (input smaller than the kernel, wrong rank) builds nothing."""

    @parameterized.expand([
        ("DepthwiseConv2D", dict(kernel_size=4), (1, 3, 3, 2), (1, 5, 5, 2)),
        ("SeparableConv2D", dict(filters=2, kernel_size=4), (1, 3, 3, 2), (1, 5, 5, 2)),
        ("SeparableConv1D", dict(filters=2, kernel_size=4), (1, 3, 2), (1, 5, 2)),
        ("DepthwiseConv1D", dict(kernel_size=2), (1, 3, 2, 2), (1, 3, 2)),
        ("Conv2DTranspose", dict(filters=2, kernel_size=4, strides=2, padding="same",
                                 output_padding=0), (1, 3, 3, 2), None),
        ("Conv1DTranspose", dict(filters=2, kernel_size=3), (1, 3, 3, 2), (1, 3, 2)),
    ])
    def test_bad_then_good_call(self, name, args, bad_shape, good_shape):
        layer = getattr(layers, name)(**args)
        with self.assertRaises(ValueError):
            layer(np.ones(bad_shape, "float32"))
        self.assertFalse(layer.built)
        self.assertEqual(layer.weights, [])
        if good_shape is not None:
            self.assertEqual(layer(np.ones(good_shape, "float32")).shape,
                             layer.compute_output_shape(good_shape))
