"""RNN over a list of cells (StackedRNNCells: LSTMCell, GRUCell, SimpleRNNCell), three
ways: kerasmini, tf.keras and reference_recurrent.stacked (float64, step by step).
Values (output, every cell's final states), then the gradients of sum(output * R) w.r.t.
the input and every weight: kerasmini's tape, tf.GradientTape, and central differences
of the float64 reference (every element: the layers are small). Weights start as
tf.keras's, then random ones go kerasmini -> tf.keras. Configs cross both ways."""
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from conformance import harness, reference_recurrent
from conformance.gradients import GRAD_RTOL
from tests.gradcheck import numeric_gradient

tf, keras = harness.tf, harness.keras
KINDS = {"LSTM": "LSTMCell", "GRU": "GRUCell", "SimpleRNN": "SimpleRNNCell"}
CASES = [(("LSTM", "GRU", "SimpleRNN"), (3, 2, 4), dict(return_sequences=True,
                                                        return_state=True), "float32"),
         (("GRU", "LSTM"), (4, 3), dict(go_backwards=True), "float64"),
         (("SimpleRNN", "SimpleRNN"), (2, 3), dict(return_state=True), "float32")]


def _flat(out):
    items = out if isinstance(out, (list, tuple)) else [out]
    return [np.asarray(a) for item in items
            for a in (item if isinstance(item, (list, tuple)) else [item])]


def _twins(kinds, units, args, dtype):
    def rnn(library):
        cells = [getattr(library.layers, KINDS[k])(u, dtype=dtype)
                 for k, u in zip(kinds, units)]
        return library.layers.RNN(cells, dtype=dtype, **args)
    return rnn(keras), rnn(kerasmini)


class TestStackedRNNCells(unittest.TestCase):
    @parameterized.expand(CASES)
    def test_values_and_gradients(self, kinds, units, args, dtype):
        harness.note("RNN(StackedRNNCells)", dtype, "values")
        rng = np.random.default_rng(harness.seed_of("stacked", kinds, dtype))
        where = f"RNN({kinds}, units={units}, {args}) {dtype}"
        t, m = _twins(kinds, units, args, dtype)
        x = rng.standard_normal((2, 5, 3)).astype(dtype)
        t(x)
        m(x)
        m.set_weights([np.asarray(w) for w in t.get_weights()])
        weights = [(rng.standard_normal(w.shape) * 0.6).astype(dtype)
                   for w in m.get_weights()]
        for direction in ("tf->km", "km->tf"):
            if direction == "km->tf":
                m.set_weights(weights)
                t.set_weights(weights)
            ref = _flat(reference_recurrent.stacked(kinds, args, m.get_weights(), x))
            km, tf_out = _flat(m(x)), _flat(t(x))
            self.assertEqual(len(km), len(ref))
            for i, (a, b, r) in enumerate(zip(km, tf_out, ref)):
                harness.three_way(a, b, r, dtype, f"{where} {direction} output {i}")
        self._gradients(t, m, kinds, args, x, dtype, rng, where)

    def _gradients(self, t, m, kinds, args, x, dtype, rng, where):
        harness.note("grad RNN(StackedRNNCells)", dtype, "gradients")
        first = lambda out: out[0] if isinstance(out, (list, tuple)) else out  # noqa: E731
        r = rng.standard_normal(np.shape(first(m(x)))).astype(dtype)
        with kerasmini.GradientTape() as tape:
            loss = kerasmini.ops.sum(first(m(tape.watch(x))) * r)
        km = tape.gradient(loss, [x, *m.trainable_weights])
        xt = tf.constant(x)
        with tf.GradientTape() as tf_tape:
            tf_tape.watch(xt)
            tf_loss = tf.reduce_sum(first(t(xt)) * r)
        tf_grads = tf_tape.gradient(tf_loss, [xt, *t.trainable_weights])
        arrays = [x.astype(np.float64)] + [w.astype(np.float64) for w in m.get_weights()]
        r64 = r.astype(np.float64)

        def loss64():
            out = reference_recurrent.stacked(kinds, args, arrays[1:], arrays[0])
            return float(np.sum(first(out) * r64))
        for i, (km_grad, tf_grad) in enumerate(zip(km, tf_grads)):
            harness.three_way(km_grad, np.asarray(tf_grad), numeric_gradient(loss64, arrays[i]),
                              dtype, f"{where} gradient {i}", rtol=GRAD_RTOL[dtype])

    def test_configs_cross(self):
        t, m = _twins(("LSTM", "GRU"), (3, 2), dict(return_sequences=True), "float32")
        km = kerasmini.layers.RNN.from_config(t.get_config())
        self.assertEqual(km.get_config(), t.get_config())
        back = keras.layers.RNN.from_config(m.get_config())
        self.assertEqual(back.get_config(), m.get_config())
