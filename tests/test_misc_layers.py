"""Embedding, PReLU, Identity, Permute, RepeatVector, the noise/dropout regularizers,
ActivityRegularization and the applications' private layers, against loops
(the augmentation layers: tests/test_augmentation.py)."""
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from kerasmini import layers
from kerasmini.applications.convnext import LayerScale, StochasticDepth
from kerasmini.applications.inception_resnet_v2 import CustomScaleLayer
from tests.helpers import assert_close, random_input

X = random_input((2, 3, 4, 5), seed=11)


class EmbeddingTest(unittest.TestCase):
    def test_rows_of_the_table(self):
        layer = layers.Embedding(7, 3, dtype="float64")
        indices = np.array([[0, 6, 2], [3, 3, 1]])
        out = layer(indices)
        table = layer.get_weights()[0]
        for b in range(2):
            for t in range(3):
                np.testing.assert_array_equal(out[b, t], table[indices[b, t]])
        np.testing.assert_array_equal(layer(indices.astype("float32") + 0.7), out)

    def test_integer_input_model(self):
        x = kerasmini.Input((3,), dtype="int32")
        model = kerasmini.Model(x, layers.Embedding(5, 2)(x))
        self.assertEqual(model.inputs[0].dtype, "int32")
        self.assertEqual(model.predict(np.array([[1, 2, 4]]), verbose=0).shape, (1, 3, 2))

    def test_input_length_warns_as_keras(self):  # Keras 3 ignores it, and says so
        with self.assertWarnsRegex(UserWarning, "`input_length` is deprecated"):
            layers.Embedding(4, 2, input_length=5)

    def test_errors(self):
        with self.assertRaisesRegex(ValueError, "input_dim"):
            layers.Embedding(0, 3)
        with self.assertRaisesRegex(ValueError, "lora_rank"):
            layers.Embedding(3, 3, lora_rank=2)
        with self.assertRaisesRegex(ValueError, r"\[0, 4\)"):
            layers.Embedding(4, 2)(np.array([[4]]))
        with self.assertRaisesRegex(ValueError, r"\[0, 4\)"):
            layers.Embedding(4, 2)(np.array([[-1]]))


class SmallLayersTest(unittest.TestCase):
    def test_prelu_against_loop(self):
        layer = layers.PReLU(shared_axes=[1, 2], dtype="float64")
        layer.build(X.shape)
        alpha = np.random.default_rng(2).uniform(0, 1, (1, 1, 5))
        layer.set_weights([alpha])
        expected = np.zeros_like(X)
        for index in np.ndindex(X.shape):
            v = X[index]
            expected[index] = v if v >= 0 else alpha[0, 0, index[3]] * v
        assert_close(layer(X), expected, "float64", "prelu")
        self.assertEqual(layers.PReLU().get_config()["shared_axes"], None)

    def test_identity_permute_repeat(self):
        np.testing.assert_array_equal(layers.Identity()(X), X)
        permuted = layers.Permute((3, 1, 2), dtype="float64")(X)
        for b, i, j, k in np.ndindex(X.shape):
            self.assertEqual(permuted[b, k, i, j], X[b, i, j, k])
        self.assertEqual(layers.Permute((2, 1)).compute_output_shape((None, 3, 4)),
                         (None, 4, 3))
        with self.assertRaisesRegex(ValueError, "dims"):
            layers.Permute((0, 1))
        v = X[:, 0, 0, :]
        repeated = layers.RepeatVector(3, dtype="float64")(v)
        for r in range(3):
            np.testing.assert_array_equal(repeated[:, r], v)
        with self.assertRaisesRegex(ValueError, "ndim"):
            layers.RepeatVector(2)(X)

    @parameterized.expand([("sd1", layers.SpatialDropout1D, (4, 6, 8)),
                           ("sd2", layers.SpatialDropout2D, (4, 3, 3, 8))])
    def test_spatial_dropout_drops_whole_channels(self, name, cls, shape):
        x = np.ones(shape)
        layer = cls(0.5, seed=1, dtype="float64")
        np.testing.assert_array_equal(layer(x), x)  # inference
        out = layer(x, training=True)
        per_channel = out.reshape(shape[0], -1, shape[-1])
        self.assertTrue(np.all(per_channel == per_channel[:, :1]))  # whole channels
        self.assertEqual(set(np.unique(out)), {0.0, 2.0})

    def test_gaussian_noise_and_dropout(self):
        x = np.ones((200, 50))
        for layer in (layers.GaussianNoise(0.3, seed=0, dtype="float64"),
                      layers.GaussianDropout(0.5, seed=0, dtype="float64")):
            np.testing.assert_array_equal(layer(x), x)
            noisy = layer(x, training=True)
            self.assertAlmostEqual(noisy.mean(), 1.0, delta=0.02)
            self.assertGreater(noisy.std(), 0.25)
        with self.assertRaisesRegex(ValueError, "stddev"):
            layers.GaussianNoise(-1.0)

    def test_activity_regularization_loss(self):
        layer = layers.ActivityRegularization(l1=0.1, l2=0.01)
        np.testing.assert_array_equal(layer(X), X.astype("float32"))
        x = X.astype("float32").astype("float64")
        expected = (0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum()) / X.shape[0]
        self.assertAlmostEqual(float(layer.losses[0]), expected, delta=1e-4 * expected)
        self.assertEqual(sorted(layer.get_config()), ["dtype", "l1", "l2", "name", "trainable"])


class ApplicationLayersTest(unittest.TestCase):
    def test_layer_scale(self):
        layer = LayerScale(1e-6, 5, dtype="float64")
        out = layer(X)
        np.testing.assert_array_equal(layer.get_weights()[0], np.full(5, 1e-6))
        assert_close(out, X * 1e-6, "float64", "layer scale")
        with self.assertRaisesRegex(ValueError, "scales 5 channels"):
            LayerScale(1.0, 5)(np.ones((1, 4)))

    def test_custom_scale_layer_and_stochastic_depth(self):
        a, b = X, random_input(X.shape, seed=12)
        assert_close(CustomScaleLayer(0.17, dtype="float64")([a, b]), a + 0.17 * b, "float64",
                     "custom scale")
        depth = StochasticDepth(0.5, dtype="float64")
        np.testing.assert_array_equal(depth(X), X)
        dropped = depth(np.ones((64, 3)), training=True)
        self.assertTrue(np.all((dropped == 0) | (dropped == 2)))
        self.assertTrue(np.all(dropped == dropped[:, :1]))  # whole samples
