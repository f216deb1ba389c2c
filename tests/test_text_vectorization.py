"""TextVectorization against vocabularies and indices worked out by hand from Keras's
documentation and TensorFlow's op definitions (ASCII-only lowering and whitespace,
Keras's punctuation set, n-grams width by width, ties broken by the term, highest
first, tf-idf = count * log(1 + documents / (1 + documents with the term)))."""
import io
import os
import tempfile
import unittest
import zipfile

import numpy as np

import kerasmini as keras
from kerasmini import layers
from kerasmini.layers.preprocessing import text_tokens

CORPUS = ["The cat, the HAT.", "a cat!", "Été café", ""]


class TokenTest(unittest.TestCase):
    def test_standardize_lowers_and_strips_ascii_only(self):
        self.assertEqual(text_tokens.standardized("Été, PARIS! l'ami—ok",
                                                  "lower_and_strip_punctuation"),
                         "Été paris lami—ok")  # É and the em dash are not ASCII
        self.assertEqual(text_tokens.standardized("A.b", "lower"), "a.b")
        self.assertEqual(text_tokens.standardized("A.b", "strip_punctuation"), "Ab")

    def test_split_on_ascii_whitespace_only(self):
        self.assertEqual(text_tokens.split("  a\u00a0b\tc\u3000d \r\n", "whitespace"),
                         ["a\u00a0b", "c\u3000d"])
        # \x1f is ASCII and Python's str.split splits on it; TensorFlow does not
        self.assertEqual(text_tokens.split("unit\x1fsep  ok", "whitespace"),
                         ["unit\x1fsep", "ok"])
        self.assertEqual(text_tokens.split("猫🐱 a", "character"), ["猫", "🐱", " ", "a"])

    def test_ngrams_width_by_width(self):
        self.assertEqual(text_tokens.ngrams(["a", "b", "c"], (1, 2, 4)),
                         ["a", "b", "c", "a b", "b c"])

    def test_padded_fills_with_the_mask_token(self):
        out = text_tokens.padded([["ab"], [], ["c", "d"]])
        self.assertEqual(out.tolist(), [["ab", ""], ["", ""], ["c", "d"]])
        self.assertEqual(text_tokens.padded([[], []]).shape, (2, 0))


class TextVectorizationTest(unittest.TestCase):
    def test_adapt_order_ties_and_int_output(self):
        layer = layers.TextVectorization()
        layer.adapt(np.array(CORPUS))
        # the 2, cat 2 (tie: "the" > "cat"); then count 1, highest code point first:
        # "Été" (U+00C9) > "hat" > "café" > "a"; "É" is not lowered (ASCII only)
        self.assertEqual(layer.get_vocabulary(),
                         ["", "[UNK]", "the", "cat", "Été", "hat", "café", "a"])
        out = layer(np.array([["the cat"], ["dog"], [""], ["A  HAT the the"]]))
        self.assertEqual(out.dtype, np.int64)
        np.testing.assert_array_equal(out, [[2, 3, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0],
                                            [7, 5, 2, 2]])
        self.assertEqual(layer.vocabulary_size(), 8)

    def test_output_sequence_length_pads_and_cuts(self):
        layer = layers.TextVectorization(vocabulary=["a", "b"], output_sequence_length=3)
        np.testing.assert_array_equal(layer(np.array(["a", "b a b a", ""])),
                                      [[2, 0, 0], [3, 2, 3], [0, 0, 0]])
        self.assertEqual(layer.compute_output_shape((None, 1)), (None, 3))

    def test_max_tokens_and_ngrams(self):
        layer = layers.TextVectorization(max_tokens=4, ngrams=2)
        layer.adapt(["x y x y", "x"])
        # x 3, y 2, "x y" 2, "y x" 1: room for 2 terms after "" and [UNK]
        self.assertEqual(layer.get_vocabulary(), ["", "[UNK]", "x", "y"])
        np.testing.assert_array_equal(layer(np.array(["y x"])), [[3, 2, 1]])

    def test_multi_hot_count_and_tf_idf(self):
        docs = np.array(["a b b", "b c", "c"])
        count = layers.TextVectorization(output_mode="count")
        count.adapt(docs)
        self.assertEqual(count.get_vocabulary(), ["[UNK]", "b", "c", "a"])
        np.testing.assert_array_equal(count(np.array(["b b z", ""])), [[1, 2, 0, 0],
                                                                       [0, 0, 0, 0]])
        multi = layers.TextVectorization(output_mode="multi_hot", vocabulary=["b", "a"])
        np.testing.assert_array_equal(multi(np.array(["b b z"])), [[1, 1, 0]])
        tf_idf = layers.TextVectorization(output_mode="tf_idf")
        tf_idf.adapt(docs)
        idf_b, idf_c, idf_a = np.log(1 + 3 / 3), np.log(1 + 3 / 3), np.log(1 + 3 / 2)
        mean = (idf_a + idf_b + idf_c) / 3
        np.testing.assert_allclose(tf_idf(np.array(["b b z a"])),
                                   [[mean, 2 * idf_b, 0, idf_a]], rtol=1e-6)

    def test_a_function_standardizes(self):
        layer = layers.TextVectorization(standardize=lambda x: np.char.upper(x),
                                         vocabulary=["A", "B"])
        np.testing.assert_array_equal(layer(np.array(["a b c"])), [[2, 3, 1]])

    def test_adapt_from_batches_and_steps(self):
        layer = layers.TextVectorization()
        layer.adapt(iter([np.array(["a a"]), np.array(["b"]), np.array(["c c c"])]), steps=2)
        self.assertEqual(layer.get_vocabulary(), ["", "[UNK]", "a", "b"])

    def test_errors_name_the_argument(self):
        for kwargs, pattern in [({"standardize": "upper"}, "standardize=upper"),
                                ({"split": "comma"}, "split=comma"),
                                ({"ngrams": [1, 2]}, r"ngrams=\[1, 2\]"),
                                ({"ngrams": 0}, "ngrams=0"),
                                ({"ragged": True}, "ragged=True"),
                                ({"output_mode": "one_hot"}, "output_mode=one_hot"),
                                ({"sparse": True, "output_mode": "count"}, "sparse=True"),
                                ({"output_mode": "count", "output_sequence_length": 2},
                                 "output_sequence_length=2")]:
            with self.subTest(kwargs=kwargs), self.assertRaisesRegex(ValueError, pattern):
                layers.TextVectorization(**kwargs)
        layer = layers.TextVectorization(vocabulary=["a"])
        with self.assertRaisesRegex(ValueError, r"inputs.shape=\(1, 2\)"):
            layer(np.array([["a", "b"]]))
        with self.assertRaisesRegex(ValueError, "expects strings"):
            layer(np.array([1, 2]))
        with self.assertRaisesRegex(ValueError, "Cannot adapt"):
            layer.adapt(["a"])


class TextVectorizationFilesTest(unittest.TestCase):
    def test_model_saves_vocabulary_and_idf_where_keras_does(self):
        import h5py
        text = keras.Input((1,), dtype="string")
        layer = layers.TextVectorization(output_mode="tf_idf")
        layer.adapt(np.array(["a b", "b"]))
        model = keras.Model(text, layer(text))
        x = np.array([["b a q"], [""]])
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "t.keras")
            model.save(path)
            with zipfile.ZipFile(path) as archive:
                for folder_ in ("", "_lookup_layer/"):
                    self.assertEqual(archive.read(f"assets/layers/text_vectorization/"
                                                  f"{folder_}vocabulary.txt"), b"[UNK]\nb\na")
                with h5py.File(io.BytesIO(archive.read("model.weights.h5"))) as f:
                    idf = f["layers/text_vectorization/vars/idf_weights"][()]
                    inner = f["layers/text_vectorization/_lookup_layer/vars/idf_weights"][()]
            np.testing.assert_allclose(idf, [np.mean([np.log(2), np.log(5 / 3)]),
                                             np.log(1 + 2 / 3), np.log(1 + 2 / 2)], rtol=1e-6)
            np.testing.assert_array_equal(inner, idf)
            loaded = keras.models.load_model(path)
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
        self.assertEqual(loaded.layers[1].get_vocabulary(), ["[UNK]", "b", "a"])

    def test_a_function_in_a_file_is_looked_up_never_run(self):
        def shout(x):
            return np.char.upper(x)

        text = keras.Input((1,), dtype="string")
        model = keras.Model(text, layers.TextVectorization(standardize=shout,
                                                           vocabulary=["A"])(text))
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "f.keras")
            model.save(path)
            with self.assertRaisesRegex(ValueError, "'shout'.*runs no code"):
                keras.models.load_model(path)
            loaded = keras.models.load_model(path, custom_objects={"shout": shout})
        np.testing.assert_array_equal(loaded.predict(np.array([["a b"]]), verbose=0), [[2, 1]])

    def test_config_round_trip(self):
        layer = layers.TextVectorization(max_tokens=9, ngrams=(1, 3), split="character",
                                         standardize=None, output_sequence_length=4)
        config = layer.get_config()
        self.assertEqual(config["ngrams"], (1, 3))
        config["ngrams"] = [1, 3]  # as JSON gives it back
        again = layers.TextVectorization.from_config(config)
        self.assertEqual(again.get_config()["ngrams"], (1, 3))


if __name__ == "__main__":
    unittest.main()


class ChunkedAdaptTest(unittest.TestCase):
    def test_adapt_in_chunks_counts_as_one_pass(self):
        from kerasmini.layers.preprocessing import text_vectorization
        docs = np.array(["a b b", "b c", "c", "", "d a", "b"] * 3)
        whole = layers.TextVectorization(output_mode="tf_idf")
        whole.adapt(docs)
        chunked = layers.TextVectorization(output_mode="tf_idf")
        old, text_vectorization.ADAPT_ROWS = text_vectorization.ADAPT_ROWS, 4
        try:
            chunked.adapt(docs)  # 18 documents in chunks of 4
        finally:
            text_vectorization.ADAPT_ROWS = old
        self.assertEqual(chunked.get_vocabulary(), whole.get_vocabulary())
        np.testing.assert_array_equal(chunked._lookup_layer.idf_weights,
                                      whole._lookup_layer.idf_weights)
        # b in 9 of 18 documents: log(1 + 18 / 10)
        self.assertAlmostEqual(float(whole._lookup_layer.idf_weights[1]), np.log(2.8),
                               places=6)


class HashedCrossingTest(unittest.TestCase):
    """Values against TensorFlow are in conformance; here the layer around them."""

    def test_shapes_dtypes_and_one_hot(self):
        a, b = np.array(["x", "y", "x"]), np.array([1, 2, 1])
        bins = layers.HashedCrossing(num_bins=7)((a, b))
        self.assertEqual((bins.shape, bins.dtype), ((3,), np.int64))
        self.assertEqual(bins[0], bins[2])  # the same features, the same bin
        self.assertTrue(((bins >= 0) & (bins < 7)).all())
        column = layers.HashedCrossing(num_bins=7)((a[:, None], b[:, None]))
        np.testing.assert_array_equal(column[:, 0], bins)
        hot = layers.HashedCrossing(num_bins=7, output_mode="one_hot")([a, b])
        np.testing.assert_array_equal(hot, np.eye(7, dtype="float32")[bins])
        self.assertEqual(layers.HashedCrossing(num_bins=7, dtype="int32")((a, b)).dtype,
                         np.int32)

    def test_errors_name_what_was_received(self):
        a = np.array(["x", "y"])
        for kwargs, pattern in [({"num_bins": 3, "output_mode": "count"}, "output_mode=count"),
                                ({"num_bins": 0}, "num_bins=0"),
                                ({"num_bins": 3, "sparse": True}, "sparse=True"),
                                ({"num_bins": 3, "dtype": "float32"}, "dtype=float32")]:
            with self.subTest(kwargs=kwargs), self.assertRaisesRegex(ValueError, pattern):
                layers.HashedCrossing(**kwargs)
        layer = layers.HashedCrossing(num_bins=3)
        for inputs, pattern in [(a, "list or tuple"), ([a], "at least two"),
                                ((a, a[:1]), "equal shape"),
                                ((np.ones((2, 2), int), np.ones((2, 2), int)), r"\(2, 2\)"),
                                ((a, np.ones(2)), "float64")]:
            with self.subTest(inputs=inputs), self.assertRaisesRegex(ValueError, pattern):
                layer(inputs)

    def test_in_a_model_and_its_file(self):
        left, right = keras.Input((1,), dtype="string"), keras.Input((1,), dtype="int64")
        crossed = layers.HashedCrossing(num_bins=5, output_mode="one_hot")((left, right))
        model = keras.Model([left, right], crossed)
        x = [np.array([["a"], ["b"]]), np.array([[3], [4]])]
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "c.keras")
            model.save(path)
            loaded = keras.models.load_model(path)
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
        self.assertEqual(tuple(crossed.shape), (None, 5))
