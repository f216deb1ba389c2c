"""LayerNormalization, GroupNormalization, UnitNormalization and Normalization against
loops over samples (and groups), with their errors and configs."""
import itertools
import unittest
from unittest import mock

import numpy as np
from parameterized import parameterized

from kerasmini import layers
from kerasmini.layers.normalization import group_normalization as gn_layer
from tests import reference
from tests.helpers import assert_close, random_input

X = random_input((2, 3, 4, 6), seed=7) * 3 + 1


class LayerNormalizationTest(unittest.TestCase):
    @parameterized.expand([("last", -1), ("two", [2, 3]), ("middle", 1), ("all", [1, 2, 3])])
    def test_against_loop(self, name, axis):
        layer = layers.LayerNormalization(axis=axis, epsilon=1e-3, dtype="float64")
        layer.build(X.shape)
        rng = np.random.default_rng(0)
        gamma, beta = rng.uniform(0.5, 1.5, layer.gamma.shape), rng.normal(size=layer.beta.shape)
        layer.set_weights([gamma, beta])
        axes = sorted(a % 4 for a in ([axis] if isinstance(axis, int) else axis))
        expected = reference.layer_norm(X, axes, gamma.reshape([X.shape[a] for a in axes]),
                                   beta.reshape([X.shape[a] for a in axes]), 1e-3)
        assert_close(layer(X), expected, "float64", name)

    def test_without_center_and_scale(self):
        layer = layers.LayerNormalization(center=False, scale=False, dtype="float64")
        self.assertEqual(layer(X).shape, X.shape)
        self.assertEqual(layer.weights, [])
        assert_close(layer(X), reference.layer_norm(X, [3], 1.0, 0.0, 1e-3), "float64", "plain")

    def test_errors_and_config(self):
        with self.assertRaisesRegex(TypeError, "axis"):
            layers.LayerNormalization(axis="x")
        with self.assertRaisesRegex(ValueError, "out of bounds"):
            layers.LayerNormalization(axis=5)(X)
        layer = layers.LayerNormalization(axis=[1, 2], epsilon=1e-6, name="ln")
        layer(X)
        config = layer.get_config()
        self.assertEqual((config["axis"], config["epsilon"]), ([1, 2], 1e-6))
        self.assertEqual(layers.LayerNormalization.from_config(config).get_config(), config)


def group_norm_loop(x, groups, gamma, beta, epsilon):
    out = np.zeros_like(x)
    size = x.shape[-1] // groups
    for b in range(x.shape[0]):
        for g in range(groups):
            block = x[b, ..., g * size:(g + 1) * size]
            normalized = np.array(reference.normalize_block(block.ravel().tolist(), epsilon))
            out[b, ..., g * size:(g + 1) * size] = normalized.reshape(block.shape)
    return out * gamma + beta


class GroupNormalizationTest(unittest.TestCase):
    @parameterized.expand([(1,), (2,), (3,), (6,), (-1,)])
    def test_against_loop(self, groups):
        layer = layers.GroupNormalization(groups=groups, dtype="float64")
        layer.build(X.shape)
        rng = np.random.default_rng(1)
        gamma, beta = rng.uniform(0.5, 1.5, 6), rng.normal(size=6)
        layer.set_weights([gamma, beta])
        expected = group_norm_loop(X, 6 if groups == -1 else groups, gamma, beta, 1e-3)
        assert_close(layer(X), expected, "float64", f"groups={groups}")

    @parameterized.expand([("float32",), ("float64",)])
    def test_far_from_zero_without_the_tape(self, dtype):
        """The per-channel-sums kernel (ops/group_normalization.py, taken outside a tape)
        on values 300 +- 1: its float64 sums keep float32 within rtol."""
        x = random_input((2, 5, 3, 8), "float64", 9) + 300
        layer = layers.GroupNormalization(groups=4, epsilon=1e-3, dtype=dtype)
        layer.build(x.shape)
        rng = np.random.default_rng(2)
        gamma, beta = rng.uniform(0.5, 1.5, 8), rng.normal(size=8)
        layer.set_weights([gamma, beta])
        x = x.astype(dtype)
        expected = group_norm_loop(x.astype("float64"), 4, gamma.astype(dtype),
                                   beta.astype(dtype), float(np.asarray(1e-3, dtype)))
        with mock.patch.object(gn_layer, "group_normalize",
                               wraps=gn_layer.group_normalize) as kernel:
            assert_close(layer(x), expected, dtype, dtype)
        kernel.assert_called_once()

    def test_channels_first_axis(self):
        layer = layers.GroupNormalization(groups=2, axis=1, dtype="float64")
        got = layer(np.moveaxis(X, -1, 1))
        assert_close(np.moveaxis(got, 1, -1), group_norm_loop(X, 2, 1.0, 0.0, 1e-3),
                     "float64", "axis=1")

    def test_errors(self):
        with self.assertRaisesRegex(ValueError, "groups"):
            layers.GroupNormalization(groups=0)
        with self.assertRaisesRegex(ValueError, "cannot be more than"):
            layers.GroupNormalization(groups=12)(X)
        with self.assertRaisesRegex(ValueError, "multiple"):
            layers.GroupNormalization(groups=4)(X)


class UnitNormalizationTest(unittest.TestCase):
    @parameterized.expand([(-1,), ([1, 2],)])
    def test_against_loop(self, axis):
        axes = [axis] if isinstance(axis, int) else axis
        expected = np.zeros_like(X)
        other = [a for a in range(4) if a not in [a % 4 for a in axes]]
        for index in itertools.product(*[range(X.shape[a]) for a in other]):
            where = [slice(None)] * 4
            for a, i in zip(other, index):
                where[a] = i
            block = X[tuple(where)]
            expected[tuple(where)] = block / np.sqrt(sum(v * v for v in block.ravel()))
        assert_close(layers.UnitNormalization(axis, dtype="float64")(X), expected, "float64",
                     f"axis={axis}")

    def test_zero_stays_zero_and_config(self):
        self.assertFalse(layers.UnitNormalization()(np.zeros((1, 3))).any())
        self.assertEqual(layers.UnitNormalization(axis=[1, 2]).get_config()["axis"], [1, 2])
        with self.assertRaisesRegex(TypeError, "axis"):
            layers.UnitNormalization(axis="a")


class NormalizationTest(unittest.TestCase):
    def test_given_statistics_per_channel(self):
        mean, variance = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1.0, 4.0, 9.0, 0.25, 2.0, 1e-20]
        layer = layers.Normalization(mean=mean, variance=variance, dtype="float64")
        expected = np.zeros_like(X)
        for c in range(6):
            expected[..., c] = (X[..., c] - mean[c]) / max(np.sqrt(variance[c]), 1e-7)
        assert_close(layer(X), expected, "float64", "given")
        self.assertEqual(layer.weights, [])
        inverse = layers.Normalization(mean=mean, variance=variance, invert=True,
                                       dtype="float64")
        assert_close(inverse(layer(X)), X, "float64", "invert")

    def test_adapt_stores_weights(self):
        layer = layers.Normalization(axis=-1, dtype="float64")
        layer.adapt(X)
        mean, variance, count = layer.get_weights()
        self.assertEqual(int(count), 2 * 3 * 4)
        for c in range(6):
            values = X[..., c].ravel().tolist()
            self.assertAlmostEqual(mean[c], sum(values) / len(values), places=12)
        out = layer(X)
        assert_close(out.reshape(-1, 6).mean(axis=0), np.zeros(6), "float64", "mean 0")
        self.assertEqual([w.name for w in layer.weights], ["mean", "variance", "count"])

    def test_scalar_statistics_and_errors(self):
        layer = layers.Normalization(axis=None, mean=2.0, variance=4.0, dtype="float64")
        assert_close(layer(X), (X - 2.0) / 2.0, "float64", "axis=None")
        with self.assertRaisesRegex(ValueError, "both `mean` and `variance`"):
            layers.Normalization(mean=1.0)
        with self.assertRaisesRegex(ValueError, "same shape"):
            layers.Normalization(mean=[1.0, 2.0], variance=[1.0])
        with self.assertRaisesRegex(ValueError, "range"):
            layers.Normalization(axis=7)(X)

    def test_config(self):
        layer = layers.Normalization(axis=-1, mean=[1.0, 2.0], variance=[3.0, 4.0])
        config = layer.get_config()
        self.assertEqual((config["axis"], config["mean"], config["invert"]),
                         ([-1], [1.0, 2.0], False))
        self.assertEqual(layers.Normalization.from_config(config).get_config(), config)
