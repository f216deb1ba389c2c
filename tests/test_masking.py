"""Masks: produced by Embedding(mask_zero=True) and Masking, carried through graphs as
tensors (NotEqual / Any nodes, `mask=` of the nodes that read them), consumed by the
layers that read them, refused by those that would ignore one Keras reads."""
import unittest
import warnings

import numpy as np

import kerasmini as keras
from kerasmini import layers
from tests.test_recurrent import assert_float32_close


def _embedding_model():
    inputs = keras.Input((5,), dtype="int32")
    x = layers.Embedding(10, 4, mask_zero=True)(inputs)
    x = layers.Dense(3)(x)  # hands the mask on
    return keras.Model(inputs, layers.GlobalAveragePooling1D()(x))


TOKENS = np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 7], [0, 9, 0, 8, 0]])


class MaskProducersTest(unittest.TestCase):
    def test_embedding_mask(self):
        embedding = layers.Embedding(10, 2, mask_zero=True)
        np.testing.assert_array_equal(embedding.compute_mask(TOKENS), TOKENS != 0)
        self.assertIsNone(layers.Embedding(10, 2).compute_mask(TOKENS))
        self.assertTrue(embedding.get_config()["mask_zero"])

    def test_masking_layer(self):
        x = np.arange(24, dtype="float32").reshape(2, 4, 3)
        x[0, 1] = 0.5
        x[1, 3] = 0.5
        x[1, 0, 0] = 0.5  # one feature equal to mask_value does not mask the step
        masking = layers.Masking(0.5)
        expected_mask = np.array([[True, False, True, True], [True, True, True, False]])
        np.testing.assert_array_equal(masking.compute_mask(x), expected_mask)
        np.testing.assert_array_equal(masking(x), x * expected_mask[..., None])
        self.assertEqual(masking.get_config()["mask_value"], 0.5)
        with self.assertRaisesRegex(ValueError, "mask_value='a'"):
            layers.Masking("a")


class MaskInGraphTest(unittest.TestCase):
    def test_mean_over_kept_steps(self):
        model = _embedding_model()
        dense_out = model.layers[2](model.layers[1](TOKENS))
        for row, tokens in enumerate(TOKENS):
            kept = dense_out[row][tokens != 0]
            assert_float32_close(model.predict(TOKENS, verbose=0)[row],
                                       kept.mean(axis=0))

    def test_graph_records_mask_nodes_as_keras(self):
        model = _embedding_model()
        names = [type(op).__name__ for op in model._operations]
        self.assertEqual(names, ["InputLayer", "Embedding", "Dense", "NotEqual",
                                 "GlobalAveragePooling1D"])
        pooling_node = model._operations[-1]._inbound_nodes[0]
        self.assertIn("mask", pooling_node.call_kwargs)
        self.assertEqual(len(pooling_node.input_tensors), 2)

    def test_config_round_trip_keeps_the_mask(self):
        model = _embedding_model()
        config = model.get_config()
        kwargs = config["layers"][-1]["inbound_nodes"][0]["kwargs"]
        not_equal = model._operations[3]  # named not_equal, not_equal_1, ... in a session
        self.assertEqual(kwargs["mask"]["config"]["keras_history"], [not_equal.name, 0, 0])
        clone = keras.Model.from_config(config)
        clone.set_weights(model.get_weights())
        np.testing.assert_array_equal(clone.predict(TOKENS, verbose=0),
                                      model.predict(TOKENS, verbose=0))

    def test_explicit_mask_argument(self):
        pooling = layers.GlobalAveragePooling1D()
        x = np.random.default_rng(0).random((3, 5, 2)).astype("float32")
        self.assertIsNone(pooling.compute_mask(x, TOKENS != 0))
        mask = TOKENS != 0
        out = pooling(x, mask=mask)
        assert_float32_close(out[2], x[2, [1, 3]].mean(axis=0))
        assert_float32_close(pooling(x), x.mean(axis=1))

    def test_sequential_carries_the_mask(self):
        model = keras.Sequential([layers.Embedding(10, 4, mask_zero=True),
                                  layers.GlobalAveragePooling1D()])
        out = model(TOKENS)
        embedded = model.layers[0](TOKENS)
        assert_float32_close(out[0], embedded[0, :2].mean(axis=0))
        # eager, layer by layer (an input the built graph does not fit): the arrays
        # carry the mask, as Keras's tensors do
        embedded = model.layers[0](TOKENS)
        np.testing.assert_array_equal(embedded._keras_mask, TOKENS != 0)
        np.testing.assert_array_equal(model.layers[1](embedded), out)
        self.assertEqual(model.layers[0](TOKENS[:, :3]).shape, (3, 3, 4))  # not the graph
        np.testing.assert_array_equal(model(TOKENS[:, :3])[0], embedded[0, :2].mean(0))

    def test_subclassed_model_carries_masks_like_keras(self):
        class Classifier(keras.Model):
            def __init__(self):
                super().__init__()
                self.embedding = layers.Embedding(10, 4, mask_zero=True)
                self.lstm = layers.LSTM(3)

            def call(self, inputs):
                return self.lstm(self.embedding(inputs))

        model = Classifier()
        out = model(TOKENS)
        trimmed = model.lstm(model.embedding(TOKENS[:1, :2]).view(np.ndarray))
        assert_float32_close(out[0], trimmed[0])
        self.assertIs(type(out), np.ndarray)  # the LSTM's mask ends with the sequence

    def test_carrier_arithmetic_gives_plain_arrays_and_masks_skip_the_tape(self):
        embedding = layers.Embedding(10, 4, mask_zero=True)
        carried = embedding(TOKENS)
        self.assertIsNone(getattr(carried * 2, "_keras_mask", None))
        with keras.GradientTape() as tape:
            carried = embedding(TOKENS)
            loss = keras.ops.sum(layers.GlobalAveragePooling1D()(carried))
        np.testing.assert_array_equal(carried._keras_mask, TOKENS != 0)
        grad = tape.gradient(loss, embedding.trainable_weights)[0]
        self.assertEqual(grad[0].tolist(), [0.0] * 4)  # index 0 is masked everywhere


class MaskRefusedOrDroppedTest(unittest.TestCase):
    def test_layer_that_would_ignore_it_raises(self):
        # every built-in layer whose Keras class reads a mask now reads it; the guard
        # stays for one that cannot yet (`mask_not_implemented`)
        class Unready(layers.Layer):
            mask_not_implemented = True

            def call(self, inputs):
                return inputs

        inputs = keras.Input((5,), dtype="int32")
        x = layers.Embedding(10, 4, mask_zero=True)(inputs)
        with self.assertRaisesRegex(NotImplementedError, "'unready'.*received a mask"):
            Unready(name="unready")(x)
        with self.assertRaisesRegex(NotImplementedError, "'unready'.*received a mask"):
            Unready(name="unready")(layers.Embedding(10, 4, mask_zero=True)(np.ones((1, 5))))

    def test_layer_without_masking_drops_it_with_keras_warning(self):
        inputs = keras.Input((5,), dtype="int32")
        x = layers.Embedding(10, 4, mask_zero=True)(inputs)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            flat = layers.Flatten()(x)
        self.assertTrue(any("destroy the mask" in str(w.message) for w in caught))
        self.assertIsNone(flat._keras_mask)


class MaskedLossTest(unittest.TestCase):
    """fit / evaluate weigh the loss by the mask the output carries, as Keras's loss
    reads y_pred's mask: padded steps count for nothing, the mean is over the others."""

    def tagger(self, functional):
        """A Sequential tagger, or a functional one with a second, unmasked output."""
        keras.utils.set_random_seed(7)
        if not functional:
            return keras.Sequential([
                keras.Input((5,), dtype="int32"), layers.Embedding(10, 4, mask_zero=True),
                layers.TimeDistributed(layers.Dense(3, activation="softmax"))])
        inputs = keras.Input((5,), dtype="int32")
        x = layers.TimeDistributed(layers.Dense(3, activation="softmax"))(
            layers.Embedding(10, 4, mask_zero=True)(inputs))
        plain = layers.Dense(2)(layers.Flatten()(layers.Embedding(10, 2)(inputs)))
        return keras.Model(inputs, [x, plain])

    def per_token_loss(self, probabilities, labels):
        picked = np.take_along_axis(probabilities.astype(np.float64), labels[..., None], -1)
        return -np.log(picked[..., 0])

    def test_loss_is_the_mean_over_unmasked_steps(self):
        labels = np.random.default_rng(0).integers(0, 3, TOKENS.shape)
        for functional in (False, True):
            model = self.tagger(functional)
            if functional:
                model.compile("sgd", ["sparse_categorical_crossentropy", None])
                y = [labels, np.zeros((3, 2), "float32")]
                probabilities = model.predict(TOKENS, verbose=0)[0]
            else:
                model.compile("sgd", "sparse_categorical_crossentropy")
                y, probabilities = labels, model.predict(TOKENS, verbose=0)
            losses = self.per_token_loss(probabilities, labels)
            expected = losses[TOKENS != 0].mean()
            self.assertNotAlmostEqual(expected, losses.mean(), places=3)
            got = model.evaluate(TOKENS, y, batch_size=3, verbose=0)
            got = got[0] if isinstance(got, list) else got
            self.assertAlmostEqual(got, expected, places=5)

    def test_sample_weights_and_mask_combine(self):
        labels = np.random.default_rng(1).integers(0, 3, TOKENS.shape)
        weights = np.random.default_rng(2).random(TOKENS.shape)  # one per step
        model = self.tagger(False)
        model.compile("sgd", "sparse_categorical_crossentropy")
        losses = self.per_token_loss(model.predict(TOKENS, verbose=0), labels)
        mask = TOKENS != 0
        # Keras: weights * mask * (size / valid), summed, over the number of values
        expected = (losses * weights * mask).sum() / mask.sum()
        got = model.evaluate(TOKENS, labels, sample_weight=weights, batch_size=3, verbose=0)
        self.assertAlmostEqual(got, expected, places=5)
        with self.assertRaises(ValueError):  # one weight per sequence: tf.keras refuses too
            model.evaluate(TOKENS, labels, sample_weight=weights[:, 0], verbose=0)

    def test_metrics_count_unmasked_steps_only(self):
        """Keras's MeanMetricWrapper metrics (accuracy, crossentropy, ...) read the mask
        too; the weighted ones combine it with the sample weights."""
        labels = np.random.default_rng(3).integers(0, 3, TOKENS.shape)
        weights = np.random.default_rng(4).random(TOKENS.shape)
        model = self.tagger(False)
        model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"],
                      weighted_metrics=["accuracy"])
        hits = (model.predict(TOKENS, verbose=0).argmax(-1) == labels).astype(float)
        mask = TOKENS != 0
        logs = model.evaluate(TOKENS, labels, sample_weight=weights, batch_size=3,
                              verbose=0, return_dict=True)
        self.assertAlmostEqual(logs["accuracy"], hits[mask].mean(), places=6)
        self.assertAlmostEqual(logs["weighted_accuracy"],
                               (hits * weights)[mask].sum() / weights[mask].sum(), places=6)


if __name__ == "__main__":
    unittest.main()


class MaskOfOneTensorArgumentTest(unittest.TestCase):
    """Keras fills call()'s `mask` from the input only when the input is the call's one
    tensor argument: a recurrent layer given a tensor `initial_state` runs unmasked,
    and its output still carries the input's mask (compute_mask of the first argument).
    The same rule in a graph, between eager calls, and with `mask=` given explicitly."""

    def setUp(self):
        self.gru = layers.GRU(3, return_sequences=True)
        self.embedding = layers.Embedding(10, 4, mask_zero=True)
        self.state = np.full((3, 3), 0.25, "float32")
        self.gru(self.embedding(TOKENS), initial_state=self.state)  # builds both

    def unmasked(self):
        return self.gru(np.asarray(self.embedding(TOKENS)), initial_state=self.state)

    def test_eager_call_with_a_tensor_initial_state_runs_unmasked(self):
        out = self.gru(self.embedding(TOKENS), initial_state=self.state)
        np.testing.assert_array_equal(np.asarray(out), np.asarray(self.unmasked()))
        np.testing.assert_array_equal(out._keras_mask, TOKENS != 0)  # handed on

    def test_explicit_mask_is_still_applied(self):
        out = self.gru(self.embedding(TOKENS), initial_state=self.state,
                       mask=TOKENS != 0)
        plain = np.asarray(self.unmasked())
        kept = np.asarray(out)
        self.assertFalse(np.allclose(kept[0, 2:], plain[0, 2:]))  # steps 2-4 masked
        np.testing.assert_array_equal(kept[0, 2:], np.repeat(kept[0, 1:2], 3, axis=0))

    def test_one_tensor_call_reads_the_carried_mask(self):
        gru = layers.GRU(3, return_sequences=True)
        out = np.asarray(gru(self.embedding(TOKENS)))
        np.testing.assert_array_equal(out[0, 2:], np.repeat(out[0, 1:2], 3, axis=0))

    def test_graph_follows_the_same_rule(self):
        ids = keras.Input((5,), dtype="int32")
        h = keras.Input((3,))
        y = self.gru(self.embedding(ids), initial_state=h)
        self.assertIsNotNone(y._keras_mask)  # the output keeps the input's mask
        model = keras.Model([ids, h], y)
        np.testing.assert_array_equal(model.predict([TOKENS, self.state], verbose=0),
                                      np.asarray(self.unmasked()))
        self.assertNotIn("mask", self.gru._inbound_nodes[-1].call_kwargs)
