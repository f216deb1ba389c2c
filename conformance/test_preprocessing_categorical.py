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


def assert_same_error_class(test, name, kwargs):
    """Constructing layer `name` with `kwargs` raises, in both, the same class."""
    with test.subTest(layer=name, kwargs=kwargs):
        expected = raised(lambda: getattr(tf_keras.layers, name)(**kwargs))
        test.assertIsNotNone(expected)
        test.assertIs(raised(lambda: getattr(kerasmini.layers, name)(**kwargs)), expected)


def assert_same_output_and_config(test, name, kwargs, x):
    """Both layers map x to the same array (exactly: categories), of the same dtype,
    and have the same config."""
    with test.subTest(layer=name, kwargs=kwargs):
        km = getattr(kerasmini.layers, name)(**kwargs)
        tf_layer = getattr(tf_keras.layers, name)(**kwargs)
        km_out, tf_out = km(x), np.asarray(tf_layer(x))
        test.assertEqual(km_out.dtype, tf_out.dtype)
        np.testing.assert_array_equal(km_out, tf_out)
        test.assertEqual(without_name(km.get_config()), without_name(tf_layer.get_config()))


def predictions_after_round_trip(tf_model, km_model, x):
    """Save tf.keras's model, load it in kerasmini; save kerasmini's, load in tf.keras:
    [(tf original, km loaded), (km original, tf loaded)]."""
    with tempfile.TemporaryDirectory() as folder:
        a, b = os.path.join(folder, "tf.keras"), os.path.join(folder, "km.keras")
        tf_model.save(a)
        km_model.save(b)
        km_loaded = kerasmini.models.load_model(a)
        tf_loaded = tf_keras.models.load_model(b)
        return [(tf_outputs(tf_model, x), km_loaded.predict(x, verbose=0)),
                (km_model.predict(x, verbose=0), tf_outputs(tf_loaded, x))]


def tf_outputs(model, x):
    """The model called on tensors (tf.keras's predict refuses NumPy string arrays)."""
    tensors = [tf.constant(a) for a in x] if isinstance(x, list) else tf.constant(x)
    return np.asarray(model(tensors))


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
            assert_same_error_class(self, "CategoryEncoding", kwargs)

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


STRINGS = np.array(["red", "green", "blue", "teal", "", "green", "red", "red", "plum"])
LOOKUP_CASES = [  # (class, constructor arguments, adapt data or None, input)
    ("StringLookup", {"vocabulary": ["red", "green", "blue"]}, None, STRINGS.reshape(3, 3)),
    ("StringLookup", {"mask_token": "", "output_mode": "int"}, STRINGS, STRINGS),
    ("StringLookup", {"max_tokens": 3}, STRINGS, STRINGS.reshape(9, 1)),
    ("StringLookup", {"output_mode": "one_hot"}, STRINGS, STRINGS.reshape(9, 1)),
    ("StringLookup", {"output_mode": "multi_hot", "mask_token": ""}, STRINGS,
     STRINGS.reshape(3, 3)),
    ("StringLookup", {"output_mode": "count", "max_tokens": 6, "pad_to_max_tokens": True},
     STRINGS, STRINGS.reshape(3, 3)),
    ("StringLookup", {"output_mode": "tf_idf"}, STRINGS.reshape(3, 3), STRINGS.reshape(3, 3)),
    ("StringLookup", {"vocabulary": ["a", "b", "c"], "output_mode": "tf_idf",
                      "idf_weights": [0.5, 1.0, 2.0]}, None, np.array([["a", "a", "q"]])),
    ("StringLookup", {"vocabulary": ["red", "blue"], "invert": True}, None,
     np.array([[0, 1], [2, 7]])),
    ("IntegerLookup", {"num_oov_indices": 3, "mask_token": 0},
     np.array([[5, 5, 7], [3, 0, 9], [7, -1, 3]]), np.array([5, 7, 8, 11, 0, -1, 9, -7])),
    ("IntegerLookup", {"vocabulary": [4, 5, 6], "invert": True, "mask_token": 0}, None,
     np.array([0, 1, 2, 3, 4, 9])),
    ("StringLookup", {"num_oov_indices": 5, "vocabulary": ["red"]}, None, STRINGS),
    ("IntegerLookup", {"num_oov_indices": 4, "oov_method": "farmhash", "vocabulary": [3]},
     None, np.array([3, 8, -12, 123456789, 0])),
    ("IntegerLookup", {"output_mode": "multi_hot", "num_oov_indices": 0}, np.arange(6),
     np.array([[1, 2], [5, 5]])),
]


def lookup(keras, name, kwargs, data):
    layer = getattr(keras.layers, name)(**kwargs)
    if data is not None:
        layer.adapt(data)
    return layer


def as_text(x):
    x = np.asarray(x)
    return np.char.decode(x.astype(bytes), "utf-8") if x.dtype == object else x


class LookupConformance(unittest.TestCase):
    def test_values_vocabularies_and_configs(self):
        for name, kwargs, data, x in LOOKUP_CASES:
            with self.subTest(layer=name, kwargs=kwargs):
                km, tf_layer = lookup(kerasmini, name, kwargs, data), \
                    lookup(tf_keras, name, kwargs, data)
                km_out, tf_out = km(x), as_text(tf_layer(x))
                self.assertEqual(km.get_vocabulary(), [t.item() if hasattr(t, "item")
                                                       else t for t in
                                                       tf_layer.get_vocabulary()])
                self.assertEqual(km_out.dtype.kind, tf_out.dtype.kind)
                self.assertEqual(km_out.shape, tf_out.shape)
                if km_out.dtype.kind == "f":
                    np.testing.assert_allclose(km_out, tf_out, rtol=1e-6)
                else:
                    np.testing.assert_array_equal(km_out, tf_out)
                self.assertEqual(without_name(km.get_config()),
                                 without_name(tf_layer.get_config()))

    def test_bad_arguments_raise_the_same_class(self):
        cases = [("StringLookup", {"max_tokens": 1}), ("StringLookup", {"num_oov_indices": -1}),
                 ("StringLookup", {"output_mode": "foo"}),
                 ("StringLookup", {"invert": True, "output_mode": "count"}),
                 ("StringLookup", {"pad_to_max_tokens": True}),
                 ("StringLookup", {"vocabulary": ["a", "a"]}),
                 ("StringLookup", {"vocabulary": ["a", "b"], "max_tokens": 2}),
                 ("StringLookup", {"vocabulary": ["a"], "output_mode": "tf_idf"}),
                 ("IntegerLookup", {"vocabulary": [1], "idf_weights": [1.0]}),
                 ("IntegerLookup", {"vocabulary_dtype": "int32"}),
                 ("IntegerLookup", {"vocabulary": [1, 0], "mask_token": 0})]
        for name, kwargs in cases:
            assert_same_error_class(self, name, kwargs)

    def test_files_move_both_ways(self):
        """An adapted vocabulary (an asset in the archive) and a given one (in the
        config), in the shape of keras.io's structured-data example. (No empty string
        among the adapted terms: a last empty line of vocabulary.txt is dropped on
        reading, by Keras as by kerasmini.)"""
        words, codes = np.where(STRINGS == "", "gray", STRINGS).reshape(9, 1), np.array([[1], [3], [3], [7], [2], [1],
                                                        [9], [3], [7]])

        def build(keras):
            text, code = keras.Input((1,), dtype="string"), keras.Input((1,), dtype="int64")
            names = keras.layers.StringLookup(output_mode="one_hot")
            names.adapt(words)
            numbers = keras.layers.IntegerLookup(vocabulary=[1, 3, 7], output_mode="one_hot")
            h = keras.layers.Concatenate()([names(text), numbers(code)])
            return keras.Model([text, code], keras.layers.Dense(2)(h))
        tf_model, km_model = build(tf_keras), build(kerasmini)
        km_model.set_weights(tf_model.get_weights())
        for original, loaded in predictions_after_round_trip(tf_model, km_model,
                                                             [words, codes]):
            np.testing.assert_allclose(loaded, original, rtol=1e-6)


    def test_tf_idf_weights_move_both_ways(self):
        """Adapted tf_idf lookups: the vocabulary an asset, the idf weights a named
        dataset (vars/idf_weights), read and written as tf.keras does."""
        words = np.where(STRINGS == "", "gray", STRINGS).reshape(3, 3)
        codes = np.array([[1, 3, 3], [7, 2, 1], [9, 3, 7]])

        def build(keras):
            text, code = keras.Input((3,), dtype="string"), keras.Input((3,), dtype="int64")
            names = keras.layers.StringLookup(output_mode="tf_idf")
            names.adapt(words)
            numbers = keras.layers.IntegerLookup(output_mode="tf_idf", max_tokens=8,
                                                 pad_to_max_tokens=False)
            numbers.adapt(codes)
            h = keras.layers.Concatenate()([names(text), numbers(code)])
            return keras.Model([text, code], keras.layers.Dense(2)(h))
        tf_model, km_model = build(tf_keras), build(kerasmini)
        km_model.set_weights(tf_model.get_weights())
        x = [np.array([["red", "plum", "zzz"], ["gray", "gray", "red"]]),
             np.array([[1, 1, 5], [3, 9, 2]])]
        np.testing.assert_allclose(km_model.predict(x, verbose=0), tf_outputs(tf_model, x),
                                   rtol=1e-6)
        for original, loaded in predictions_after_round_trip(tf_model, km_model, x):
            np.testing.assert_allclose(loaded, original, rtol=1e-6)


class DiscretizationConformance(unittest.TestCase):
    def test_values_and_configs(self):
        x = RNG.normal(size=(6, 3)).astype(np.float32)
        x[0] = [-0.5, 0.0, 1.25]  # on the boundaries
        for kwargs in ({"bin_boundaries": [-0.5, 0.0, 1.25]},
                       {"bin_boundaries": [0.0], "output_mode": "one_hot"},
                       {"bin_boundaries": [-1.0, 1.0], "output_mode": "multi_hot"},
                       {"bin_boundaries": [-1.0, 0.0, 1.0], "output_mode": "count"}):
            assert_same_output_and_config(self, "Discretization", kwargs, x)

    def test_adapt_finds_the_same_boundaries(self):
        data = RNG.gamma(2.0, size=(3000, 2)).astype(np.float32)
        for num_bins, epsilon, batches in ((4, 0.01, [data]), (7, 0.001, [data]),
                                           (5, 0.01, [data[:1000], data[1000:]])):
            with self.subTest(num_bins=num_bins, epsilon=epsilon, batches=len(batches)):
                layers = [keras.layers.Discretization(num_bins=num_bins, epsilon=epsilon)
                          for keras in (kerasmini, tf_keras)]
                for layer in layers:
                    layer.adapt(batches[0] if len(batches) == 1 else batches)
                self.assertEqual(layers[0].bin_boundaries, layers[1].bin_boundaries)
                reference = np.quantile(data, np.arange(1, num_bins) / num_bins)
                np.testing.assert_allclose(layers[0].bin_boundaries, reference, rtol=0.1)

    def test_bad_arguments_raise_the_same_class(self):
        for kwargs in ({"num_bins": -1}, {"num_bins": 2, "bin_boundaries": [1.0]}, {},
                       {"num_bins": 2, "output_mode": "tf_idf"}):
            assert_same_error_class(self, "Discretization", kwargs)

    def test_files_move_both_ways(self):
        data = RNG.normal(size=(200, 2)).astype(np.float32)

        def build(keras):
            inputs = keras.Input((2,))
            bins = keras.layers.Discretization(num_bins=4, output_mode="multi_hot")
            bins.adapt(data)
            return keras.Model(inputs, keras.layers.Dense(3)(bins(inputs)))
        tf_model, km_model = build(tf_keras), build(kerasmini)
        km_model.set_weights(tf_model.get_weights())
        for original, loaded in predictions_after_round_trip(tf_model, km_model, data[:9]):
            np.testing.assert_allclose(loaded, original, rtol=1e-6)


class HashingConformance(unittest.TestCase):
    def test_same_bins_as_tf_keras_for_every_length(self):
        """Random bytes of every length 0..199 (all four paths of Fingerprint64), text
        and integers, with and without a mask; bins compared exactly."""
        words = np.array(["".join(chr(c) for c in RNG.integers(32, 0x2FF, n))
                          for n in range(200)])
        numbers = RNG.integers(-10**12, 10**12, (50, 2))
        for kwargs, x in (({"num_bins": 2**31 - 1}, words), ({"num_bins": 13}, words),
                          ({"num_bins": 97, "mask_value": 0}, np.vstack([numbers, [[0, 0]]])),
                          ({"num_bins": 9, "output_mode": "multi_hot"}, words.reshape(20, 10))):
            assert_same_output_and_config(self, "Hashing", kwargs, x)

    def test_bad_arguments_raise_the_same_class(self):
        for kwargs in ({"num_bins": 0}, {"num_bins": None},
                       {"num_bins": 3, "output_mode": "tf_idf"},
                       {"num_bins": 3, "dtype": "float32"}, {"num_bins": 3, "salt": "x"},
                       {"num_bins": 3, "salt": (1, 2, 3)}):
            assert_same_error_class(self, "Hashing", kwargs)

    def test_salted_bins_are_tensorflows_siphash(self):
        """Every length 0..39 (SipHash's 8-byte blocks and each tail length), keys
        from an int, a pair, negative and int64-extreme parts."""
        words = np.array(["".join(chr(c) for c in RNG.integers(32, 0x2FF, n))
                          for n in range(40)])
        for salt in (7, (1, 2), (-1, 2**63 - 1), (-2**63, 0)):
            assert_same_output_and_config(self, "Hashing", {"num_bins": 2**31 - 1,
                                                            "salt": salt}, words)
        assert_same_output_and_config(self, "Hashing", {"num_bins": 11, "salt": 3,
                                                        "mask_value": 0},
                                      RNG.integers(-50, 50, (8, 3)))
        for name, kwargs, x in (
                ("StringLookup", {"vocabulary": ["a"], "num_oov_indices": 7, "salt": 5},
                 words),
                ("IntegerLookup", {"vocabulary": [1], "num_oov_indices": 7, "salt": (4, 9),
                                   "oov_method": "farmhash"}, RNG.integers(-99, 99, 30))):
            with self.subTest(layer=name, kwargs=kwargs):
                km = getattr(kerasmini.layers, name)(**kwargs)
                tf_layer = getattr(tf_keras.layers, name)(**kwargs)
                np.testing.assert_array_equal(km(x), tf_layer(x))
                self.assertEqual(without_name(km.get_config()),
                                 without_name(tf_layer.get_config()))


class HashedCrossingConformance(unittest.TestCase):
    FEATURES = [np.array(["A", "B", "A", "", "ünï", "猫🐱", "a much longer feature value"]),
                np.array([101, 101, -5, 0, 2**40, -2**62, 7]),
                np.array(["x", "y", "z", "x", "", "w", "v"])]

    def test_same_bins_as_tf_keras(self):
        f1, f2, f3 = self.FEATURES
        for inputs in ((f1, f2), (f2, f1), (f1, f3), (f2, f2), (f1, f2, f3),
                       (f1[:, None], f2[:, None]), (f1[0], f2[0])):
            for kwargs in ({"num_bins": 5}, {"num_bins": 2**31 - 1},
                           {"num_bins": 6, "output_mode": "one_hot"}):
                assert_same_output_and_config(self, "HashedCrossing", kwargs, inputs)

    def test_bad_arguments_and_inputs_raise_the_same_class(self):
        for kwargs in ({"num_bins": 3, "output_mode": "multi_hot"},):
            assert_same_error_class(self, "HashedCrossing", kwargs)
        f1, f2, _ = self.FEATURES
        for inputs in (f1, [f1], (f1, f2[:3]), (f1.reshape(7, 1), f2),
                       (np.ones((7, 2), "int64"), np.ones((7, 2), "int64")),
                       (f1, f2.astype("float32"))):
            layers = [keras.layers.HashedCrossing(num_bins=3) for keras in (kerasmini, tf_keras)]
            expected = raised(lambda: layers[1](inputs))
            self.assertIsNotNone(expected)
            self.assertIs(raised(lambda: layers[0](inputs)), expected)

    def test_files_move_both_ways(self):
        def build(keras):
            a, b = keras.Input((1,), dtype="string"), keras.Input((1,), dtype="int64")
            crossed = keras.layers.HashedCrossing(num_bins=8, output_mode="one_hot")((a, b))
            return keras.Model([a, b], keras.layers.Dense(2)(crossed))
        tf_model, km_model = build(tf_keras), build(kerasmini)
        km_model.set_weights(tf_model.get_weights())
        x = [self.FEATURES[0].reshape(-1, 1), self.FEATURES[1].reshape(-1, 1)]
        for original, loaded in predictions_after_round_trip(tf_model, km_model, x):
            np.testing.assert_allclose(loaded, original, rtol=1e-6)


if __name__ == "__main__":
    unittest.main()
