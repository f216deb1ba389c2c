"""Structured-data preprocessing layers (CategoryEncoding, IntegerLookup, StringLookup,
Discretization) against tf.keras: values (exact: integer categories), configs, files
saved by one and loaded by the other, and the exception class of bad arguments.
The reference for values is a loop over samples (tests/ has the same reading of
Keras's documentation); both libraries must equal it exactly."""
import os
import tempfile
import unittest

import numpy as np

import kerasmini
from conformance.tfload import load

tf, tf_keras = load()
RNG = np.random.default_rng(7)


def reference_encoding(x, mode, depth, weights=None):
    x = np.atleast_1d(x)
    if mode == "one_hot":
        x = x[..., 0] if x.ndim > 1 and x.shape[-1] == 1 else x
        return (x[..., None] == np.arange(depth)).astype(np.float64)
    out = np.zeros((*x.shape[:-1], depth))
    for index in np.ndindex(x.shape[:-1]):
        for j, value in enumerate(x[index]):
            step = 1 if weights is None or mode == "multi_hot" else weights[index][j]
            out[index][value] = 1 if mode == "multi_hot" else out[index][value] + step
    return out


def without_name(config):
    return {k: v for k, v in config.items() if k != "name"}


def raised(make):
    try:
        make()
    except Exception as error:  # noqa: BLE001  (the class is what is compared)
        return type(error)
    return None


def predictions_after_round_trip(tf_model, km_model, x):
    """Save tf.keras's model, load it in kerasmini; save kerasmini's, load in tf.keras:
    [(tf original, km loaded), (km original, tf loaded)]."""
    with tempfile.TemporaryDirectory() as folder:
        a, b = os.path.join(folder, "tf.keras"), os.path.join(folder, "km.keras")
        tf_model.save(a)
        km_model.save(b)
        km_loaded = kerasmini.models.load_model(a)
        tf_loaded = tf_keras.models.load_model(b)
        return [(np.asarray(tf_model.predict(x, verbose=0)), km_loaded.predict(x, verbose=0)),
                (km_model.predict(x, verbose=0), np.asarray(tf_loaded.predict(x, verbose=0)))]


class CategoryEncodingConformance(unittest.TestCase):
    def test_values(self):
        for mode in ("one_hot", "multi_hot", "count"):
            for shape in [(), (6,), (5, 1), (5, 3)]:
                with self.subTest(mode=mode, shape=shape):
                    x = RNG.integers(0, 7, shape)
                    ref = reference_encoding(x, mode, 7)
                    km = kerasmini.layers.CategoryEncoding(7, mode)(x)
                    tf_out = np.asarray(tf_keras.layers.CategoryEncoding(7, mode)(x))
                    np.testing.assert_array_equal(tf_out, ref)
                    np.testing.assert_array_equal(km, ref)
                    self.assertEqual(km.dtype, tf_out.dtype)

    def test_count_weights(self):
        x, w = RNG.integers(0, 4, (3, 5)), RNG.random((3, 5)).astype(np.float32)
        km = kerasmini.layers.CategoryEncoding(4, "count")(x, count_weights=w)
        tf_out = tf_keras.layers.CategoryEncoding(4, "count")(x, count_weights=w)
        np.testing.assert_allclose(km, tf_out, rtol=1e-6)
        np.testing.assert_allclose(km, reference_encoding(x, "count", 4, w), rtol=1e-6)

    def test_configs(self):
        for kwargs in ({"num_tokens": 3}, {"num_tokens": 9, "output_mode": "count"},
                       {"num_tokens": 2, "output_mode": "binary"}):
            km = kerasmini.layers.CategoryEncoding(**kwargs).get_config()
            self.assertEqual(without_name(km), without_name(
                tf_keras.layers.CategoryEncoding(**kwargs).get_config()))

    def test_bad_arguments_raise_the_same_class(self):
        for kwargs in ({"num_tokens": 0}, {"num_tokens": None}, {"num_tokens": -2},
                       {"num_tokens": 3, "output_mode": "tf_idf"}):
            with self.subTest(kwargs=kwargs):
                expected = raised(lambda: tf_keras.layers.CategoryEncoding(**kwargs))
                self.assertIsNotNone(expected)
                self.assertIs(raised(lambda: kerasmini.layers.CategoryEncoding(**kwargs)),
                              expected)

    def test_out_of_range_is_refused_where_tf_keras_drops_it(self):
        """Deliberate: tf.keras 3 on TensorFlow returns a zero row for a value outside
        [0, num_tokens); kerasmini raises rather than answer wrongly in silence."""
        x = np.array([[1, 5]])
        np.testing.assert_array_equal(tf_keras.layers.CategoryEncoding(4)(x), [[0, 1, 0, 0]])
        self.assertIs(raised(lambda: kerasmini.layers.CategoryEncoding(4)(x)), ValueError)

    def test_files_move_both_ways(self):
        def build(keras):
            inputs = keras.Input((3,))
            h = keras.layers.CategoryEncoding(6, "count")(inputs)
            return keras.Model(inputs, keras.layers.Dense(2)(h))
        tf_model, km_model = build(tf_keras), build(kerasmini)
        km_model.set_weights(tf_model.get_weights())
        x = RNG.integers(0, 6, (4, 3)).astype(np.float32)
        for original, loaded in predictions_after_round_trip(tf_model, km_model, x):
            np.testing.assert_allclose(loaded, original, rtol=1e-6)


if __name__ == "__main__":
    unittest.main()
