"""Discretization against a loop over boundaries, and its adapt() against quantiles."""
import unittest

import numpy as np

import kerasmini as keras
from kerasmini import layers

RNG = np.random.default_rng(3)


def loop_bins(x, boundaries):
    """For each value, how many boundaries are <= it."""
    out = np.zeros(x.shape, np.int32)
    for index in np.ndindex(x.shape):
        out[index] = sum(b <= x[index] for b in boundaries)
    return out


class DiscretizationTest(unittest.TestCase):
    def test_bins_against_a_loop(self):
        boundaries = [-1.0, 0.0, 0.5, 2.0]
        x = RNG.normal(size=(6, 4)).astype(np.float32)
        x[0, :3] = [-1.0, 0.5, 2.0]  # values on boundaries go to the bin above
        out = layers.Discretization(bin_boundaries=boundaries)(x)
        self.assertEqual(out.dtype, np.int32)
        np.testing.assert_array_equal(out, loop_bins(x, boundaries))
        for mode in ("one_hot", "multi_hot", "count"):
            encoded = layers.Discretization(bin_boundaries=boundaries, output_mode=mode)(x)
            np.testing.assert_array_equal(
                encoded, layers.CategoryEncoding(5, mode)(loop_bins(x, boundaries)))

    def test_adapt_finds_quantiles(self):
        data = RNG.normal(size=(5000, 1))
        layer = layers.Discretization(num_bins=4, epsilon=0.001)
        layer.adapt(data)
        expected = np.quantile(data, [0.25, 0.5, 0.75])
        np.testing.assert_allclose(layer.bin_boundaries, expected, atol=0.01)
        counts = np.bincount(layer(data).ravel(), minlength=4)
        np.testing.assert_allclose(counts / data.size, 0.25, atol=0.01)

    def test_adapt_on_batches_matches_adapt_on_the_whole(self):
        data = RNG.permutation(1000).astype(np.float32)
        whole = layers.Discretization(num_bins=5)
        whole.adapt(data)
        batched = layers.Discretization(num_bins=5)
        batched.adapt([data[:500], data[500:]])
        np.testing.assert_allclose(batched.bin_boundaries, whole.bin_boundaries, atol=15)
        np.testing.assert_allclose(whole.bin_boundaries, [199, 399, 599, 799], atol=2)

    def test_config_of_an_adapted_layer(self):
        layer = layers.Discretization(num_bins=3, name="d")
        layer.adapt(np.arange(30.0))
        config = layer.get_config()
        self.assertEqual(set(config), {"bin_boundaries", "num_bins", "epsilon",
                                       "output_mode", "sparse", "name", "dtype"})
        clone = layers.Discretization.from_config(config)
        self.assertEqual(clone.bin_boundaries, layer.bin_boundaries)
        np.testing.assert_array_equal(clone(np.arange(30.0)), layer(np.arange(30.0)))

    def test_errors(self):
        for kwargs, pattern in [({"num_bins": -1}, "num_bins=-1"),
                                ({"num_bins": 2, "bin_boundaries": [1.0]}, "Both"),
                                ({}, "either `num_bins` or `bin_boundaries`"),
                                ({"num_bins": 2, "output_mode": "x"}, "output_mode=x"),
                                ({"num_bins": 2, "sparse": True}, "sparse=True")]:
            with self.subTest(kwargs=kwargs), self.assertRaisesRegex(ValueError, pattern):
                layers.Discretization(**kwargs)
        with self.assertRaisesRegex(ValueError, "call `adapt"):
            layers.Discretization(num_bins=3)(np.zeros(2))
        with self.assertRaisesRegex(ValueError, "Cannot adapt"):
            layers.Discretization(bin_boundaries=[1.0]).adapt(np.zeros(2))
        x = np.array([[0.5, 2.0]])
        with keras.GradientTape() as tape:
            watched = tape.watch(x)
            with self.assertRaisesRegex(keras.autodiff.NoGradientError, "no gradient"):
                layers.Discretization(bin_boundaries=[1.0])(watched)


if __name__ == "__main__":
    unittest.main()
