"""Every bad input of the core issue: Keras's exception class, a message naming the
argument and the value received, and the object left as it was."""
import copy
import unittest

import numpy as np
from parameterized import parameterized

from kerasmini import layers

BAD_CONSTRUCTORS = [
    ("filters_zero", layers.Conv2D, dict(filters=0, kernel_size=3), "filters=0"),
    ("filters_negative", layers.Conv2D, dict(filters=-2, kernel_size=3), "filters=-2"),
    ("filters_float", layers.Conv2D, dict(filters=2.5, kernel_size=3), "filters=2.5"),
    ("units_zero", layers.Dense, dict(units=0), "units=0"),
    ("units_float", layers.Dense, dict(units=1.5), "units=1.5"),
    ("pool_zero", layers.MaxPool2D, dict(pool_size=0), "pool_size=0"),
    ("pool_negative", layers.MaxPool2D, dict(pool_size=(2, -1)), "pool_size=(2, -1)"),
    ("pool_float", layers.MaxPool2D, dict(pool_size=2.5), "pool_size=2.5"),
    ("pool_strides_zero", layers.MaxPool2D, dict(strides=0), "strides=0"),
    ("kernel_zero", layers.Conv2D, dict(filters=2, kernel_size=0), "kernel_size=0"),
    ("kernel_negative", layers.Conv2D, dict(filters=2, kernel_size=(3, -1)),
     "kernel_size=(3, -1)"),
    ("kernel_length", layers.Conv2D, dict(filters=2, kernel_size=(1, 2, 3)),
     "kernel_size=(1, 2, 3)"),
    ("strides_zero", layers.Conv2D, dict(filters=2, kernel_size=3, strides=0), "strides=0"),
    ("strides_length", layers.Conv2D, dict(filters=2, kernel_size=3, strides=(1,)),
     "strides=(1,)"),
    ("dilation_negative", layers.Conv2D, dict(filters=2, kernel_size=3, dilation_rate=-1),
     "dilation_rate=-1"),
    ("dilation_length", layers.Conv2D, dict(filters=2, kernel_size=3, dilation_rate=(1, 1, 1)),
     "dilation_rate=(1, 1, 1)"),
    ("strides_and_dilation", layers.Conv2D,
     dict(filters=2, kernel_size=3, strides=2, dilation_rate=2), "dilation_rate=(2, 2)"),
    ("groups_zero", layers.Conv2D, dict(filters=2, kernel_size=3, groups=0), "groups=0"),
    ("filters_not_divisible", layers.Conv2D, dict(filters=3, kernel_size=3, groups=2),
     "filters=3"),
    ("conv_padding", layers.Conv2D, dict(filters=2, kernel_size=3, padding="full"), "full"),
    ("pool_padding", layers.MaxPool2D, dict(padding="causal"), "causal"),
    ("conv_data_format", layers.Conv2D, dict(filters=2, kernel_size=3, data_format="NHWC"),
     "data_format=NHWC"),
    ("pool_data_format", layers.MaxPool2D, dict(data_format="nchw"), "data_format=nchw"),
    ("conv_activation", layers.Conv2D, dict(filters=2, kernel_size=3, activation="relux"),
     "relux"),
    ("dense_activation", layers.Dense, dict(units=2, activation="nope"), "nope"),
    ("conv_initializer", layers.Conv2D,
     dict(filters=2, kernel_size=3, kernel_initializer="glorot"), "glorot"),
    ("dense_initializer", layers.Dense, dict(units=2, bias_initializer="zero_ones"),
     "zero_ones"),
    ("unknown_keyword", layers.Dense, dict(units=2, kernal_size=3), "kernal_size"),
]


class BadConstructorTest(unittest.TestCase):
    @parameterized.expand(BAD_CONSTRUCTORS)
    def test_raises_value_error_naming_value(self, _, cls, args, fragment):
        with self.assertRaises(ValueError) as caught:
            cls(**args)
        self.assertIn(fragment, str(caught.exception))


def _state(layer):
    """Everything observable about a layer, to check a failed call changed nothing."""
    return (layer.built, copy.deepcopy(layer.get_weights()),
            None if layer.input_spec is None else dict(layer.input_spec.axes),
            layer.name)


def _assert_unchanged(test, layer, before):
    after = _state(layer)
    test.assertEqual(before[0], after[0])
    test.assertEqual(len(before[1]), len(after[1]))
    for a, b in zip(before[1], after[1]):
        np.testing.assert_array_equal(a, b)
    test.assertEqual(before[2:], after[2:])


BAD_CALLS = [
    # (name, layer factory, first input that builds it or None, bad input, fragment)
    ("conv_rank_3", lambda: layers.Conv2D(2, 3), None, (4, 4, 3), "ndim=3"),
    ("conv_rank_5", lambda: layers.Conv2D(2, 3), None, (1, 4, 4, 4, 3), "ndim=5"),
    ("pool_rank_3", lambda: layers.MaxPool2D(), None, (4, 4, 3), "ndim=3"),
    ("dense_rank_1", lambda: layers.Dense(2), None, (3,), "ndim=1"),
    ("conv_channels_changed", lambda: layers.Conv2D(2, 3), (1, 5, 5, 3), (1, 5, 5, 4),
     "(1, 5, 5, 4)"),
    ("conv_channels_first_changed", lambda: layers.Conv2D(2, 3, data_format="channels_first"),
     (1, 3, 5, 5), (1, 2, 5, 5), "(1, 2, 5, 5)"),
    ("dense_features_changed", lambda: layers.Dense(2), (2, 3), (2, 4), "(2, 4)"),
    ("channels_not_divisible_by_groups", lambda: layers.Conv2D(4, 3, groups=2), None,
     (1, 5, 5, 3), "groups=2"),
    ("kernel_larger_than_input", lambda: layers.Conv2D(2, 5), None, (1, 4, 4, 1),
     "kernel_size=(5, 5)"),
    ("dilated_kernel_larger", lambda: layers.Conv2D(2, 3, dilation_rate=3), None,
     (1, 6, 6, 1), "dilation_rate=(3, 3)"),
    ("pool_larger_than_input", lambda: layers.MaxPool2D(5), None, (1, 4, 4, 1),
     "pool_size=(5, 5)"),
]


class BadCallTest(unittest.TestCase):
    @parameterized.expand(BAD_CALLS)
    def test_raises_and_leaves_layer_unchanged(self, _, make, first, bad, fragment):
        layer = make()
        if first is not None:
            layer(np.zeros(first, "float32"))
        before = _state(layer)
        with self.assertRaises(ValueError) as caught:
            layer(np.zeros(bad, "float32"))
        self.assertIn(fragment, str(caught.exception))
        _assert_unchanged(self, layer, before)

    def test_non_numeric_input(self):
        layer = layers.Dense(1)
        with self.assertRaisesRegex(ValueError, "dtype=<U1"):
            layer(np.array([["a"]]))
        self.assertFalse(layer.built)

    @parameterized.expand([("filters", dict(filters="2", kernel_size=3), "filters='2'"),
                           ("groups", dict(filters=2, kernel_size=3, groups="1"), "groups='1'")])
    def test_non_numeric_argument_is_type_error(self, _, args, fragment):
        with self.assertRaises(TypeError) as caught:
            layers.Conv2D(**args)
        self.assertIn(fragment, str(caught.exception))


class BadSetWeightsTest(unittest.TestCase):
    def _built(self):
        layer = layers.Conv2D(2, 3)
        layer.build((None, 5, 5, 3))
        return layer

    @parameterized.expand([
        ("too_few", [np.zeros((3, 3, 3, 2))], "length 1"),
        ("too_many", [np.zeros((3, 3, 3, 2)), np.zeros(2), np.zeros(2)], "length 3"),
        ("kernel_shape", [np.zeros((3, 3, 2, 2)), np.zeros(2)], "(3, 3, 2, 2)"),
        ("bias_shape_after_good_kernel", [np.ones((3, 3, 3, 2)), np.zeros(3)], "(3,)"),
    ])
    def test_nothing_changed(self, _, weights, fragment):
        layer = self._built()
        before = _state(layer)
        with self.assertRaises(ValueError) as caught:
            layer.set_weights(weights)
        self.assertIn(fragment, str(caught.exception))
        _assert_unchanged(self, layer, before)
