"""stateful=True (SimpleRNN, LSTM, GRU, RNN over a list of cells): each call starts from
the previous call's final states (test_recurrent.py's loops, started there), across
predict calls too; reset_states(); the batch size fixed at build; a failing call keeps
the states; not saved, not trained."""
import numpy as np
import pytest

import kerasmini
from kerasmini import layers
from tests.test_recurrent import reference


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_states_carry_over_calls_and_reset(kind):
    rng = np.random.default_rng(0)
    layer = getattr(layers, kind)(3, stateful=True, return_sequences=True, dtype="float64")
    model = kerasmini.Sequential([kerasmini.Input((4, 2), batch_size=2, dtype="float64"), layer])
    layer.set_weights([rng.standard_normal(w.shape) * 0.6 for w in layer.get_weights()])
    count = 2 if kind == "LSTM" else 1
    states = [np.zeros((2, 3))] * count
    for call in range(4):
        if call == 2:
            layer.reset_states()
            states = [np.zeros((2, 3))] * count
        x = rng.standard_normal((2, 4, 2))
        expected, states = reference(kind, x, layer.get_weights(), states)
        got = model.predict(x, verbose=0) if call % 2 else layer(x)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
        for kept, want in zip(layer.states, states):
            np.testing.assert_allclose(kept.numpy(), want, rtol=1e-12, atol=1e-12)
    assert len(layer.weights) == 3 and layer.get_config()["stateful"] is True


def test_batch_size_is_fixed_and_a_failed_call_keeps_the_states():
    layer = layers.GRU(2, stateful=True)
    x = np.ones((3, 4, 2), "float32")
    layer(x)
    kept = [s.numpy().copy() for s in layer.states]
    with pytest.raises(ValueError, match="(?s)Expected batch size: 3.*Received batch size: 2"):
        layer(np.ones((2, 4, 2), "float32"))
    with pytest.raises(ValueError):
        layer(x, initial_state=[np.zeros((3, 5), "float32")])
    for state, before in zip(layer.states, kept):
        np.testing.assert_array_equal(state.numpy(), before)


def test_stacked_cells_and_gradients_are_not_carried():
    rnn = layers.RNN([layers.LSTMCell(2), layers.GRUCell(3)], stateful=True)
    x = np.random.default_rng(1).standard_normal((2, 3, 4)).astype("float32")
    first = rnn(x)
    assert [s.shape for s in rnn.states] == [(2, 2), (2, 2), (2, 3)]
    second = rnn(x)
    assert not np.allclose(first, second)
    rnn.reset_states()
    np.testing.assert_array_equal(rnn(x), first)
    with kerasmini.GradientTape() as tape:  # the kept states are values, not recorded
        y = rnn(tape.watch(x))
    assert tape.gradient(y, x).shape == x.shape
    assert type(rnn.states[0].numpy()) is np.ndarray
