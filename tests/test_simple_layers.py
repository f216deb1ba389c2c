"""The shape-only and elementwise layers: Flatten, Reshape, ZeroPadding2D, Cropping2D,
Activation, ReLU, LeakyReLU, Softmax, ELU, Dropout, Rescaling, global pooling, Add,
Concatenate, Input."""
import unittest

import numpy as np
from parameterized import parameterized

from kerasmini import layers
from tests.helpers import assert_close, random_input

X4 = random_input((2, 5, 6, 3), "float32", 0).astype("float64")  # float32-exact


class ReshapingTest(unittest.TestCase):
    def test_flatten(self):
        y = layers.Flatten()(X4)
        np.testing.assert_array_equal(y, X4.reshape(2, -1))
        self.assertEqual(layers.Flatten().compute_output_shape((None, 5, 6, 3)), (None, 90))
        self.assertEqual(layers.Flatten().compute_output_shape((None, None, 3)), (None, None))

    def test_flatten_channels_first_keeps_channels_last_order(self):
        cf = X4.transpose(0, 3, 1, 2)
        y = layers.Flatten(data_format="channels_first")(cf)
        np.testing.assert_array_equal(y, X4.reshape(2, -1).astype("float32"))

    def test_reshape(self):
        np.testing.assert_array_equal(layers.Reshape((15, -1))(X4), X4.reshape(2, 15, 6))
        self.assertEqual(layers.Reshape((-1, 3)).compute_output_shape((None, 5, 6, 3)),
                         (None, 30, 3))
        with self.assertRaises(ValueError):
            layers.Reshape((7, 7))(X4)
        with self.assertRaises(ValueError):
            layers.Reshape((-1, -1))

    @parameterized.expand([(1,), ((1, 2),), (((0, 1), (2, 3)),)])
    def test_zero_padding_then_cropping_is_identity(self, amount):
        pad = layers.ZeroPadding2D(amount, dtype="float64")
        padded = pad(X4)
        (t, b), (left, r) = pad.padding
        self.assertEqual(padded.shape, (2, 5 + t + b, 6 + left + r, 3))
        self.assertAlmostEqual(float(np.abs(padded).sum()), float(np.abs(X4).sum()), 4)
        back = layers.Cropping2D(pad.padding, dtype="float64")(padded)
        np.testing.assert_array_equal(back, X4)

    def test_channels_first_padding_and_cropping(self):
        cf = X4.transpose(0, 3, 1, 2)
        y = layers.ZeroPadding2D(((1, 0), (0, 2)), data_format="channels_first")(cf)
        self.assertEqual(y.shape, (2, 3, 6, 8))
        y = layers.Cropping2D(((1, 0), (0, 2)), data_format="channels_first")(cf)
        self.assertEqual(y.shape, (2, 3, 4, 4))

    def test_bad_arguments(self):
        for bad in [(1, 2, 3), -1, ((1, 2), (3,)), "a"]:
            with self.assertRaises(ValueError, msg=bad):
                layers.ZeroPadding2D(bad)
        with self.assertRaises(ValueError):
            layers.Cropping2D(3)(X4)


class ActivationLayersTest(unittest.TestCase):
    def test_activation(self):
        assert_close(layers.Activation("relu", dtype="float64")(X4), np.maximum(X4, 0),
                     "float64", "relu")
        self.assertEqual(layers.Activation("tanh").get_config()["activation"], "tanh")

    def test_relu_options(self):
        y = layers.ReLU(max_value=0.5, negative_slope=0.1, threshold=0.2,
                        dtype="float64")(X4)
        expected = np.where(X4 > 0.2, np.minimum(X4, 0.5), 0.1 * (X4 - 0.2))
        assert_close(y, expected, "float64", "relu options")
        with self.assertRaises(ValueError):
            layers.ReLU(max_value=-1)

    def test_leaky_relu_elu_softmax(self):
        slope = 0.3
        assert_close(layers.LeakyReLU(dtype="float64")(X4),
                     np.where(X4 > 0, X4, slope * X4), "float64", "leaky")
        assert_close(layers.ELU(alpha=0.5, dtype="float64")(X4),
                     np.where(X4 > 0, X4, 0.5 * np.expm1(X4)), "float64", "elu")
        e = np.exp(X4 - X4.max(axis=1, keepdims=True))
        assert_close(layers.Softmax(axis=1, dtype="float64")(X4),
                     e / e.sum(axis=1, keepdims=True), "float64", "softmax")

    def test_rescaling(self):
        y = layers.Rescaling(1 / 255, offset=-1)(np.full((1, 2), 255, np.uint8))
        np.testing.assert_allclose(y, np.zeros((1, 2)), atol=1e-6)
        self.assertEqual(y.dtype, np.float32)


class DropoutTest(unittest.TestCase):
    def test_identity_at_inference(self):
        layer = layers.Dropout(0.5)
        x = np.ones((100, 100), "float32")
        np.testing.assert_array_equal(layer(x), x)
        np.testing.assert_array_equal(layer(x, training=False), x)

    def test_training_drops_and_rescales(self):
        x = np.ones((200, 200), "float32")
        y = layers.Dropout(0.25, seed=1)(x, training=True)
        self.assertEqual(set(np.unique(y)), {0.0, np.float32(1 / 0.75)})
        self.assertAlmostEqual(float((y == 0).mean()), 0.25, delta=0.01)

    def test_noise_shape_drops_whole_channels(self):
        x = np.ones((4, 3, 3, 8), "float32")
        y = layers.Dropout(0.5, noise_shape=(None, 1, 1, None), seed=0)(x, training=True)
        per_channel = y.reshape(4, 9, 8)
        self.assertTrue(np.all(per_channel.min(axis=1) == per_channel.max(axis=1)))

    def test_bad_rate(self):
        for bad in [-0.1, 1.5]:
            with self.assertRaisesRegex(ValueError, f"rate={bad}"):
                layers.Dropout(bad)
        for bad in [None, "0.5"]:  # not a number at all: TypeError, as tf.keras
            with self.assertRaises(TypeError):
                layers.Dropout(bad)


class GlobalPoolingTest(unittest.TestCase):
    @parameterized.expand([(fmt, keep) for fmt in ["channels_last", "channels_first"]
                           for keep in [False, True]])
    def test_average_and_max(self, fmt, keepdims):
        x = X4 if fmt == "channels_last" else X4.transpose(0, 3, 1, 2)
        axes = (1, 2) if fmt == "channels_last" else (2, 3)
        for cls, fn in [(layers.GlobalAveragePooling2D, np.mean),
                        (layers.GlobalMaxPooling2D, np.max)]:
            layer = cls(data_format=fmt, keepdims=keepdims, dtype="float64")
            y = layer(x)
            assert_close(y, fn(x, axis=axes, keepdims=keepdims), "float64", (cls, fmt))
            self.assertEqual(y.shape, layer.compute_output_shape(x.shape))


class MergingTest(unittest.TestCase):
    def test_add(self):
        a, b, c = (random_input((2, 3, 4), "float64", s) for s in range(3))
        assert_close(layers.Add(dtype="float64")([a, b, c]), a + b + c, "float64", "add")
        with self.assertRaises(ValueError):
            layers.Add()([a, np.ones((2, 3, 5))])
        np.testing.assert_array_equal(layers.Add(dtype="float64")([a]), a)  # as Keras
        with self.assertRaises(ValueError):
            layers.Add()([])

    def test_concatenate(self):
        a, b = random_input((2, 3, 4), "float64", 0), random_input((2, 3, 2), "float64", 1)
        y = layers.Concatenate(dtype="float64")([a, b])
        np.testing.assert_array_equal(y, np.concatenate([a, b], axis=-1))
        y = layers.Concatenate(axis=1)([a, a])
        self.assertEqual(y.shape, (2, 6, 4))
        with self.assertRaises(ValueError):
            layers.Concatenate(axis=1)([a, b])
        self.assertEqual(layers.Concatenate().compute_output_shape([(None, 3, 4),
                                                                    (None, 3, 2)]),
                         (None, 3, 6))


class InputTest(unittest.TestCase):
    def test_input_tensor(self):
        x = layers.Input((28, 28, 1), name="image")
        self.assertEqual(x.shape, (None, 28, 28, 1))
        self.assertEqual(x.dtype, "float32")
        self.assertEqual(x._keras_history.operation.name, "image")
        y = layers.Conv2D(4, 3)(x)
        self.assertEqual(y.shape, (None, 26, 26, 4))

    def test_input_errors(self):
        with self.assertRaises(ValueError):
            layers.Input()
        with self.assertRaises(ValueError):
            layers.Input((3,), batch_shape=(None, 3))
        with self.assertRaises(ValueError):
            layers.Conv2D(4, 3)(layers.Input((5,)))  # wrong rank, named in the message
