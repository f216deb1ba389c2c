"""keras.io's text classification model (TextVectorization -> Embedding ->
GlobalAveragePooling1D -> Dense) saved by tf.keras and run by kerasmini: the same
vocabulary, summary and predictions, and kerasmini's file back in tf.keras. And a
TensorFlow divergence every such model meets in training: Adam's second moment of
Embedding's gradient when a batch repeats a token."""
import os
import tempfile
import unittest

import numpy as np

import kerasmini
from conformance.models import tf_keras
from conformance.models.test_models import summary_text
from conformance.test_text_vectorization import CORPUS, QUERIES
from conformance.tfload import load

keras = tf_keras()  # fails loudly here without TensorFlow
tf = load()[0]


def text_model(lib, mask_zero=False):
    L = lib.layers
    strings = lib.Input((1,), dtype="string", name="text")
    vectorize = L.TextVectorization(max_tokens=30, output_sequence_length=7,
                                    name="vectorize")
    vectorize.adapt(CORPUS)
    h = L.Embedding(30, 6, mask_zero=mask_zero, name="embed")(vectorize(strings))
    h = L.GlobalAveragePooling1D(name="pool")(h)
    return lib.Model(strings, L.Dense(2, activation="softmax", name="out")(h), name="text")


class TextModelFiles(unittest.TestCase):
    def test_tf_keras_file_runs_the_same_in_kerasmini_and_back(self):
        x = np.concatenate([CORPUS, QUERIES]).reshape(-1, 1)
        for mask_zero in (False, True):
            with self.subTest(mask_zero=mask_zero), tempfile.TemporaryDirectory() as folder:
                tf_model = text_model(keras, mask_zero)
                expected = np.asarray(tf_model(tf.constant(x)))
                path, back = os.path.join(folder, "tf.keras"), os.path.join(folder, "km.keras")
                tf_model.save(path)
                km_model = kerasmini.models.load_model(path)
                self.assertEqual(summary_text(km_model, 90), summary_text(tf_model, 90))
                self.assertEqual(km_model.get_layer("vectorize").get_vocabulary(),
                                 [str(t) for t in tf_model.get_layer("vectorize")
                                  .get_vocabulary()])
                np.testing.assert_allclose(km_model.predict(x, verbose=0), expected,
                                           rtol=1e-5, atol=1e-6)
                km_model.save(back)
                np.testing.assert_allclose(np.asarray(keras.models.load_model(back)(
                    tf.constant(x))), expected, rtol=1e-5, atol=1e-6)


def dense_adam_step(weights, gradient, lr=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """One Adam step from zero moments on the dense gradient, in float64 (Keras's
    update rule as its documentation and its JAX and PyTorch backends apply it). The
    bias corrections use the betas cast to the variable's float32, as Keras casts them
    (0.999 in float32 is 0.99900001: 1 - it is off by 1.3e-5 relative)."""
    m = (1 - beta_1) * gradient
    v = (1 - beta_2) * gradient ** 2
    beta_1_power, beta_2_power = float(np.float32(beta_1)), float(np.float32(beta_2))
    alpha = lr * np.sqrt(1 - beta_2_power) / (1 - beta_1_power)
    return weights - alpha * m / (np.sqrt(v) + epsilon)


class AdamOnRepeatedTokens(unittest.TestCase):
    def test_tf_keras_squares_each_occurrence_kerasmini_the_summed_gradient(self):
        """Embedding's gradient is a sparse IndexedSlices in TensorFlow, one row per
        occurrence; Adam's `square(gradient)` squares those rows before they are summed,
        so a token read twice gets v = 2 g**2 instead of (2 g)**2. kerasmini (dense
        gradients) agrees with the float64 reference; tf.keras does not."""
        indices = np.array([1, 1, 2])  # token 1 twice: its dense gradient is 2
        gradient = np.bincount(indices, minlength=5).astype(np.float64)[:, None]
        reference = dense_adam_step(np.zeros((5, 1)), gradient)
        results = {}
        for name, lib, tape_class in (("tf.keras", keras, tf.GradientTape),
                                      ("kerasmini", kerasmini, kerasmini.GradientTape)):
            embed = lib.layers.Embedding(5, 1)
            embed.build((None,))
            embed.set_weights([np.zeros((5, 1), "float32")])
            optimizer = lib.optimizers.Adam(0.1)
            with tape_class() as tape:
                loss = lib.ops.sum(embed(indices))
            grads = tape.gradient(loss, embed.trainable_weights)
            optimizer.apply_gradients(zip(grads, embed.trainable_weights))
            results[name] = np.asarray(embed.get_weights()[0], np.float64)
        np.testing.assert_allclose(results["kerasmini"], reference, rtol=1e-6)
        np.testing.assert_allclose(results["tf.keras"][2], reference[2], rtol=1e-5)
        # token 1: tf.keras moves it by lr * 0.2 / sqrt(0.002) / 10 = 0.1414 instead of 0.1
        self.assertAlmostEqual(float(results["tf.keras"][1, 0]), -0.1 * np.sqrt(2), places=5)
        self.assertAlmostEqual(float(reference[1, 0]), -0.1, places=5)


if __name__ == "__main__":
    unittest.main()
