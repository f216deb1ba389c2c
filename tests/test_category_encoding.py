"""CategoryEncoding against loops over samples and values (one_hot / multi_hot / count)."""
import unittest

import numpy as np

import kerasmini as keras
from kerasmini import layers

RNG = np.random.default_rng(0)


def loop_encoding(x, mode, depth, weights=None):
    """One sample at a time: the slow, obvious reading of Keras's documentation."""
    x = np.atleast_1d(x)
    if mode == "one_hot":
        if x.ndim > 1 and x.shape[-1] == 1:
            x = x[..., 0]
        out = np.zeros((*x.shape, depth))
        for index in np.ndindex(x.shape):
            out[index][x[index]] = 1
        return out
    out = np.zeros((*x.shape[:-1], depth))
    for index in np.ndindex(x.shape[:-1]):
        for j, value in enumerate(x[index]):
            if mode == "multi_hot":
                out[index][value] = 1
            else:
                out[index][value] += 1 if weights is None else weights[index][j]
    return out


class CategoryEncodingTest(unittest.TestCase):
    def test_values_against_loops(self):
        for mode in ("one_hot", "multi_hot", "count"):
            for shape in [(), (5,), (4, 1), (4, 3), (2, 3, 4)]:
                if mode == "count" and len(shape) > 2:
                    continue
                with self.subTest(mode=mode, shape=shape):
                    x = RNG.integers(0, 6, shape)
                    out = layers.CategoryEncoding(6, mode)(x)
                    self.assertEqual(out.dtype, np.float32)
                    np.testing.assert_array_equal(out, loop_encoding(x, mode, 6))

    def test_count_weights(self):
        x = RNG.integers(0, 4, (3, 5))
        w = RNG.random((3, 5))
        out = layers.CategoryEncoding(4, "count", dtype="float64")(x, count_weights=w)
        np.testing.assert_allclose(out, loop_encoding(x, "count", 4, w), rtol=1e-15)

    def test_float_inputs_are_truncated(self):
        out = layers.CategoryEncoding(3, "one_hot")(np.array([0.9, 2.5]))
        np.testing.assert_array_equal(out, [[1, 0, 0], [0, 0, 1]])

    def test_output_shapes(self):
        cases = {("one_hot", (None, 1)): (None, 4), ("one_hot", (None, 3)): (None, 3, 4),
                 ("one_hot", (None,)): (None, 4), ("multi_hot", (None, 3)): (None, 4),
                 ("count", ()): (4,)}
        for (mode, shape), expected in cases.items():
            self.assertEqual(layers.CategoryEncoding(4, mode).compute_output_shape(shape),
                             expected)
        model = keras.Sequential([keras.Input((3,)), layers.CategoryEncoding(4, "one_hot")])
        self.assertEqual(model.predict(np.zeros((2, 3)), verbose=0).shape, (2, 3, 4))

    def test_out_of_range_values_are_refused(self):
        for mode in ("one_hot", "multi_hot", "count"):
            for bad in (-1, 4):
                with self.subTest(mode=mode, bad=bad), \
                        self.assertRaisesRegex(ValueError, "num_tokens=4.*" + str(bad)):
                    layers.CategoryEncoding(4, mode)(np.array([[1, bad]]))

    def test_bad_arguments(self):
        for kwargs, pattern in [({"num_tokens": 0}, "num_tokens=0"),
                                ({"num_tokens": None}, "num_tokens must be set"),
                                ({"num_tokens": 3, "output_mode": "foo"}, "foo"),
                                ({"num_tokens": 3, "sparse": True}, "sparse=True")]:
            with self.subTest(kwargs=kwargs), self.assertRaisesRegex(ValueError, pattern):
                layers.CategoryEncoding(**kwargs)
        with self.assertRaisesRegex(ValueError, "count_weights"):
            layers.CategoryEncoding(3, "multi_hot")(np.array([[1]]), count_weights=[[1.0]])
        with self.assertRaisesRegex(ValueError, "count_weights"):
            layers.CategoryEncoding(3, "count")(np.array([[1, 2]]), count_weights=[[1.0]])
        with self.assertRaisesRegex(ValueError, "rank is 2"):
            layers.CategoryEncoding(3, "count")(np.zeros((2, 2, 2), int))
        with self.assertRaisesRegex(ValueError, "dtype=<U1"):
            layers.CategoryEncoding(3)(np.array(["a"]))

    def test_config_round_trip(self):
        layer = layers.CategoryEncoding(5, "binary", name="enc")
        config = layer.get_config()
        self.assertEqual((config["num_tokens"], config["output_mode"]), (5, "multi_hot"))
        self.assertEqual(layers.CategoryEncoding.from_config(config).get_config(), config)

    def test_no_gradient_through_the_encoding(self):
        x = np.array([[1.0, 2.0]])
        with keras.GradientTape() as tape:
            watched = tape.watch(x)
            with self.assertRaisesRegex(keras.autodiff.NoGradientError, "no gradient"):
                layers.CategoryEncoding(4)(watched)

    def test_in_a_trained_model(self):
        model = keras.Sequential([keras.Input((2,)), layers.CategoryEncoding(5),
                                  layers.Dense(1)])
        model.compile("sgd", "mse")
        x = RNG.integers(0, 5, (8, 2))
        history = model.fit(x, np.ones((8, 1)), epochs=2, verbose=0)
        self.assertLess(history.history["loss"][1], history.history["loss"][0])


if __name__ == "__main__":
    unittest.main()
