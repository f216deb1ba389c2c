"""TextVectorization against tf.keras and against a slow reference written from Keras's
documentation and TensorFlow's op definitions (below): vocabularies (order and ties),
outputs (exact for indices and counts; tf-idf within float32 rounding of a float64
computation), dtypes, configs, the exception class of bad arguments, and .keras files
moved both ways. The corpus has punctuation, accents, CJK, emoji, empty strings, ASCII
and non-ASCII whitespace, repeated tokens and ties in frequency."""
import collections
import os
import re
import tempfile
import unittest

import numpy as np

import kerasmini
from conformance.test_preprocessing_categorical import raised, without_name
from conformance.tfload import load
from kerasmini.saving.safe_reading import FileFormatError

tf, tf_keras = load()

CORPUS = np.array([
    "The cat sat on the mat.", "the dog, the CAT!", "Été à Paris; café crème", "",
    "猫 🐱 cat 猫", "a\u00a0b c\u3000d  e\tf\ng", "l'ami--s (x) [y] {z}", "x X x",
    "  leading and trailing  ", "unit\x1fsep ascii", "Ünïcödé ÀÉÎ ñ", "tie1 tie2 tie3",
    "$5.00 #tag @user"])
ONE_LINE_TERMS = np.array([t for t in CORPUS if "\n" not in t])  # see below
QUERIES = np.array(["the cat", "unknown words here", "", "猫 café", "X x x x x x x x",
                    "tie2 Tie3 tie1", "🐱🐱 🐱"])

# ----- the reference ---------------------------------------------------------------------
KERAS_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')  # Keras's


def ref_tokens(text, standardize, split, ngrams):
    if standardize in ("lower", "lower_and_strip_punctuation"):  # ASCII letters only
        text = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)
    if standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
        text = KERAS_PUNCTUATION.sub("", text)
    if split is None:
        tokens = [text]
    elif split == "character":
        tokens = list(text)
    else:  # runs of ASCII whitespace separate; nothing else does
        tokens, word = [], ""
        for c in text + " ":
            if c in " \t\n\v\f\r":
                tokens, word = (tokens + [word]) if word else tokens, ""
            else:
                word += c
    widths = range(1, ngrams + 1) if isinstance(ngrams, int) else ngrams or [1]
    return [" ".join(tokens[i:i + n]) for n in widths for i in range(len(tokens) - n + 1)]


def reference(corpus, queries, standardize="lower_and_strip_punctuation",
              split="whitespace", ngrams=None, output_mode="int", max_tokens=None,
              output_sequence_length=None, pad_to_max_tokens=False):
    """(vocabulary, outputs in float64), one document and one token at a time."""
    docs = [ref_tokens(t, standardize, split, ngrams) for t in corpus]
    counts = collections.Counter(t for d in docs for t in d if t not in ("", "[UNK]"))
    terms = [t for t, _ in sorted(counts.items(), key=lambda kv: (kv[1], kv[0]),
                                  reverse=True)]
    specials = ["", "[UNK]"] if output_mode == "int" else ["[UNK]"]
    vocabulary = specials + terms[:None if max_tokens is None else max_tokens - len(specials)]
    index = {t: i for i, t in enumerate(vocabulary)}
    rows = [[index.get(t, index["[UNK]"]) if t else 0 for t in
             ref_tokens(q, standardize, split, ngrams)] for q in queries]
    if output_mode == "int":
        width = output_sequence_length or max([len(r) for r in rows] + [0])
        return vocabulary, np.array([(r + [0] * width)[:width] for r in rows], np.float64)
    depth = max_tokens if pad_to_max_tokens else len(vocabulary)
    out = np.zeros((len(rows), depth))
    for i, row in enumerate(rows):
        for j in row:
            out[i, j] = 1 if output_mode == "multi_hot" else out[i, j] + 1
    if output_mode == "tf_idf":
        idf = np.zeros(depth)
        for j, term in enumerate(vocabulary[1:], 1):
            idf[j] = np.log(1 + len(docs) / (1 + sum(term in d for d in docs)))
        idf[0] = np.mean(idf[1:len(vocabulary)])
        out *= idf
    return vocabulary, out


CASES = [
    {}, {"output_sequence_length": 6}, {"output_sequence_length": 2},
    {"max_tokens": 8}, {"standardize": None}, {"standardize": "lower"},
    {"standardize": "strip_punctuation"}, {"split": "character"},
    {"split": "character", "ngrams": 2, "standardize": "lower"},
    {"ngrams": 2}, {"ngrams": (1, 3), "output_sequence_length": 9},
    {"ngrams": (2,), "max_tokens": 12}, {"split": None, "standardize": "lower"},
    {"output_mode": "multi_hot"}, {"output_mode": "count", "ngrams": 2},
    {"output_mode": "count", "max_tokens": 10, "pad_to_max_tokens": True},
    {"output_mode": "tf_idf"}, {"output_mode": "tf_idf", "max_tokens": 7},
    {"output_mode": "tf_idf", "max_tokens": 40, "pad_to_max_tokens": True, "ngrams": 2},
    {"output_mode": "multi_hot", "split": "character"},
]


def adapted(keras, kwargs, corpus=CORPUS):
    layer = keras.layers.TextVectorization(**kwargs)
    layer.adapt(corpus)
    return layer


class TextVectorizationConformance(unittest.TestCase):
    def test_vocabularies_values_dtypes_and_configs(self):
        for kwargs in CASES:
            for shape in ((-1,), (-1, 1)):
                with self.subTest(kwargs=kwargs, shape=shape):
                    km, tf_layer = adapted(kerasmini, kwargs), adapted(tf_keras, kwargs)
                    vocabulary, expected = reference(CORPUS, QUERIES, **kwargs)
                    self.assertEqual([str(t) for t in tf_layer.get_vocabulary()], vocabulary)
                    self.assertEqual(km.get_vocabulary(), vocabulary)
                    self.assertEqual(km.vocabulary_size(), tf_layer.vocabulary_size())
                    x = QUERIES.reshape(shape)
                    if kwargs.get("split", "whitespace") is None:  # no split: x's shape
                        expected = expected.reshape(x.shape)
                    km_out, tf_out = km(x), np.asarray(tf_layer(x))
                    self.assertEqual(km_out.dtype, tf_out.dtype)
                    for out in (tf_out, km_out):
                        self.assertEqual(out.shape, expected.shape)
                        np.testing.assert_allclose(out, expected, rtol=1e-6, atol=0)
                    self.assertEqual(without_name(km.get_config()),
                                     without_name(tf_layer.get_config()))

    def test_given_vocabulary_idf_weights_and_set_vocabulary(self):
        terms, idf = ["cat", "the", "猫", "x"], [0.5, 0.25, 2.0, 1.5]
        for kwargs in ({"vocabulary": terms}, {"vocabulary": terms, "max_tokens": 6},
                       {"vocabulary": terms, "idf_weights": idf, "output_mode": "tf_idf"},
                       {"vocabulary": ["[UNK]"] + terms, "idf_weights": [9.0] + idf,
                        "output_mode": "tf_idf"}):
            with self.subTest(kwargs=kwargs):
                km = kerasmini.layers.TextVectorization(**kwargs)
                tf_layer = tf_keras.layers.TextVectorization(**kwargs)
                np.testing.assert_allclose(km(QUERIES), tf_layer(QUERIES), rtol=1e-6)
                self.assertEqual(without_name(km.get_config()),
                                 without_name(tf_layer.get_config()))
                self.assertIs(raised(lambda: km.adapt(CORPUS)),
                              raised(lambda: tf_layer.adapt(CORPUS)))
        km, tf_layer = (keras.layers.TextVectorization() for keras in (kerasmini, tf_keras))
        for layer in (km, tf_layer):
            layer.set_vocabulary(terms)
        np.testing.assert_array_equal(km(QUERIES), tf_layer(QUERIES))

    def test_a_function_standardizes_in_python(self):
        """Keras hands a function NumPy strings on other backends (kerasmini's case) and
        tf.string tensors on TensorFlow: the same rule written for each."""
        km = kerasmini.layers.TextVectorization(
            standardize=lambda x: np.char.replace(np.char.lower(x), "cat", "dog"))
        tf_layer = tf_keras.layers.TextVectorization(
            standardize=lambda x: tf.strings.regex_replace(tf.strings.lower(x), "cat", "dog"))
        for layer in (km, tf_layer):
            layer.adapt(["The Cat", "a cat", "dog"])
        self.assertEqual(km.get_vocabulary(), [str(t) for t in tf_layer.get_vocabulary()])
        np.testing.assert_array_equal(km(QUERIES), tf_layer(QUERIES))

    def test_bad_arguments_raise_the_same_class(self):
        for kwargs in ({"standardize": "upper"}, {"split": "comma"}, {"ngrams": "2"},
                       {"ngrams": [1, 2]}, {"ngrams": (1, "2")}, {"output_mode": "one"},
                       {"output_mode": "count", "output_sequence_length": 3},
                       {"output_sequence_length": 2.5}, {"max_tokens": 1},
                       {"pad_to_max_tokens": True},
                       {"output_mode": "multi_hot", "ragged": True},
                       {"vocabulary": ["a", "a"]}, {"vocabulary": ["a"], "output_mode": "tf_idf"},
                       {"vocabulary": ["a", "b"], "max_tokens": 3}):
            with self.subTest(kwargs=kwargs):
                expected = raised(lambda: tf_keras.layers.TextVectorization(**kwargs))
                self.assertIsNotNone(expected)
                self.assertIs(raised(lambda: kerasmini.layers.TextVectorization(**kwargs)),
                              expected)
        wide = np.array([["a", "b"]])
        self.assertIs(raised(lambda: kerasmini.layers.TextVectorization(vocabulary=["a"])(wide)),
                      raised(lambda: tf_keras.layers.TextVectorization(vocabulary=["a"])(wide)))

    def test_what_kerasmini_refuses_and_tf_keras_runs(self):
        """Deliberate: ragged (no ragged arrays here; "one_hot" after a split is ragged
        in tf.keras too), a function `split` (its output contract is tf.RaggedTensor),
        and split=None on a (batch,) input in a vector mode, where TensorFlow encodes the
        whole batch as one sample (shape (depth,)) against Keras's own declared output
        shape (batch, depth)."""
        ragged = tf_keras.layers.TextVectorization(ragged=True, vocabulary=["a"])
        self.assertEqual(np.asarray(ragged(["a b", "a"]).to_tensor()).tolist(), [[2, 1], [2, 0]])
        self.assertIs(raised(lambda: kerasmini.layers.TextVectorization(ragged=True)), ValueError)
        self.assertIs(raised(lambda: kerasmini.layers.TextVectorization(split=str.split)),
                      ValueError)
        one_hot = tf_keras.layers.TextVectorization(output_mode="one_hot", vocabulary=["a"])
        self.assertIsInstance(one_hot(["a b", "a"]), tf.RaggedTensor)
        self.assertIs(raised(lambda: kerasmini.layers.TextVectorization(output_mode="one_hot")),
                      ValueError)
        kwargs = {"split": None, "output_mode": "multi_hot", "vocabulary": ["a", "b"]}
        self.assertEqual(tf_keras.layers.TextVectorization(**kwargs)(
            np.array(["a", "b"])).shape, (3,))
        km = kerasmini.layers.TextVectorization(**kwargs)
        self.assertIs(raised(lambda: km(np.array(["a", "b"]))), ValueError)
        np.testing.assert_array_equal(km(np.array([["a"], ["b"]])), [[0, 1, 0], [0, 0, 1]])


def model(keras, kwargs, vocabulary_given=False, corpus=CORPUS):
    text = keras.Input((1,), dtype="string")
    layer = keras.layers.TextVectorization(**kwargs)
    if not vocabulary_given:
        layer.adapt(corpus)
    return keras.Model(text, layer(text))


class TextVectorizationFiles(unittest.TestCase):
    def round_trip(self, kwargs, vocabulary_given=False, corpus=CORPUS):
        """[(tf.keras original, kerasmini loaded), (kerasmini original, tf.keras
        loaded)] on QUERIES; tf.keras's load may raise (returned as the error)."""
        tf_model, km_model = (model(keras, kwargs, vocabulary_given, corpus)
                              for keras in (tf_keras, kerasmini))
        x = QUERIES.reshape(-1, 1)
        with tempfile.TemporaryDirectory() as folder:
            a, b = os.path.join(folder, "tf.keras"), os.path.join(folder, "km.keras")
            tf_model.save(a)
            km_model.save(b)
            km_loaded = kerasmini.models.load_model(a)
            try:
                tf_loaded = np.asarray(tf_keras.models.load_model(b)(tf.constant(x)))
            except ValueError as error:
                tf_loaded = error
        return [(np.asarray(tf_model(tf.constant(x))), km_loaded.predict(x, verbose=0)),
                (km_model.predict(x, verbose=0), tf_loaded)]

    def test_files_move_both_ways(self):
        for kwargs, given in (({"output_sequence_length": 5}, False),
                              ({"output_mode": "tf_idf", "ngrams": 2}, False),
                              ({"output_mode": "count", "split": "character",
                                "standardize": None}, False),
                              ({"vocabulary": ["cat", "the"]}, True),
                              ({"vocabulary": ["cat", "the"], "idf_weights": [0.5, 0.25],
                                "output_mode": "tf_idf"}, True)):
            with self.subTest(kwargs=kwargs):
                for original, loaded in self.round_trip(kwargs, given, ONE_LINE_TERMS):
                    np.testing.assert_allclose(loaded, original, rtol=1e-6)

    def test_a_term_with_a_line_break_is_refused_where_tf_keras_writes_it(self):
        """vocabulary.txt holds one term a line: tf.keras writes a "\\n" or "\\t"
        character token anyway, and cannot load its own file; kerasmini refuses to save."""
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "f.keras")
            model(tf_keras, {"split": "character"}).save(path)
            self.assertIs(raised(lambda: tf_keras.models.load_model(path)), ValueError)
            self.assertIs(raised(lambda: kerasmini.models.load_model(path)),
                          FileFormatError)
            km_model = model(kerasmini, {"split": "character"})
            with self.assertRaisesRegex(ValueError, "line breaks"):
                km_model.save(path)

    def test_padded_tf_idf_loads_here_though_tf_keras_refuses_its_own_file(self):
        """tf.keras 3.15 saves idf weights padded to max_tokens and then, loading,
        compares their length with the vocabulary's: it cannot load its own file.
        kerasmini loads both files with the saved values."""
        (tf_original, km_loaded), (km_original, tf_loaded) = self.round_trip(
            {"output_mode": "tf_idf", "max_tokens": 40, "pad_to_max_tokens": True})
        np.testing.assert_allclose(km_loaded, tf_original, rtol=1e-6)
        self.assertIsInstance(tf_loaded, ValueError)
        self.assertIn("must be the same length as vocabulary", str(tf_loaded))

    def test_a_registered_function_is_found_and_an_unknown_one_refused(self):
        @tf_keras.saving.register_keras_serializable(package="TextTest")
        def shout(x):
            return tf.strings.upper(x)

        text = tf_keras.Input((1,), dtype="string")
        layer = tf_keras.layers.TextVectorization(standardize=shout, vocabulary=["A", "B"])
        tf_model = tf_keras.Model(text, layer(text))
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "f.keras")
            tf_model.save(path)
            self.assertIs(raised(lambda: kerasmini.models.load_model(path)), ValueError)
            with_custom_objects = kerasmini.models.load_model(
                path, custom_objects={"TextTest>shout": np.char.upper})
            if kerasmini.saving.get_registered_object("TextTest>shout") is None:
                kerasmini.saving.register_keras_serializable("TextTest", "shout")(
                    lambda x: np.char.upper(x))
            loaded = kerasmini.models.load_model(path)
            back = os.path.join(folder, "back.keras")  # the function by name, as Keras
            loaded.save(back)
            tf_loaded = tf_keras.models.load_model(back, custom_objects={"TextTest>shout": shout})
            x = np.array([["a b"], ["b c"]])
            expected = np.asarray(tf_model(tf.constant(x)))
            for model_ in (with_custom_objects, loaded):
                np.testing.assert_array_equal(model_.predict(x, verbose=0), expected)
            np.testing.assert_array_equal(tf_loaded(tf.constant(x)), expected)


if __name__ == "__main__":
    unittest.main()
