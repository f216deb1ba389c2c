"""Conv2D against the loop reference over a grid of arguments."""
import itertools
import unittest

import numpy as np
from parameterized import parameterized

from kerasmini import layers
from tests import reference
from tests.helpers import assert_close, random_input


def _grid():
    for ks, st, pad, dil, groups, fmt, bias in itertools.product(
            [1, 2, 3, (1, 3), (4, 3)], [1, 2, (2, 1)], ["valid", "same"],
            [1, (2, 3)], [1, 2], ["channels_last", "channels_first"], [True, False]):
        if dil != 1 and st != 1:
            continue
        yield dict(filters=4, kernel_size=ks, strides=st, padding=pad, dilation_rate=dil,
                   groups=groups, data_format=fmt, use_bias=bias)


def _name(func, num, p):
    return f"{func.__name__}_{num}_" + "_".join(
        str(v).replace(" ", "") for v in p.args[0].values())


def _run(config, dtype, height=7, width=8, channels=4, seed=0):
    layer = layers.Conv2D(**config, dtype=dtype, bias_initializer="random_normal")
    cf = config["data_format"] == "channels_first"
    shape = (2, channels, height, width) if cf else (2, height, width, channels)
    x = random_input(shape, dtype, seed)
    y = layer(x)
    bias = layer.bias.numpy() if config["use_bias"] else None
    expected = reference.conv2d(
        x, layer.kernel.numpy().astype(np.float64), bias, layer.strides, layer.padding,
        layer.dilation_rate, layer.groups, channels_first=cf)
    return layer, y, expected


class Conv2DGridTest(unittest.TestCase):
    @parameterized.expand([(c,) for c in _grid()], name_func=_name)
    def test_float64_matches_reference(self, config):
        layer, y, expected = _run(config, "float64")
        assert_close(y, expected, "float64", config)
        self.assertEqual(y.shape, layer.compute_output_shape(y.shape[:0] + (2,) + (
            (4, 7, 8) if config["data_format"] == "channels_first" else (7, 8, 4))))

    @parameterized.expand([(c,) for c in _grid() if c["groups"] == 1], name_func=_name)
    def test_float32_matches_reference(self, config):
        _, y, expected = _run(config, "float32", seed=1)
        assert_close(y, expected, "float32", config)


class Conv2DEdgeSizesTest(unittest.TestCase):
    @parameterized.expand([
        ("input_equals_kernel", dict(kernel_size=3), (3, 3)),
        ("size_one_input_same", dict(kernel_size=3, padding="same"), (1, 1)),
        ("size_one_kernel_one", dict(kernel_size=1), (1, 1)),
        ("stride_larger_than_input", dict(kernel_size=2, strides=5, padding="same"), (3, 4)),
        ("odd_same_split", dict(kernel_size=4, strides=2, padding="same"), (5, 6)),
    ])
    def test_edge(self, _, args, hw):
        config = {**dict(filters=3, strides=1, padding="valid", dilation_rate=1, groups=1,
                         data_format="channels_last", use_bias=True), **args}
        _, y, expected = _run(config, "float64", *hw, channels=2)
        assert_close(y, expected, "float64", (config, hw))


class Conv2DSeedExampleTest(unittest.TestCase):
    """Ten 16x8 RGB images through a 3x3, stride-2 convolution with 5 filters."""

    def test_valid_and_same(self):
        x = np.zeros((10, 8, 16, 3), "float32")
        valid = layers.Conv2D(filters=5, kernel_size=3, strides=(2, 2), padding="valid")
        same = layers.Conv2D(filters=5, kernel_size=3, strides=(2, 2), padding="same")
        self.assertEqual(valid(x).shape, (10, 3, 7, 5))
        self.assertEqual(same(x).shape, (10, 4, 8, 5))
        self.assertEqual(valid.count_params(), 3 * 3 * 3 * 5 + 5)


class Conv2DWorkspaceTest(unittest.TestCase):
    def test_chunked_equals_unchunked(self):
        """Force many tiny chunks (row bands of single images) and compare."""
        from kerasmini.ops import convolution as conv_module
        x = random_input((3, 9, 10, 3), "float64", 2)
        kernel = random_input((3, 3, 3, 5), "float64", 3)
        whole = conv_module.conv(x, kernel, padding="same")
        saved = conv_module.WORKSPACE_BYTES
        try:
            conv_module.WORKSPACE_BYTES = 1
            banded = conv_module.conv(x, kernel, padding="same")
            conv_module.WORKSPACE_BYTES = 10 * 27 * 8 * 9 * 2  # two whole images
            batched = conv_module.conv(x, kernel, padding="same")
        finally:
            conv_module.WORKSPACE_BYTES = saved
        np.testing.assert_array_equal(banded, whole)
        np.testing.assert_array_equal(batched, whole)


class Conv2DThreadedTest(unittest.TestCase):
    """The path of large products: blocks of output rows shared by two threads, and 1x1
    convolutions as a matmul cut in row blocks, forced on small inputs."""

    def setUp(self):
        from tests.kernel_limits import shrunk
        limits = shrunk(small_product=0, min_rows=3, workers=2)
        limits.__enter__()
        self.addCleanup(limits.__exit__, None, None, None)

    @parameterized.expand([(c,) for c in _grid() if c["data_format"] == "channels_last"],
                          name_func=_name)
    def test_float64_matches_reference(self, config):
        _, y, expected = _run(config, "float64", height=11, width=9, seed=4)
        assert_close(y, expected, "float64", config)
