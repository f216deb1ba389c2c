"""stateful=True for SimpleRNN, LSTM and GRU, three ways: kerasmini, tf.keras and
reference_recurrent.recurrent (float64) started from the previous call's final states.
Three consecutive calls (direct calls and model.predict), then reset_states(); the
batch size is fixed by the Input; a call with another batch size is a ValueError in
both."""
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from conformance import harness, reference_recurrent

tf, keras = harness.tf, harness.keras
CASES = [("SimpleRNN", dict(return_sequences=True), "float32"),
         ("LSTM", dict(return_state=True), "float32"),
         ("GRU", dict(go_backwards=True), "float64"),
         ("LSTM", dict(return_sequences=True, reset_after_second=True), "float64")]


def _model(library, kind, args, dtype):
    layer = getattr(library.layers, kind)(4, stateful=True, dtype=dtype, **args)
    return library.Model(*(lambda i: (i, layer(i)))(library.Input((5, 3), batch_size=2,
                                                                  dtype=dtype))), layer


class TestStatefulRNN(unittest.TestCase):
    @parameterized.expand(CASES)
    def test_calls_carry_states(self, kind, args, dtype):
        harness.note(f"{kind}(stateful=True)", dtype, "values")
        args = dict(args)
        reset_after_second = args.pop("reset_after_second", False)
        rng = np.random.default_rng(harness.seed_of("stateful", kind, dtype))
        (tm, t), (km, m) = _model(keras, kind, args, dtype), _model(kerasmini, kind, args,
                                                                   dtype)
        weights = [(rng.standard_normal(w.shape) * 0.6).astype(dtype) for w in t.get_weights()]
        t.set_weights(weights)
        m.set_weights(weights)
        states = None
        for call in range(3):
            x = rng.standard_normal((2, 5, 3)).astype(dtype)
            ref = reference_recurrent.recurrent(kind, {**args, "return_state": True}, weights,
                                                x, initial_state=states)
            ref_out, states = ref[0], ref[1:]
            if call == 1:  # through predict: the states carry across predict calls too
                km_out, tf_out = km.predict(x, verbose=0), tm.predict(x, verbose=0)
            else:
                km_out, tf_out = m(x), t(x)
            km_out, tf_out = (o[0] if isinstance(o, (list, tuple)) else o
                              for o in (km_out, tf_out))
            harness.three_way(km_out, np.asarray(tf_out), ref_out, dtype,
                              f"{kind}(stateful=True, {args}) {dtype} call {call}")
            for i, (kept_m, kept_t) in enumerate(zip(m.states, t.states)):
                harness.three_way(kept_m.numpy(), np.asarray(kept_t), states[i], dtype,
                                  f"{kind}(stateful=True) call {call} kept state {i}")
            if reset_after_second and call == 1:
                m.reset_states()
                t.reset_states()
                states = None
        with self.assertRaisesRegex(ValueError, "batch size"):
            m(np.zeros((3, 5, 3), dtype))
        with self.assertRaisesRegex(ValueError, "batch size"):
            t(np.zeros((3, 5, 3), dtype))
        # default names carry each library's own counter, which depends on what else
        # ran in the process (after test_recurrent.py: lstm_3 and lstm_4)
        mine, theirs = m.get_config(), t.get_config()
        self.assertEqual(harness.name_base(mine.pop("name")),
                         harness.name_base(theirs.pop("name")))
        self.assertEqual(mine, theirs)
