"""explain() agrees with compute_output_shape across the conformance grids.

For every configuration and input shape: when compute_output_shape returns a shape, the
explanation has that shape (and prints it); when it raises, the explanation has no output
and says why, in words -- explain never raises on a bad configuration. The number of
window positions is also checked against a loop that counts them one by one.
"""
import itertools
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from kerasmini import layers
from kerasmini.explain.explanation import shape_as_tuple
from kerasmini.ops.shapes import effective_kernel_size

CONV_KERNELS = (1, 2, 3, 5, (1, 3), (3, 1), (4, 3))
CONV_STRIDES = (1, 2, 3, (2, 1))
DILATIONS = (1, 2, (2, 3))
PADDINGS = ("valid", "same")
DATA_FORMATS = ("channels_last", "channels_first")
SIZES = (1, 2, 3, 4, 5, 7, 8)  # odd/even, size 1, and input == kernel for every kernel


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def conv_grid():
    for kernel, strides, dilation, padding, groups, data_format in itertools.product(
            CONV_KERNELS, CONV_STRIDES, DILATIONS, PADDINGS, (1, 2), DATA_FORMATS):
        if max(_pair(strides)) > 1 and max(_pair(dilation)) > 1:
            continue  # Keras refuses strides > 1 with dilation > 1
        yield (f"k{kernel}_s{strides}_d{dilation}_{padding}_g{groups}_{data_format}",
               dict(filters=4 if groups == 2 else 5, kernel_size=kernel, strides=strides,
                    dilation_rate=dilation, padding=padding, groups=groups,
                    data_format=data_format))


def pool_grid():
    for pool, strides, padding, data_format in itertools.product(
            (1, 2, 3, (2, 3), (3, 1)), (None, 1, 2, 3, (2, 1)), PADDINGS, DATA_FORMATS):
        yield (f"p{pool}_s{strides}_{padding}_{data_format}",
               dict(pool_size=pool, strides=strides, padding=padding,
                    data_format=data_format))


def image_shapes(channels, data_format, sizes=SIZES):
    """(batch, h, w, c) or (batch, c, h, w) for every pair of sizes, plus None sizes."""
    pairs = list(itertools.product(sizes, sizes)) + [(None, 5), (6, None), (None, None)]
    for batch, (h, w) in zip(itertools.cycle((2, None, 1)), pairs):
        yield ((batch, h, w, channels) if data_format == "channels_last"
               else (batch, channels, h, w))


def loop_positions(length, kernel, stride, padding, dilation=1):
    """Window positions counted one at a time: starts that fit ('valid') or that lie
    inside the input ('same'). The obviously-correct reference for the word sums."""
    if length is None:
        return None
    if padding == "same":
        return len([start for start in range(0, length, stride)])
    span = effective_kernel_size(kernel, dilation)
    return len([start for start in range(0, length, stride) if start + span <= length])


def assert_agrees(test, layer, input_shape, config):
    context = f"{type(layer).__name__}({config}) on {input_shape}"
    try:
        expected = tuple(layer.compute_output_shape(input_shape))
    except ValueError as error:
        expected, reason = None, str(error)
    explanation = layer.explain(input_shape)  # never raises
    text = str(explanation)
    if expected is None:
        test.assertFalse(explanation.ok, f"{context}: compute_output_shape raised "
                                         f"({reason}) but explain gave {text}")
        test.assertIsNone(explanation.output_shape, context)
        test.assertIn("no output: " + explanation.problem, text, context)
    else:
        test.assertTrue(explanation.ok, f"{context}: expected {expected}, explain says "
                                        f"{explanation.problem}")
        test.assertEqual(explanation.output_shape, expected, f"{context}\n{text}")
        test.assertTrue(text.endswith(f"-> {shape_as_tuple(expected)}"), f"{context}\n{text}")
    return explanation


def spatial_of(shape, data_format):
    return shape[1:-1] if data_format == "channels_last" else shape[2:]


class ConvGridTest(unittest.TestCase):
    @parameterized.expand(list(conv_grid()))
    def test_conv2d(self, _, config):
        layer = layers.Conv2D(**config)
        channels = 4 if config["groups"] == 2 else 3
        for shape in image_shapes(channels, config["data_format"]):
            explanation = assert_agrees(self, layer, shape, config)
            spatial = spatial_of(shape, config["data_format"])
            loop = [loop_positions(n, k, s, config["padding"], d) for n, k, s, d in zip(
                spatial, layer.kernel_size, layer.strides, layer.dilation_rate)]
            if any(n == 0 for n in loop):
                self.assertIn("no output position fits", explanation.problem)
            else:
                self.assertEqual(spatial_of(explanation.output_shape, config["data_format"]),
                                 tuple(loop), f"{config} on {shape}")
                params = (layer.kernel_size[0] * layer.kernel_size[1] * channels
                          // layer.groups * layer.filters + layer.filters)
                self.assertEqual(explanation.params, params)
                self.assertIn(f"= {params}", str(explanation))

    @parameterized.expand([("groups_do_not_divide", dict(filters=6, kernel_size=3, groups=2),
                            (1, 5, 5, 3), "cannot be split evenly into groups=2"),
                           ("channels_unknown", dict(filters=2, kernel_size=1),
                            (1, 5, 5, None), "channel axis is None"),
                           ("rank_3", dict(filters=2, kernel_size=1), (5, 5, 3),
                            "is the batch axis missing"),
                           ("rank_5", dict(filters=2, kernel_size=1), (1, 2, 5, 5, 3),
                            "rank-4 input")])
    def test_invalid_inputs_are_explained(self, _, config, shape, words):
        layer = layers.Conv2D(**config)
        explanation = assert_agrees(self, layer, shape, config)
        self.assertIn(words, explanation.problem)

    def test_kernel_larger_than_input(self):
        explanation = layers.Conv2D(2, 5).explain((1, 4, 4, 3))
        self.assertIn("kernel 5 is larger than input 4 with padding='valid': no output "
                      "position fits", str(explanation))

    def test_dilated_kernel_larger_than_input(self):
        explanation = layers.Conv2D(2, 3, dilation_rate=3).explain((1, 6, 9, 3))
        self.assertIn("(3 - 1) * 3 + 1 = 7", str(explanation))
        self.assertIn("dilated kernel 7 is larger than input 6", explanation.problem)


class PoolGridTest(unittest.TestCase):
    @parameterized.expand(list(pool_grid()))
    def test_max_pool2d(self, _, config):
        layer = layers.MaxPool2D(**config)
        for shape in image_shapes(3, config["data_format"]):
            explanation = assert_agrees(self, layer, shape, config)
            if explanation.ok:
                self.assertEqual(explanation.params, 0)
                spatial = spatial_of(shape, config["data_format"])
                loop = [loop_positions(n, k, s, config["padding"]) for n, k, s in
                        zip(spatial, layer.pool_size, layer.strides)]
                self.assertEqual(spatial_of(explanation.output_shape, config["data_format"]),
                                 tuple(loop))

    def test_strides_none_means_pool_size(self):
        text = str(layers.MaxPooling2D(3).explain((1, 7, 7, 2)))
        self.assertIn("strides=None means strides = pool_size", text)
        self.assertIn("(7 - 3) / 3 + 1 = (7 - 3 + 3) / 3 = ~2.333", text)


class DenseGridTest(unittest.TestCase):
    @parameterized.expand([(f"rank{len(shape)}_{units}_{bias}", shape, units, bias)
                           for shape in ((2, 8), (None, 8), (2, 3, 8), (2, None, 5, 8),
                                         (1, 2, 3, 4, 8), (4, None))
                           for units in (1, 4) for bias in (True, False)])
    def test_dense(self, _, shape, units, use_bias):
        layer = layers.Dense(units, use_bias=use_bias)
        explanation = assert_agrees(self, layer, shape, dict(units=units, use_bias=use_bias))
        if shape[-1] is None:
            self.assertIsNone(explanation.params)
        else:
            self.assertEqual(explanation.params, shape[-1] * units + units * use_bias)


class SeedExampleTest(unittest.TestCase):
    def test_valid_width_and_height(self):
        text = str(layers.Conv2D(filters=5, kernel_size=3, strides=(2, 2)).explain(
            (10, 8, 16, 3)))
        for words in ("(16 - 3) / 2 + 1 = (16 - 3 + 2) / 2 = 7.5", "rounds 7.5 down to 7",
                      "ceil(16 / 2) = 8", "(8 - 3) / 2 + 1 = (8 - 3 + 2) / 2 = 3.5",
                      "rounds 3.5 down to 3", "ceil(8 / 2) = 4",
                      "3 * 3 * (3 / 1) * 5 + 5 = 140", "(10, 8, 16, 3) -> (10, 3, 7, 5)"):
            self.assertIn(words, text)

    def test_same_width_and_height(self):
        text = str(layers.Conv2D(filters=5, kernel_size=3, strides=(2, 2),
                                 padding="same").explain((10, 8, 16, 3)))
        for words in ("ceil(16 / 2) = 8", "(8 - 1) * 2 + 3 - 16 = 1: 0 left, 1 right",
                      "the odd pixel goes right", "(4 - 1) * 2 + 3 - 8 = 1: 0 top, 1 bottom",
                      "7.5 -> 7", "3.5 -> 3", "(10, 8, 16, 3) -> (10, 4, 8, 5)"):
            self.assertIn(words, text)

    def test_kerasmini_explain_is_the_same_function(self):
        layer = layers.Conv2D(5, 3, strides=2)
        self.assertEqual(str(kerasmini.explain(layer, (10, 8, 16, 3))),
                         str(layer.explain((10, 8, 16, 3))))


class ModelTest(unittest.TestCase):
    """One row per layer, for a Sequential and for a plain list of layers."""

    def stack(self):
        return [layers.Conv2D(5, 3, strides=2, name="conv"), layers.MaxPool2D(name="pool"),
                layers.Dense(4, name="dense")]

    def check_rows(self, explanation, stack, input_shape):
        shape = input_shape
        for layer, (name, row) in zip(stack, explanation.layers):
            self.assertEqual(name, layer.name)
            self.assertEqual(row.input_shape, shape)
            shape = tuple(layer.compute_output_shape(shape))
            self.assertEqual(row.output_shape, shape)
        self.assertEqual(explanation.output_shape, shape)
        return shape

    def test_list_of_layers(self):
        stack = self.stack()
        explanation = kerasmini.explain(stack, (10, 8, 16, 3))
        self.assertEqual(self.check_rows(explanation, stack, (10, 8, 16, 3)), (10, 1, 3, 4))
        self.assertEqual(explanation.params, 140 + 0 + 24)
        lines = str(explanation).splitlines()
        self.assertEqual([line.split()[0] for line in lines[2:5]], ["conv", "pool", "dense"])
        self.assertIn("width (16 - 3) / 2 + 1 = 7.5 -> 7", lines[2])

    @unittest.skipUnless(hasattr(kerasmini, "Sequential"), "no kerasmini.Sequential yet")
    def test_sequential(self):
        stack = self.stack() + [layers.Flatten(name="flat"), layers.Dense(2, name="out")]
        model = kerasmini.Sequential([layers.Input((8, 16, 3))] + stack)
        explanation = model.explain()  # the Input's shape
        shape = self.check_rows(explanation, stack, (None, 8, 16, 3))
        self.assertEqual(shape, (None, 2))
        x = np.zeros((2, 8, 16, 3), np.float32)
        self.assertEqual(model(x).shape, (2, 2))
        self.assertEqual(explanation.params, model.count_params())

    def test_a_layer_with_no_output_stops_the_rows(self):
        explanation = kerasmini.explain(self.stack(), (1, 2, 2, 3))
        self.assertFalse(explanation.ok)
        self.assertIn("conv: kernel 3 is larger than input 2", explanation.problem)
        self.assertIn("not reached", str(explanation))


class ConformanceGridsTest(unittest.TestCase):
    """The conformance suite's own grids, case by case (conformance/grids.py imports no
    TensorFlow), so explain is checked on exactly what the side-by-side suite runs."""

    def _check(self, make_layer, configs):
        for name, args, shapes in configs:
            layer = make_layer(**args)
            for shape in shapes:
                assert_agrees(self, layer, shape, name)
                assert_agrees(self, layer, (None, *shape[1:]), name)

    def test_conv2d_grid(self):
        from conformance import grids
        self._check(layers.Conv2D, grids.conv_configs())

    def test_max_pool2d_grid(self):
        from conformance import grids
        self._check(layers.MaxPool2D,
                    [(name, args, shapes) for name, _, args, shapes in grids.pool_configs()])

    def test_dense_grid(self):
        from conformance import grids
        self._check(layers.Dense, grids.dense_configs())
