"""GradientTape through the issue-11 layers: exact gradients where the rule is simple
(tensor operations, RepeatVector, Embedding with a repeated index), and for every other
new layer a gradient that reaches the Dense layer before it, equal to central finite
differences (never a silent None)."""
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from kerasmini import layers
from kerasmini.applications.convnext import LayerScale
from kerasmini.applications.inception_resnet_v2 import CustomScaleLayer

X = np.random.default_rng(0).random((4, 3))


def dense_then(after, shape=(3,)):
    x = kerasmini.Input(shape, dtype="float64")
    dense = layers.Dense(2, use_bias=False, dtype="float64")
    return kerasmini.Model(x, after(dense(x))), dense


def kernel_gradient(model, x):
    with kerasmini.GradientTape() as tape:
        loss = model(x, training=True).sum()
    return tape.gradient(loss, model.trainable_weights)[0]


def finite_differences(model, dense, x, step=1e-6):
    kernel = dense.kernel.numpy()
    out = np.zeros_like(kernel)
    for index in np.ndindex(kernel.shape):
        values = []
        for sign in (1, -1):
            moved = kernel.copy()
            moved[index] += sign * step
            dense.kernel.assign(moved)
            values.append(np.asarray(model(x)).sum())
        out[index] = (values[0] - values[1]) / (2 * step)
    dense.kernel.assign(kernel)
    return out


L = layers
NEW_LAYERS = [
    ("operations", lambda h: (h + 3.0) * (1 / 6) - h / 2.0),
    ("repeat_vector", lambda h: L.RepeatVector(4, dtype="float64")(h)),
    ("multiply", lambda h: L.Multiply(dtype="float64")([h, h])),
    ("average", lambda h: L.Average(dtype="float64")([h, h * 2.0])),
    ("maximum", lambda h: L.Maximum(dtype="float64")([h, h * 0.5])),
    ("subtract", lambda h: L.Subtract(dtype="float64")([h, h * 0.5])),
    ("dot_normalized", lambda h: L.Dot(1, normalize=True, dtype="float64")([h, h * h])),
    ("layer_norm", lambda h: L.Dense(1, dtype="float64")(L.LayerNormalization(dtype="float64")(h))),
    ("group_norm", lambda h: L.Dense(1, dtype="float64")(
        L.GroupNormalization(groups=1, dtype="float64")(L.Reshape((2, 1), dtype="float64")(h)))),
    ("unit_norm", lambda h: L.Dense(1, dtype="float64")(L.UnitNormalization(dtype="float64")(h))),
    ("normalization", lambda h: L.Normalization(mean=[1.0, 2.0], variance=[2.0, 3.0],
                                                dtype="float64")(h)),
    ("prelu", lambda h: L.PReLU(alpha_initializer="ones", dtype="float64")(h - 0.3)),
    ("permute", lambda h: L.Permute((2, 1), dtype="float64")(L.Reshape((2, 1), dtype="float64")(h))),
    ("layer_scale", lambda h: LayerScale(0.5, 2, dtype="float64")(h)),
    ("custom_scale", lambda h: CustomScaleLayer(0.17, dtype="float64")([h, h * h])),
]


class GradientTest(unittest.TestCase):
    @parameterized.expand(NEW_LAYERS)
    def test_matches_finite_differences(self, name, after):
        model, dense = dense_then(after)
        got = kernel_gradient(model, X)
        self.assertIsNotNone(got, f"{name}: no gradient reached the Dense kernel")
        np.testing.assert_allclose(got, finite_differences(model, dense, X), rtol=1e-6,
                                   atol=1e-6, err_msg=name)

    def test_embedding_accumulates_repeated_indices(self):
        x = kerasmini.Input((5,), dtype="int32")
        model = kerasmini.Model(x, layers.Embedding(6, 2)(x))
        with kerasmini.GradientTape() as tape:
            loss = model(np.array([[1, 1, 2, 5, 1]]), training=True).sum()
        gradient = tape.gradient(loss, model.trainable_weights)[0]
        np.testing.assert_array_equal(gradient[:, 0], [0, 3, 1, 0, 0, 1])
