"""SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed against loop references written
from the equations (one sample, one unit, one step at a time), masks, gradients through
time against central differences, arguments and errors."""
import math
import unittest
import warnings

import numpy as np
from parameterized import parameterized

import kerasmini as keras
from kerasmini import layers


def assert_float32_close(got, expected):
    """Two float32 computations of the same values by different paths (batch sizes,
    graph or eager): within 1e-6, relative to the output's scale."""
    expected = np.asarray(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-6,
                               atol=1e-6 * float(np.max(np.abs(expected), initial=0.0)))


def sigmoid(v):
    return 1 / (1 + math.exp(-v))


def dot(row, matrix, column):
    return sum(row[i] * matrix[i][column] for i in range(len(row)))


def simple_rnn_step(x, state, w):
    kernel, recurrent, bias = w
    h = state[0]
    new = [math.tanh(dot(x, kernel, j) + dot(h, recurrent, j) + bias[j])
           for j in range(len(h))]
    return new, [new]


def lstm_step(x, state, w):
    kernel, recurrent, bias = w
    h, c = state
    u = len(h)
    z = [dot(x, kernel, j) + dot(h, recurrent, j) + bias[j] for j in range(4 * u)]
    new_c = [sigmoid(z[u + j]) * c[j] + sigmoid(z[j]) * math.tanh(z[2 * u + j])
             for j in range(u)]
    new_h = [sigmoid(z[3 * u + j]) * math.tanh(new_c[j]) for j in range(u)]
    return new_h, [new_h, new_c]


def gru_step(x, state, w, reset_after=True):
    kernel, recurrent, bias = w
    h = state[0]
    u = len(h)
    input_bias, recurrent_bias = (bias[0], bias[1]) if reset_after else (bias, [0.0] * 3 * u)
    xs = [dot(x, kernel, j) + input_bias[j] for j in range(3 * u)]
    z = [sigmoid(xs[j] + dot(h, recurrent, j) + recurrent_bias[j]) for j in range(u)]
    r = [sigmoid(xs[u + j] + dot(h, recurrent, u + j) + recurrent_bias[u + j])
         for j in range(u)]
    if reset_after:
        hh = [math.tanh(xs[2 * u + j] + r[j] * (dot(h, recurrent, 2 * u + j)
                                                + recurrent_bias[2 * u + j]))
              for j in range(u)]
    else:
        reset_h = [r[i] * h[i] for i in range(u)]
        hh = [math.tanh(xs[2 * u + j] + dot(reset_h, recurrent, 2 * u + j))
              for j in range(u)]
    new = [z[j] * h[j] + (1 - z[j]) * hh[j] for j in range(u)]
    return new, [new]


STEPS = {"SimpleRNN": simple_rnn_step, "LSTM": lstm_step, "GRU": gru_step,
         "GRU_reset_before": lambda x, s, w: gru_step(x, s, w, reset_after=False)}


def reference(kind, x, weights, states, mask=None, go_backwards=False, zero_output=False):
    """(outputs in processing order (batch, steps, units), final states) by loops."""
    weights = [w.tolist() for w in weights]
    batch, steps = x.shape[:2]
    outputs, finals = [], []
    for b in range(batch):
        state = [list(s[b]) for s in states]
        previous, sequence = [0.0] * len(state[0]), []
        for t in (reversed(range(steps)) if go_backwards else range(steps)):
            if mask is not None and not mask[b, t]:
                sequence.append([0.0] * len(previous) if zero_output else previous)
                continue
            previous, state = STEPS[kind](list(x[b, t]), state, weights)
            sequence.append(previous)
        outputs.append(sequence)
        finals.append(state)
    return np.array(outputs), [np.array([f[i] for f in finals]) for i in range(len(states))]


def make_layer(kind, dtype="float64", **args):
    if kind == "GRU_reset_before":
        return layers.GRU(3, reset_after=False, dtype=dtype, **args)
    return getattr(layers, kind)(3, dtype=dtype, **args)


def random_weights(layer, rng, scale=0.6):
    layer.set_weights([rng.standard_normal(w.shape) * scale for w in layer.get_weights()])
    return layer.get_weights()


MASK = np.array([[True, True, True, False, False], [False, True, True, True, True],
                 [True, False, True, False, True]])
KINDS = list(STEPS)


def check(test, got, expected, rtol=1e-12, what=""):
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol, err_msg=what)


class RecurrentValuesTest(unittest.TestCase):
    @parameterized.expand([(k, m, g) for k in KINDS for m in (False, True)
                           for g in (False, True)])
    def test_sequences_and_states(self, kind, masked, go_backwards):
        rng = np.random.default_rng(len(kind) + 2 * masked + go_backwards)
        x = rng.standard_normal((3, 5, 4))
        layer = make_layer(kind, return_sequences=True, return_state=True,
                           go_backwards=go_backwards)
        layer(x)
        weights = random_weights(layer, rng)
        initial = [rng.standard_normal((3, 3)) for _ in layer.state_size]
        mask = MASK if masked else None
        output, *states = layer(x, initial_state=initial, mask=mask)
        expected, expected_states = reference(kind, x, weights, initial, mask, go_backwards)
        check(self, output, expected, what=f"{kind} sequences")
        for got, want in zip(states, expected_states):
            check(self, got, want, what=f"{kind} states")
        last = make_layer(kind, go_backwards=go_backwards)
        last(x)
        last.set_weights(weights)
        check(self, last(x, initial_state=initial, mask=mask), expected[:, -1])

    @parameterized.expand([(k,) for k in KINDS])
    def test_float32_close_to_float64(self, kind):
        rng = np.random.default_rng(7)
        x = rng.standard_normal((2, 6, 4))
        layer32, layer64 = make_layer(kind, "float32"), make_layer(kind)
        layer64(x)
        weights = random_weights(layer64, rng)
        layer32(x)
        layer32.set_weights(weights)
        out32 = layer32(x)
        self.assertEqual(out32.dtype, np.float32)
        check(self, out32, layer64(x), rtol=1e-5)

    def test_zero_output_for_mask_and_no_bias(self):
        rng = np.random.default_rng(3)
        x = rng.standard_normal((3, 5, 4))
        layer = layers.LSTM(3, return_sequences=True, zero_output_for_mask=True,
                            use_bias=False, dtype="float64")
        layer(x)
        kernel, recurrent = random_weights(layer, rng)
        zeros = [np.zeros((3, 3))] * 2
        expected, _ = reference("LSTM", x, [kernel, recurrent, np.zeros(12)], zeros, MASK,
                                zero_output=True)
        check(self, layer(x, mask=MASK), expected)

    def test_mask_skips_right_padding(self):
        """Embedding(mask_zero) -> LSTM on right-padded ids = LSTM on the unpadded ids."""
        inputs = keras.Input((6,), dtype="int32")
        lstm = layers.LSTM(4)
        model = keras.Model(inputs, lstm(layers.Embedding(9, 3, mask_zero=True)(inputs)))
        ids = np.array([[3, 1, 4, 0, 0, 0], [5, 8, 2, 6, 7, 1]])
        out = model.predict(ids, verbose=0)
        embedded = model.layers[1](ids)
        assert_float32_close(out[0], lstm(embedded[:1, :3])[0])
        assert_float32_close(out[1], lstm(embedded[1:])[0])

    def test_generic_rnn_with_cells(self):
        rng = np.random.default_rng(4)
        x = rng.standard_normal((2, 5, 4))
        for cell, layer in ((layers.SimpleRNNCell(3, dtype="float64"), "SimpleRNN"),
                            (layers.LSTMCell(3, dtype="float64"), "LSTM"),
                            (layers.GRUCell(3, dtype="float64"), "GRU")):
            generic = layers.RNN(cell, return_sequences=True, dtype="float64")
            builtin = getattr(layers, layer)(3, return_sequences=True, dtype="float64")
            generic(x)
            builtin(x)
            builtin.set_weights(random_weights(generic, rng))
            check(self, generic(x, mask=MASK[:2]), builtin(x, mask=MASK[:2]), what=layer)

    def test_user_cell(self):
        class Accumulate(layers.Layer):  # h_t = h_{t-1} + x_t @ w
            state_size = 2

            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1], 2), name="w")

            def call(self, inputs, states):
                h = states[0] + inputs @ self.w.value
                return h, [h]

        rnn = layers.RNN(Accumulate(dtype="float64"), return_sequences=True,
                         dtype="float64")
        x = np.random.default_rng(5).standard_normal((2, 4, 3))
        out = rnn(x)
        check(self, out, np.cumsum(x @ rnn.cell.w.numpy(), axis=1))

    def test_cell_call_is_one_step(self):
        rng = np.random.default_rng(6)
        cell = layers.LSTMCell(3, dtype="float64")
        x, h, c = rng.standard_normal((2, 4)), rng.standard_normal((2, 3)), \
            rng.standard_normal((2, 3))
        cell.build((2, 4))
        weights = random_weights(cell, rng)
        out, (h1, c1) = cell(x, [h, c])
        expected, expected_states = reference("LSTM", x[:, None], weights, [h, c])
        check(self, out, expected[:, 0])
        check(self, c1, expected_states[1])


class DropoutTest(unittest.TestCase):
    def test_inference_identity_training_one_mask_per_sequence(self):
        layer = layers.SimpleRNN(4, activation="linear", dropout=0.5, seed=1,
                                 recurrent_initializer="zeros",
                                 kernel_initializer="identity", return_sequences=True)
        x = np.ones((8, 5, 4), "float32")
        np.testing.assert_array_equal(layer(x), x)
        np.testing.assert_array_equal(layer(x, training=False), x)
        dropped = layer(x, training=True)
        self.assertTrue(set(np.unique(dropped)) <= {0.0, 2.0})
        self.assertIn(0.0, dropped)
        for t in range(1, 5):  # the same mask at every step
            np.testing.assert_array_equal(dropped[:, t], dropped[:, 0])

    def test_recurrent_dropout_changes_training_only(self):
        x = np.random.default_rng(0).standard_normal((4, 6, 3)).astype("float32")
        layer = layers.GRU(5, recurrent_dropout=0.4, seed=3)
        inference = layer(x)
        np.testing.assert_array_equal(layer(x, training=False), inference)
        self.assertFalse(np.allclose(layer(x, training=True), inference))

    def test_rates_outside_zero_one_are_clipped_as_keras(self):
        self.assertEqual(layers.LSTM(2, dropout=1.5).dropout, 1.0)
        self.assertEqual(layers.LSTM(2, recurrent_dropout=-1).recurrent_dropout, 0.0)


class WrappersTest(unittest.TestCase):
    @parameterized.expand([(m, s) for m in ("concat", "sum", "mul", "ave", None)
                           for s in (False, True)])
    def test_bidirectional(self, merge_mode, return_sequences):
        rng = np.random.default_rng(8)
        x = rng.standard_normal((3, 5, 4))
        layer = layers.Bidirectional(layers.GRU(3, return_sequences=return_sequences,
                                                dtype="float64"),
                                     merge_mode=merge_mode, dtype="float64")
        layer(x)
        weights = random_weights(layer, rng)
        zeros = [np.zeros((3, 3))]
        forward, _ = reference("GRU", x, weights[:3], zeros, MASK,
                               zero_output=return_sequences)
        backward, _ = reference("GRU", x, weights[3:], zeros, MASK, go_backwards=True,
                                zero_output=return_sequences)
        if return_sequences:
            backward = backward[:, ::-1]
        else:
            forward, backward = forward[:, -1], backward[:, -1]
        expected = {"concat": lambda: np.concatenate([forward, backward], -1),
                    "sum": lambda: forward + backward, "mul": lambda: forward * backward,
                    "ave": lambda: (forward + backward) / 2,
                    None: lambda: [forward, backward]}[merge_mode]()
        got = layer(x, mask=MASK)
        for g, e in zip(got if merge_mode is None else [got],
                        expected if merge_mode is None else [expected]):
            check(self, g, e, what=str(merge_mode))
        self.assertEqual([w.name for w in layer.weights], ["kernel", "recurrent_kernel",
                                                           "bias"] * 2)

    def test_bidirectional_names_states_and_config(self):
        layer = layers.Bidirectional(layers.LSTM(2, return_state=True, name="enc"))
        self.assertEqual((layer.forward_layer.name, layer.backward_layer.name),
                         ("forward_enc", "backward_enc"))
        outputs = layer(np.zeros((1, 3, 2), "float32"))
        self.assertEqual([o.shape for o in outputs], [(1, 4)] + [(1, 2)] * 4)
        clone = layers.Bidirectional.from_config(layer.get_config())
        self.assertEqual(clone.get_config()["backward_layer"]["config"]["name"],
                         "backward_enc")
        with self.assertRaisesRegex(ValueError, "merge mode. Received: max"):
            layers.Bidirectional(layers.LSTM(2), merge_mode="max")
        with self.assertRaisesRegex(ValueError, "different `go_backwards`"):
            layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))

    def test_time_distributed(self):
        rng = np.random.default_rng(9)
        x = rng.standard_normal((2, 4, 3))
        dense = layers.Dense(5, dtype="float64")
        layer = layers.TimeDistributed(dense, dtype="float64")
        out = layer(x)
        self.assertEqual(out.shape, (2, 4, 5))
        for t in range(4):
            check(self, out[:, t], x[:, t] @ dense.kernel.numpy() + dense.bias.numpy())
        self.assertEqual(layer.compute_mask(x, MASK[:2, :4]) is not None, True)
        with self.assertRaisesRegex(ValueError, "at least 3 dimensions"):
            layers.TimeDistributed(layers.Dense(2))(np.zeros((2, 3)))


class GradientsThroughTimeTest(unittest.TestCase):
    @parameterized.expand([(k,) for k in KINDS])
    def test_tape_matches_central_differences(self, kind):
        rng = np.random.default_rng(10)
        x = rng.standard_normal((2, 4, 3))
        mask = MASK[:2, :4]
        layer = make_layer(kind, return_sequences=True)
        layer(x)
        random_weights(layer, rng)
        seed = rng.standard_normal((2, 4, 3))

        def loss_of(x_value):
            return float(np.sum(layer(x_value, mask=mask) * seed))

        with keras.GradientTape() as tape:
            watched = tape.watch(x.copy())
            loss = keras.ops.sum(layer(watched, mask=mask) * seed)
        grads = tape.gradient(loss, [watched, *layer.trainable_weights])
        for source, grad in zip([None, *layer.trainable_weights], grads):
            value = x if source is None else source.numpy()
            numeric = np.zeros_like(value)
            for index in np.ndindex(value.shape):
                for sign in (1, -1):
                    shifted = value.copy()
                    shifted[index] += sign * 1e-6
                    if source is None:
                        numeric[index] += sign * loss_of(shifted) / 2e-6
                    else:
                        source.assign(shifted)
                        numeric[index] += sign * loss_of(x) / 2e-6
                if source is not None:
                    source.assign(value)
            np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8,
                                       err_msg=f"{kind} {getattr(source, 'name', 'x')}")

    def test_fit_lowers_the_loss(self):
        rng = np.random.default_rng(11)
        x = rng.standard_normal((32, 6, 2)).astype("float32")
        y = x.sum(axis=(1, 2))[:, None]
        model = keras.Sequential([keras.Input((6, 2)), layers.LSTM(8), layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
        self.assertLess(history.history["loss"][-1], history.history["loss"][0])


class ArgumentsTest(unittest.TestCase):
    def test_errors_name_argument_and_value(self):
        cases = [(ValueError, "got 0", lambda: layers.LSTM(0)),
                 (TypeError, "units", lambda: layers.GRU("a")),
                 (ValueError, "batch size must be static",
                  lambda: keras.Sequential([keras.Input((3, 2)),
                                            layers.SimpleRNN(2, stateful=True)])),
                 (ValueError, "use_cudnn=maybe", lambda: layers.LSTM(2, use_cudnn="maybe")),
                 (ValueError, "`cell` should have a `call`", lambda: layers.RNN(3)),
                 (ValueError, "Unrecognized keyword", lambda: layers.LSTM(2, bogus=1))]
        for error, pattern, make in cases:
            with self.assertRaisesRegex(error, pattern):
                make()
        with self.assertRaisesRegex(ValueError, "Cannot unroll"):
            keras.Sequential([keras.Input((None, 2)), layers.LSTM(2, unroll=True)])
        with self.assertRaisesRegex(ValueError, "initial_state"):
            layers.GRU(2)(np.zeros((1, 3, 2)), initial_state=[np.zeros((1, 5))])
        with self.assertRaisesRegex(ValueError, "use_cudnn=True"):
            layers.LSTM(2, use_cudnn=True)(np.zeros((1, 3, 2)))

    @parameterized.expand([(k,) for k in ("SimpleRNN", "LSTM", "GRU")])
    def test_config_round_trip_and_cell_attributes(self, kind):
        layer = getattr(layers, kind)(3, return_sequences=True, go_backwards=True,
                                      dropout=0.25, activation="relu",
                                      kernel_regularizer="l2")
        config = layer.get_config()
        self.assertNotIn("cell", config)
        self.assertEqual(type(layer).from_config(config).get_config(), config)
        self.assertEqual((layer.units, layer.dropout), (3, 0.25))
        self.assertEqual("seed" in config, kind != "SimpleRNN")

    def test_weight_shapes_and_unit_forget_bias(self):
        lstm, gru = layers.LSTM(3), layers.GRU(3)
        lstm.build((None, 5, 2))
        gru.build((None, 5, 2))
        self.assertEqual([w.shape for w in lstm.weights], [(2, 12), (3, 12), (12,)])
        np.testing.assert_array_equal(lstm.cell.bias.numpy(), [0] * 3 + [1] * 3 + [0] * 6)
        self.assertEqual([w.shape for w in gru.weights], [(2, 9), (3, 9), (2, 9)])

    def test_initial_state_from_another_layer_survives_the_config(self):
        """An encoder's final states as a decoder's initial_state (seq2seq): the keyword
        tensors are saved in the node and replayed when the model is rebuilt."""
        encoder_in, decoder_in = keras.Input((5, 3)), keras.Input((4, 2))
        _, h, c = layers.LSTM(3, return_state=True)(encoder_in)
        decoded = layers.LSTM(3, return_sequences=True)(decoder_in, initial_state=[h, c])
        model = keras.Model([encoder_in, decoder_in], decoded)
        rng = np.random.default_rng(12)
        x = [rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4, 2))]
        clone = keras.Model.from_config(model.get_config())
        clone.set_weights(model.get_weights())
        np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))
        encoder, decoder = model.layers[2], model.layers[3]
        _, h0, c0 = encoder(x[0])
        assert_float32_close(model.predict(x, verbose=0),
                                   decoder(x[1], initial_state=[h0, c0]))

    def test_explain_counts_the_parameters(self):
        for layer in (layers.SimpleRNN(3), layers.LSTM(2, use_bias=False),
                      layers.GRU(4), layers.GRU(4, reset_after=False),
                      layers.LSTM(5, return_sequences=True, go_backwards=True)):
            explanation = layer.explain((None, 7, 3))
            self.assertEqual(explanation.output_shape, layer.compute_output_shape(
                (None, 7, 3)))
            layer.build((None, 7, 3))
            self.assertEqual(explanation.params, layer.count_params(), explanation.text)

    def test_summary_shapes_with_return_state(self):
        inputs = keras.Input((4, 2))
        output, h, c = layers.LSTM(3, return_state=True)(inputs)
        model = keras.Model(inputs, [output, h, c])
        self.assertEqual([t.shape for t in model.outputs], [(None, 3)] * 3)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            outs = model.predict(np.zeros((2, 4, 2), "float32"), verbose=0)
        self.assertEqual([o.shape for o in outs], [(2, 3)] * 3)


if __name__ == "__main__":
    unittest.main()
