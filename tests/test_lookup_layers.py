"""IntegerLookup and StringLookup against a dictionary built by hand: index layout
(mask, OOV slots, terms), adapt()'s order, invert, the encodings, configs and files."""
import io
import os
import tempfile
import unittest
import zipfile

import numpy as np

import kerasmini as keras
from kerasmini import layers


def loop_lookup(values, terms, start, oov_slots=1, oov_start=0, mask=None):
    """Each value's index, one at a time: a term is start + its position, the mask 0,
    anything else the OOV slot value % oov_slots."""
    out = np.zeros(np.shape(values), np.int64)
    for index in np.ndindex(out.shape):
        value = np.asarray(values)[index].item()
        if mask is not None and value == mask:
            out[index] = 0
        elif value in terms:
            out[index] = start + terms.index(value)
        else:
            out[index] = oov_start + (value % oov_slots if oov_slots > 1 else 0)
    return out


class StringLookupTest(unittest.TestCase):
    def test_given_vocabulary(self):
        layer = layers.StringLookup(vocabulary=["a", "b", "c"])
        x = np.array([["a", "z"], ["c", "b"]])
        out = layer(x)
        self.assertEqual(out.dtype, np.int64)
        np.testing.assert_array_equal(out, loop_lookup(x, ["a", "b", "c"], 1))
        self.assertEqual(layer.get_vocabulary(), ["[UNK]", "a", "b", "c"])
        self.assertEqual(layer.vocabulary_size(), 4)

    def test_bytes_and_object_arrays(self):
        layer = layers.StringLookup(vocabulary=["a", "b"])
        for x in (np.array([b"a", b"b"]), np.array(["a", b"b"], dtype=object), ["a", "b"]):
            np.testing.assert_array_equal(layer(x), [1, 2])
        with self.assertRaisesRegex(ValueError, "expects strings"):
            layer(np.array([1, 2]))
        with self.assertRaisesRegex(ValueError, "expects strings"):
            layer(np.array(["a", 3], dtype=object))

    def test_mask_token_is_index_0_and_dropped_by_encodings(self):
        layer = layers.StringLookup(vocabulary=["a", "b"], mask_token="")
        np.testing.assert_array_equal(layer(np.array(["", "a", "q"])), [0, 2, 1])
        self.assertEqual(layer.get_vocabulary(), ["", "[UNK]", "a", "b"])
        multi = layers.StringLookup(vocabulary=["a", "b"], mask_token="",
                                    output_mode="multi_hot")
        np.testing.assert_array_equal(multi(np.array([["", "a", "q"]])), [[1, 1, 0]])

    def test_adapt_order_and_max_tokens(self):
        data = np.array(["x", "y", "y", "z", "z", "w", "z"])
        layer = layers.StringLookup()
        layer.adapt(data)
        # by count (z 3, y 2), ties by the term, highest first (x before w)
        self.assertEqual(layer.get_vocabulary(), ["[UNK]", "z", "y", "x", "w"])
        small = layers.StringLookup(max_tokens=3)
        small.adapt(data)
        self.assertEqual(small.get_vocabulary(include_special_tokens=False), ["z", "y"])

    def test_several_oov_slots_by_fingerprint(self):
        from kerasmini.layers.preprocessing.farmhash import fingerprint64
        layer = layers.StringLookup(vocabulary=["a"], num_oov_indices=3)
        out = layer(np.array(["a", "zebra", "yak"]))
        np.testing.assert_array_equal(out, [3, fingerprint64(b"zebra") % 3,
                                            fingerprint64(b"yak") % 3])

    def test_invert(self):
        layer = layers.StringLookup(vocabulary=["a", "b", "c"], invert=True)
        np.testing.assert_array_equal(layer(np.array([[0, 1], [3, 9]])),
                                      [["[UNK]", "a"], ["c", "[UNK]"]])

    def test_encodings(self):
        vocab = ["a", "b", "c"]
        x = np.array([["a", "a", "q"], ["c", "b", "c"]])
        indices = loop_lookup(x, vocab, 1)
        for mode in ("one_hot", "multi_hot", "count"):
            out = layers.StringLookup(vocabulary=vocab, output_mode=mode)(x)
            expected = layers.CategoryEncoding(4, mode)(indices)
            np.testing.assert_array_equal(out, expected)
            self.assertEqual(out.dtype, np.int64)
        idf = np.array([0.5, 1.0, 2.0])
        out = layers.StringLookup(vocabulary=vocab, output_mode="tf_idf", idf_weights=idf)(x)
        weights = np.array([idf.mean(), *idf])  # the OOV slot gets the mean weight
        expected = layers.CategoryEncoding(4, "count")(indices) * weights
        np.testing.assert_allclose(out, expected, rtol=1e-6)

    def test_adapted_tf_idf(self):
        layer = layers.StringLookup(output_mode="tf_idf")
        docs = np.array([["a", "b"], ["a", "a"], ["c", "a"]])
        layer.adapt(docs)
        self.assertEqual(layer.get_vocabulary(), ["[UNK]", "a", "c", "b"])
        idf = [np.log(1 + 3 / (1 + n)) for n in (3, 1, 1)]  # documents holding the term
        np.testing.assert_allclose(layer.idf_weights, [np.mean(idf), *idf], rtol=1e-6)

    def test_errors(self):
        cases = [({"max_tokens": 1}, "max_tokens=1"),
                 ({"num_oov_indices": -1}, "num_oov_indices=-1"),
                 ({"output_mode": "foo"}, "output_mode=foo"),
                 ({"invert": True, "output_mode": "one_hot"}, "output_mode=one_hot"),
                 ({"pad_to_max_tokens": True}, "max_tokens=None"),
                 ({"vocabulary": ["a", "a"]}, "repeated"),
                 ({"vocabulary": []}, "empty vocabulary"),
                 ({"vocabulary": ["a", "b"], "max_tokens": 2}, "max_tokens` is 2"),
                 ({"vocabulary": ["a"], "output_mode": "tf_idf"}, "idf_weights"),
                 ({"vocabulary": ["a"], "idf_weights": [1.0]}, "idf_weights"),
                 ({"vocabulary": ["a", ""], "mask_token": ""}, "mask_token="),
                 ({"vocabulary": "/etc/passwd"}, "reads no files"),
                 ({"sparse": True}, "sparse=True"), ({"encoding": "latin-1"}, "latin-1")]
        for kwargs, pattern in cases:
            with self.subTest(kwargs=kwargs), self.assertRaisesRegex(ValueError, pattern):
                layers.StringLookup(**kwargs)
        with self.assertRaisesRegex(RuntimeError, "vocabulary before calling"):
            layers.StringLookup(output_mode="multi_hot")(np.array(["a"]))
        with self.assertRaisesRegex(ValueError, "found OOV values \\['q'\\]"):
            layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(np.array(["a", "q"]))
        fixed = layers.StringLookup(vocabulary=["a"])
        with self.assertRaisesRegex(ValueError, "Cannot adapt"):
            fixed.adapt(np.array(["b"]))
        self.assertEqual(fixed.get_vocabulary(), ["[UNK]", "a"])  # unchanged

    def test_config_round_trip(self):
        layer = layers.StringLookup(vocabulary=["a", "b"], mask_token="", name="s")
        config = layer.get_config()
        self.assertNotIn("vocabulary_dtype", config)
        self.assertEqual((config["vocabulary"], config["vocabulary_size"]), (["a", "b"], 4))
        clone = layers.StringLookup.from_config(config)
        self.assertEqual(clone.get_config(), config)
        self.assertEqual(clone.get_vocabulary(), layer.get_vocabulary())


class IntegerLookupTest(unittest.TestCase):
    def test_adapt_with_mask_and_oov_slots(self):
        layer = layers.IntegerLookup(num_oov_indices=2, mask_token=0)
        layer.adapt(np.array([[5, 5, 7], [3, 0, 9], [7, -1, 3]]))
        # mask 0 and OOV token -1 are not terms; ties (5, 7, 3 twice) highest first
        self.assertEqual(layer.get_vocabulary(), [0, -1, -1, 7, 5, 3, 9])
        x = np.array([5, 7, 8, 11, 0, -1, 9])
        np.testing.assert_array_equal(
            layer(x), loop_lookup(x, [7, 5, 3, 9], 3, oov_slots=2, oov_start=1, mask=0))

    def test_float_inputs_are_truncated(self):
        layer = layers.IntegerLookup(vocabulary=[4, 5])
        np.testing.assert_array_equal(layer(np.array([4.0, 5.0])), [1, 2])

    def test_invert_and_padding(self):
        layer = layers.IntegerLookup(vocabulary=[4, 5], invert=True, mask_token=0)
        np.testing.assert_array_equal(layer(np.array([0, 1, 2, 3, 7])), [0, -1, 4, 5, -1])
        padded = layers.IntegerLookup(vocabulary=[4, 5], output_mode="multi_hot",
                                      max_tokens=5, pad_to_max_tokens=True)
        np.testing.assert_array_equal(padded(np.array([[4, 9]])), [[1, 1, 0, 0, 0]])

    def test_vocabulary_with_special_tokens_at_its_start(self):
        layer = layers.IntegerLookup(vocabulary=[-1, 4, 5])
        self.assertEqual(layer.get_vocabulary(), [-1, 4, 5])

    def test_errors(self):
        for kwargs, pattern in [({"vocabulary_dtype": "int32"}, "vocabulary_dtype=int32"),
                                ({"oov_method": "farmhash", "salt": 2.5}, "salt=2.5"),
                                ({"oov_method": "farmhash", "salt": (1, 2**64)}, "salt="),
                                ({"salt": 3}, "salt"), ({"oov_method": "x"}, "oov_method=x")]:
            with self.subTest(kwargs=kwargs), self.assertRaisesRegex(ValueError, pattern):
                layers.IntegerLookup(**kwargs)
        layer = layers.IntegerLookup(output_mode="count")
        layer.adapt(np.array([1, 2]))
        with self.assertRaisesRegex(RuntimeError, "vocabulary size cannot be changed"):
            layer.adapt(np.array([1, 2, 3]))
        self.assertEqual(layer.get_vocabulary(), [-1, 2, 1])

    def test_no_gradient(self):
        x = np.array([[1.0, 2.0]])
        with keras.GradientTape() as tape:
            watched = tape.watch(x)
            with self.assertRaisesRegex(keras.autodiff.NoGradientError, "no gradient"):
                layers.IntegerLookup(vocabulary=[1, 2])(watched)


class LookupFilesTest(unittest.TestCase):
    def test_adapted_vocabulary_travels_as_an_asset(self):
        names = layers.StringLookup()
        names.adapt(np.array(["x", "y", "y"]))
        codes = layers.IntegerLookup(vocabulary=[3, 5, 7], output_mode="one_hot")
        text, code = keras.Input((1,), dtype="string"), keras.Input((1,), dtype="int64")
        h = layers.Concatenate()([layers.CategoryEncoding(3)(names(text)), codes(code)])
        model = keras.Model([text, code], layers.Dense(2)(h))
        x = [np.array([["x"], ["y"], ["q"]]), np.array([[3], [5], [8]])]
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "m.keras")
            model.save(path)
            with zipfile.ZipFile(path) as archive:
                asset = archive.read("assets/layers/string_lookup/vocabulary.txt")
            self.assertEqual(asset, b"[UNK]\ny\nx")
            loaded = keras.models.load_model(path)
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
        lookup = next(l for l in loaded.layers if isinstance(l, layers.StringLookup))
        self.assertEqual(lookup.get_vocabulary(), ["[UNK]", "y", "x"])

    def test_tf_idf_weights_travel_by_name_in_the_weights_file(self):
        """Keras keeps the idf weights as `vars/idf_weights` (a name, not a number)."""
        import h5py
        layer = layers.StringLookup(output_mode="tf_idf")
        layer.adapt(np.array([["a", "b"], ["a", "a"], ["c", "a"]]))
        # 3 documents; a in 3 of them, b and c in 1: log(1 + 3 / (1 + df))
        idf = [np.log(1 + 3 / 4), np.log(1 + 3 / 2), np.log(1 + 3 / 2)]
        np.testing.assert_allclose(layer.idf_weights, [np.mean(idf)] + idf, rtol=1e-6)
        model = keras.Model(*(lambda t: (t, layer(t)))(keras.Input((2,), dtype="string")))
        x = np.array([["a", "a"], ["q", "c"]])
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "m.keras")
            model.save(path)
            with zipfile.ZipFile(path) as archive, \
                    h5py.File(io.BytesIO(archive.read("model.weights.h5"))) as f:
                saved = f["layers/string_lookup/vars/idf_weights"][()]
            np.testing.assert_array_equal(saved, layer.idf_weights)
            loaded = keras.models.load_model(path)
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
        np.testing.assert_allclose(model.predict(x, verbose=0),
                                   [[0, 2 * idf[0], 0, 0], [np.mean(idf), 0, idf[2], 0]],
                                   rtol=1e-6)
        self.assertEqual(loaded.layers[1].get_vocabulary(), ["[UNK]", "a", "c", "b"])


    def test_idf_weights_from_a_file_are_checked(self):
        layer = layers.StringLookup(output_mode="tf_idf")
        self.assertEqual(layer.saved_array_shapes(), {"idf_weights": None})  # not adapted
        self.assertEqual(layer.saved_arrays(), {})
        for bad in (np.zeros((2, 2), "float32"), np.arange(3)):
            with self.subTest(bad=bad), self.assertRaisesRegex(ValueError, "1-D float"):
                layer.load_saved_arrays({"idf_weights": bad})
        self.assertIsNone(layer.idf_weights)
        layer.load_saved_arrays({"idf_weights": np.array([0.5, 1.0])})
        self.assertEqual(layer.idf_weights.dtype, np.float32)
        padded = layers.StringLookup(output_mode="tf_idf", max_tokens=5, pad_to_max_tokens=True)
        self.assertEqual(padded.saved_array_shapes(), {"idf_weights": (5,)})
        self.assertEqual(layers.StringLookup().saved_array_shapes(), {})


class SaltTest(unittest.TestCase):
    """A salt makes the hash SipHash-2-4 keyed by it (TensorFlow's strong hash)."""

    def test_siphash_matches_the_published_test_vectors(self):
        from kerasmini.layers.preprocessing.siphash import siphash24
        key = (0x0706050403020100, 0x0F0E0D0C0B0A0908)  # the paper's key 00 01 .. 0f
        self.assertEqual(siphash24(key, b""), 0x726FDB47DD0E0E31)
        self.assertEqual(siphash24(key, bytes(range(15))), 0xA129CA6149BE45E5)
        self.assertEqual(siphash24(key, bytes(range(8))), 0x93F5F5799A932462)

    def test_salted_layers_hash_with_it(self):
        from kerasmini.layers.preprocessing.siphash import siphash24
        words = np.array(["ant", "bee", "a much longer word than eight bytes"])
        out = layers.Hashing(num_bins=7, salt=5)(words)
        np.testing.assert_array_equal(out, [siphash24((5, 5), w.encode()) % 7 for w in words])
        self.assertEqual(layers.Hashing(num_bins=7, salt=(1, 2)).get_config()["salt"], [1, 2])
        lookup = layers.StringLookup(vocabulary=["x"], num_oov_indices=4, salt=(3, -1))
        np.testing.assert_array_equal(lookup(words),
                                      [siphash24((3, -1), w.encode()) % 4 for w in words])
        codes = layers.IntegerLookup(vocabulary=[1], num_oov_indices=3, oov_method="farmhash",
                                     salt=9)
        np.testing.assert_array_equal(codes(np.array([-5, 70])),
                                      [siphash24((9, 9), b"-5") % 3, siphash24((9, 9), b"70") % 3])


class HashingTest(unittest.TestCase):
    """Bins are Fingerprint64 % num_bins (conformance checks the hash against
    TensorFlow's, for every length path); here the layer's handling around it."""

    def test_bins_are_the_fingerprint_modulo_num_bins(self):
        from kerasmini.layers.preprocessing.farmhash import K2, fingerprint64
        self.assertEqual(fingerprint64(b""), K2)  # the empty input's hash, by definition
        words = np.array([["apple", "kiwi"], ["a" * 70, "apple"]])  # > 64 bytes: the loop
        out = layers.Hashing(num_bins=11)(words)
        self.assertEqual(out.dtype, np.int64)
        expected = [[fingerprint64(w.encode()) % 11 for w in row] for row in words]
        np.testing.assert_array_equal(out, expected)
        ints = layers.Hashing(num_bins=11, dtype="int32")(np.array([7, -3]))
        np.testing.assert_array_equal(ints, [fingerprint64(b"7") % 11,
                                             fingerprint64(b"-3") % 11])
        self.assertEqual(ints.dtype, np.int32)

    def test_mask_value_takes_bin_0(self):
        x = np.array(["", "x", "y", ""])
        out = layers.Hashing(num_bins=4, mask_value="")(x)
        from kerasmini.layers.preprocessing.farmhash import fingerprint64
        np.testing.assert_array_equal(out, [0, 1 + fingerprint64(b"x") % 3,
                                            1 + fingerprint64(b"y") % 3, 0])

    def test_encodings_and_errors(self):
        x = np.array([["a", "b", "a"]])
        bins = layers.Hashing(num_bins=5)(x)
        out = layers.Hashing(num_bins=5, output_mode="count")(x)
        np.testing.assert_array_equal(out, layers.CategoryEncoding(5, "count")(bins))
        for kwargs, pattern in [({"num_bins": 0}, "num_bins=0"),
                                ({"num_bins": 3, "salt": "1"}, "salt=1"),
                                ({"num_bins": 3, "salt": (1, 2, 3)}, r"salt=\(1, 2, 3\)"),
                                ({"num_bins": 3, "dtype": "float32"}, "dtype=float32"),
                                ({"num_bins": 3, "output_mode": "x"}, "output_mode=x")]:
            with self.subTest(kwargs=kwargs), self.assertRaisesRegex(ValueError, pattern):
                layers.Hashing(**kwargs)
        config = layers.Hashing(num_bins=3, mask_value=0, name="h").get_config()
        self.assertEqual(layers.Hashing.from_config(config).get_config(), config)


if __name__ == "__main__":
    unittest.main()
