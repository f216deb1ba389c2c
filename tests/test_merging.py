"""Merging layers (Multiply, Subtract, Average, Maximum, Minimum, Dot) and the function
forms, against loops over every element."""
import itertools
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from kerasmini import layers
from tests.helpers import assert_close, random_input

A = random_input((2, 3, 4), seed=1)
B = random_input((2, 3, 4), seed=2)
C = random_input((2, 1, 4), seed=3)  # broadcast along axis 1


def elementwise_loop(fn, arrays):
    shape = np.broadcast_shapes(*[a.shape for a in arrays])
    out = np.zeros(shape)
    for index in itertools.product(*[range(n) for n in shape]):
        values = [a[tuple(i if a.shape[k] > 1 else 0 for k, i in enumerate(index))]
                  for a in arrays]
        out[index] = fn(values)
    return out


ELEMENTWISE = [
    ("multiply", layers.Multiply, layers.multiply, lambda v: np.prod(v)),
    ("average", layers.Average, layers.average, lambda v: sum(v) / len(v)),
    ("maximum", layers.Maximum, layers.maximum, max),
    ("minimum", layers.Minimum, layers.minimum, min),
    ("add", layers.Add, layers.add, sum),
]


class ElementwiseMergeTest(unittest.TestCase):
    @parameterized.expand(ELEMENTWISE)
    def test_against_loop(self, name, cls, _, fn):
        for arrays in ([A, B], [A, B, C], [A, C]):
            got = cls(dtype="float64")(arrays)
            assert_close(got, elementwise_loop(fn, arrays), "float64", f"{name} {len(arrays)}")

    @parameterized.expand(ELEMENTWISE)
    def test_function_form_in_a_model(self, name, cls, function, fn):
        a, b = kerasmini.Input((3, 4)), kerasmini.Input((1, 4))
        model = kerasmini.Model([a, b], function([a, b], name=f"merge_{name}"))
        self.assertIsInstance(model.layers[-1], cls)
        self.assertEqual(model.outputs[0].shape, (None, 3, 4))
        assert_close(model([A.astype("float32"), C.astype("float32")]),
                     elementwise_loop(fn, [A, C]), "float32", name)

    @parameterized.expand(ELEMENTWISE)
    def test_activity_regularizer_joins_the_losses(self, name, cls, _, fn):
        layer = cls(activity_regularizer="l2", dtype="float64")  # l2: 0.01 * sum(y^2) / batch
        expected = 0.01 * np.sum(elementwise_loop(fn, [A, B]) ** 2) / len(A)
        layer([A, B])
        self.assertEqual(len(layer.losses), 1)
        np.testing.assert_allclose(layer.losses[0], expected, rtol=1e-7)  # 0.01 in float32

    @parameterized.expand(ELEMENTWISE)
    def test_incompatible_shapes_raise(self, name, cls, *_):
        with self.assertRaisesRegex(ValueError, "incompatible shapes"):
            cls()([A, random_input((2, 5, 4))])

    def test_subtract_takes_exactly_two(self):
        assert_close(layers.Subtract(dtype="float64")([A, C]),
                     elementwise_loop(lambda v: v[0] - v[1], [A, C]), "float64", "subtract")
        with self.assertRaisesRegex(ValueError, "exactly 2 inputs"):
            layers.Subtract()([A, B, C])
        a, b = kerasmini.Input((3, 4)), kerasmini.Input((3, 4))
        self.assertEqual(layers.subtract([a, b]).shape, (None, 3, 4))


def dot_loop(x, y, a1, a2, normalize=False):
    if normalize:
        x = x / np.sqrt((x ** 2).sum(axis=a1, keepdims=True))
        y = y / np.sqrt((y ** 2).sum(axis=a2, keepdims=True))
    out = []
    for b in range(x.shape[0]):
        xs, ys = np.moveaxis(x[b], a1 - 1, -1), np.moveaxis(y[b], a2 - 1, -1)
        rows = np.zeros(xs.shape[:-1] + ys.shape[:-1])
        for i in itertools.product(*[range(n) for n in xs.shape[:-1]]):
            for j in itertools.product(*[range(n) for n in ys.shape[:-1]]):
                rows[i + j] = sum(xs[i + (k,)] * ys[j + (k,)] for k in range(xs.shape[-1]))
        out.append(rows)
    out = np.array(out)
    return out[:, None] if out.ndim == 1 else out


class DotTest(unittest.TestCase):
    @parameterized.expand([
        ("vectors", (2, 5), (2, 5), 1), ("vectors_negative", (2, 5), (2, 5), -1),
        ("matrix_vector", (2, 3, 5), (2, 5), (2, 1)), ("vector_matrix", (2, 5), (2, 5, 4), 1),
        ("matrices", (2, 3, 5), (2, 4, 5), (2, 2)), ("rank4", (2, 3, 2, 5), (2, 5, 3), (3, 1)),
    ])
    def test_against_loop(self, name, s1, s2, axes):
        x, y = random_input(s1, seed=4), random_input(s2, seed=5)
        pair = (axes, axes) if isinstance(axes, int) else axes
        a1, a2 = (a % len(s) for a, s in zip(pair, (s1, s2)))
        for normalize in (False, True):
            layer = layers.Dot(axes, normalize=normalize, dtype="float64")
            got = layer([x, y])
            self.assertEqual(layer.compute_output_shape([s1, s2]), got.shape)
            assert_close(got, dot_loop(x, y, a1, a2, normalize), "float64", name)

    def test_zero_vector_normalizes_to_zero(self):
        x = np.zeros((1, 3))
        self.assertEqual(layers.Dot(1, normalize=True)([x, x + 1]).tolist(), [[0.0]])

    def test_errors(self):
        with self.assertRaisesRegex(TypeError, "axes"):
            layers.Dot("1")
        with self.assertRaisesRegex(ValueError, "two elements"):
            layers.Dot((1, 2, 3))
        with self.assertRaisesRegex(ValueError, "Incompatible input shapes"):
            layers.Dot(1)([np.ones((2, 3)), np.ones((2, 4))])
        with self.assertRaisesRegex(ValueError, "list of 2 inputs"):
            layers.Dot(1)([np.ones((2, 3))] * 3)
        with self.assertRaisesRegex(ValueError, "batch axis"):
            layers.Dot(0)([np.ones((2, 3)), np.ones((2, 3))])

    def test_config_round_trip(self):
        layer = layers.Dot((1, 2), normalize=True, name="d")
        again = layers.Dot.from_config(layer.get_config())
        self.assertEqual(again.get_config(), layer.get_config())
        self.assertEqual(layer.get_config()["axes"], [1, 2])
