"""Conv1DTranspose/Conv2DTranspose against the scatter loop reference; chunking; errors."""
import itertools
import unittest
from unittest import mock

import numpy as np
from parameterized import parameterized

from kerasmini import layers
from kerasmini.ops import transposed_convolution
from tests import reference
from tests.helpers import assert_close, random_input


def _grid():
    for k, (s, d), padding, op, fmt in itertools.product(
            [1, 2, 3, (3, 2)], [(1, 1), (2, 1), (3, 1), (1, 2)], ["valid", "same"],
            [None, 0, 1, 2], ["channels_last", "channels_first"]):
        if op is not None and op >= s:
            continue
        ks = (k, k) if isinstance(k, int) else k
        if padding == "same" and op == 0 and any(((n - 1) * d + 1) % 2 == 0 for n in ks):
            continue  # no such output (test_even_kernel_same_zero_output_padding)
        yield k, s, d, padding, op, fmt


class Conv2DTransposeTest(unittest.TestCase):
    @parameterized.expand(list(_grid()))
    def test_matches_reference(self, k, s, d, padding, op, fmt):
        layer = layers.Conv2DTranspose(4, k, strides=s, padding=padding, output_padding=op,
                                       data_format=fmt, dilation_rate=d,
                                       bias_initializer="random_normal", dtype="float64")
        cf = fmt == "channels_first"
        x = random_input((2, 3, 4, 5) if cf else (2, 4, 5, 3), "float64", 8)
        y = layer(x)
        ks = (k, k) if isinstance(k, int) else k
        self.assertEqual(layer.kernel.shape, (*ks, 4, 3))
        expected = reference.conv_transpose2d(x, layer.kernel.value, layer.bias.value,
                                              (s, s), padding, (d, d),
                                              None if op is None else (op, op), cf)
        assert_close(y, expected, "float64", (k, s, d, padding, op, fmt))
        self.assertEqual(y.shape, layer.compute_output_shape(x.shape))

    @parameterized.expand([((4, 6), (2, 3)), ((4, 2), (2, 1)), ((6, 4), (3, 2)),
                           ((2, 9), (1, 3))])
    def test_stacked_phases_of_kernels_several_strides_long(self, k, s):
        """Kernel sizes multiples of unequal strides (2 or 3 taps per phase, phases
        counted per axis): the one-convolution path of stacked sub-kernels, whole and
        in chunks of one image, against the scatter loop."""
        self.assertIsNotNone(transposed_convolution.stacked_phases(
            np.zeros((*k, 2, 3)), s, (1, 1)))
        largest = tuple(v - 1 for v in s)  # the largest output_padding each stride allows
        for padding, op in (("valid", None), ("same", None), ("valid", largest)):
            layer = layers.Conv2DTranspose(2, k, strides=s, padding=padding,
                                           output_padding=op, dtype="float64")
            x = random_input((3, 4, 5, 3), "float64", 5)
            whole = layer(x)
            expected = reference.conv_transpose2d(x, layer.kernel.value, layer.bias.value,
                                                  s, padding, (1, 1), op)
            assert_close(whole, expected, "float64", (k, s, padding, op))
            with mock.patch.object(transposed_convolution, "WORKSPACE_BYTES", 1):
                assert_close(layer(x), expected, "float64", (k, s, padding, op, "chunks"))

    def test_chunks_of_images_give_the_same_values(self):
        x = random_input((5, 4, 3, 2), "float32", 9)
        layer = layers.Conv2DTranspose(3, 3, strides=2, padding="same")
        whole = layer(x)
        padded_image = (4 + 2) * (3 + 2) * 2 * 4  # bytes: one pixel of padding per side
        for budget in (1, 2 * padded_image):  # one image per chunk; two per chunk
            with mock.patch.object(transposed_convolution, "WORKSPACE_BYTES", budget):
                assert_close(layer(x), whole.astype(np.float64), "float32", budget)

    def test_kernel_smaller_than_stride_leaves_bias_only_pixels(self):
        layer = layers.Conv2DTranspose(2, 1, strides=3, bias_initializer="ones",
                                       dtype="float64")
        y = layer(random_input((1, 2, 2, 1), "float64", 1))
        self.assertEqual(y.shape, (1, 6, 6, 2))
        np.testing.assert_array_equal(y[:, 1::3], 1.0)  # no kernel tap lands there

    def test_even_kernel_same_zero_output_padding(self):
        """The output would be one pixel short: TensorFlow fails, and so does kerasmini."""
        layer = layers.Conv2DTranspose(2, 4, strides=2, padding="same", output_padding=0)
        with self.assertRaisesRegex(ValueError, "output_padding"):
            layer(np.ones((1, 3, 3, 1)))
        self.assertFalse(layer.built)

    def test_errors(self):
        for args, error, name in (
                ({"output_padding": 2, "strides": 2}, ValueError, "output_padding"),
                ({"output_padding": -1}, ValueError, "output_padding"),
                ({"strides": 2, "dilation_rate": 2}, ValueError, "dilation_rate"),
                ({"filters": 0}, ValueError, "filters"),
                ({"padding": "causal"}, ValueError, "causal")):
            with self.subTest(args=args), self.assertRaises(error) as caught:
                layers.Conv2DTranspose(**{"filters": 2, "kernel_size": 3, **args})
            self.assertIn(name, str(caught.exception))

    def test_config(self):
        layer = layers.Conv2DTranspose(4, 3, strides=2, output_padding=1)
        config = layer.get_config()
        self.assertEqual(config["output_padding"], (1, 1))
        self.assertNotIn("groups", config)
        self.assertEqual(layers.Conv2DTranspose.from_config(config).get_config(), config)
        self.assertIsNone(layers.Conv2DTranspose(4, 3).get_config()["output_padding"])


class Conv1DTransposeTest(unittest.TestCase):
    @parameterized.expand([c for c in _grid() if isinstance(c[0], int)][::3])
    def test_matches_reference(self, k, s, d, padding, op, fmt):
        layer = layers.Conv1DTranspose(4, k, strides=s, padding=padding, output_padding=op,
                                       data_format=fmt, dilation_rate=d,
                                       bias_initializer="random_normal", dtype="float64")
        cf = fmt == "channels_first"
        x = random_input((2, 3, 5) if cf else (2, 5, 3), "float64", 10)
        y = layer(x)
        self.assertEqual(layer.kernel.shape, (k, 4, 3))
        image = x[:, :, None, :] if cf else x[:, None, :, :]
        expected = reference.conv_transpose2d(
            image, layer.kernel.value[None], layer.bias.value, (1, s), padding, (1, d),
            None if op is None else (0, op), cf)
        expected = expected[:, :, 0, :] if cf else expected[:, 0, :, :]
        assert_close(y, expected, "float64", (k, s, d, padding, op, fmt))
        self.assertEqual(y.shape, layer.compute_output_shape(x.shape))

