"""BatchNormalization: inference with moving statistics, training with batch ones."""
import unittest

import numpy as np

from kerasmini import layers
from tests.helpers import assert_close, random_input


class BatchNormalizationTest(unittest.TestCase):
    def _layer(self, **kwargs):
        layer = layers.BatchNormalization(dtype="float64", **kwargs)
        layer.build((None, 4, 5, 3))
        rng = np.random.default_rng(0)
        values = [rng.random(3) + 0.5, rng.standard_normal(3), rng.standard_normal(3),
                  rng.random(3) + 0.1]
        if not layer.center:
            del values[1]
        layer.set_weights(values)
        return layer

    def test_weights_in_keras_order(self):
        layer = self._layer()
        self.assertEqual([w.name for w in layer.weights],
                         ["gamma", "beta", "moving_mean", "moving_variance"])
        self.assertEqual(len(layer.trainable_weights), 2)
        self.assertEqual(layer.count_params(), 12)

    def test_inference_uses_moving_statistics(self):
        layer = self._layer()
        x = random_input((2, 4, 5, 3), "float64", 1)
        gamma, beta, mean, var = layer.get_weights()
        expected = gamma * (x - mean) / np.sqrt(var + 1e-3) + beta
        assert_close(layer(x), expected, "float64", "inference")
        assert_close(layer(x, training=False), expected, "float64", "training=False")

    def test_training_uses_batch_statistics_and_moves_averages(self):
        layer = self._layer(momentum=0.9, center=False)
        x = random_input((8, 4, 5, 3), "float64", 2)
        gamma, mean, var = layer.get_weights()
        y = layer(x, training=True)
        bm, bv = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
        assert_close(y, gamma * (x - bm) / np.sqrt(bv + 1e-3), "float64", "training")
        _, new_mean, new_var = layer.get_weights()
        assert_close(new_mean, 0.9 * mean + 0.1 * bm, "float64", "moving mean")
        assert_close(new_var, 0.9 * var + 0.1 * bv, "float64", "moving variance")

    def test_axis_1(self):
        layer = layers.BatchNormalization(axis=1, dtype="float64")
        x = random_input((2, 3, 4), "float64", 3)
        layer(x)
        self.assertEqual(layer.gamma.shape, (3,))

    def test_config_round_trip(self):
        layer = layers.BatchNormalization(momentum=0.5, epsilon=0.01, scale=False)
        again = layers.BatchNormalization.from_config(layer.get_config())
        self.assertEqual(again.get_config(), layer.get_config())
