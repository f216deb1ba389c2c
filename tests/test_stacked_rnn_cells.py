"""RNN over a list of cells (StackedRNNCells) against the per-sample loops of
test_recurrent.py chained cell after cell; masks, go_backwards, initial and returned
states (one list per cell, as Keras), dropout masks fixed per sequence, gradients
against finite differences, weights order, configs, errors."""
import numpy as np
import pytest

import kerasmini
from kerasmini import layers
from tests.test_recurrent import MASK, STEPS

CELLS = {"SimpleRNN": layers.SimpleRNNCell, "LSTM": layers.LSTMCell, "GRU": layers.GRUCell}
STATES = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}


def stacked_reference(kinds, x, weights, initial, mask=None, go_backwards=False):
    """(outputs in processing order, final states per cell) sample by sample: at each
    kept step every cell in turn, cell k reading cell k - 1's new output."""
    per_cell = [[w.tolist() for w in weights[3 * i:3 * i + 3]] for i in range(len(kinds))]
    outputs, finals = [], []
    for b in range(x.shape[0]):
        states = [[list(s[b]) for s in cell_states] for cell_states in initial]
        previous, sequence = [0.0] * len(states[-1][0]), []
        steps = range(x.shape[1])
        for t in reversed(steps) if go_backwards else steps:
            if mask is not None and not mask[b, t]:
                sequence.append(previous)
                continue
            previous = list(x[b, t])
            for i, kind in enumerate(kinds):
                previous, states[i] = STEPS[kind](previous, states[i], per_cell[i])
            sequence.append(previous)
        outputs.append(sequence)
        finals.append(states)
    return np.array(outputs), [[np.array([f[i][j] for f in finals])
                                for j in range(STATES[k])] for i, k in enumerate(kinds)]


CASES = [(("LSTM", "GRU"), (3, 2), None, False), (("SimpleRNN", "LSTM", "GRU"), (2, 4, 3),
                                                  MASK, True),
         (("GRU",), (3,), None, True)]


@pytest.mark.parametrize("kinds,units,mask,go_backwards", CASES, ids=str)
def test_matches_chained_cell_loops(kinds, units, mask, go_backwards):
    rng = np.random.default_rng(0)
    rnn = layers.RNN([CELLS[k](u, dtype="float64") for k, u in zip(kinds, units)],
                     return_sequences=True, return_state=True, go_backwards=go_backwards,
                     dtype="float64")
    x = rng.standard_normal((3, 5, 2))
    rnn.build(x.shape)
    rnn.set_weights([rng.standard_normal(w.shape) * 0.6 for w in rnn.get_weights()])
    initial = [[rng.standard_normal((3, u)) for _ in range(STATES[k])]
               for k, u in zip(kinds, units)]
    given = [s if len(s) > 1 else s[0] for s in initial]  # one state: the bare array
    sequence, *states = rnn(x, initial_state=given, mask=mask)
    expected, expected_states = stacked_reference(kinds, x, rnn.get_weights(), initial,
                                                  mask, go_backwards)
    np.testing.assert_allclose(sequence, expected, rtol=1e-12, atol=1e-12)
    assert [len(s) for s in states] == [STATES[k] for k in kinds]
    for got, want in zip(states, expected_states):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert rnn.compute_output_shape((None, 5, 2))[1:] == [
        [(None, u)] * STATES[k] for k, u in zip(kinds, units)]


def test_gradients_and_weights_order():
    """Gradients w.r.t. the input and every weight against central differences, the
    weights perturbed through set_weights (the cells keep derived copies of their
    recurrent kernels between calls, which perturbing the arrays in place would miss)."""
    rng = np.random.default_rng(1)
    rnn = layers.RNN([layers.LSTMCell(2, dtype="float64"), layers.GRUCell(3, dtype="float64")],
                     return_sequences=True, dtype="float64")
    x = rng.standard_normal((2, 4, 3))
    rnn.build(x.shape)
    assert [w.shape for w in rnn.weights] == [(3, 8), (2, 8), (8,), (2, 9), (3, 9), (2, 9)]
    weights = [rng.standard_normal(w.shape) * 0.6 for w in rnn.get_weights()]
    rnn.set_weights(weights)
    r = rng.standard_normal((2, 4, 3))
    with kerasmini.GradientTape() as tape:
        loss = kerasmini.ops.sum(rnn(tape.watch(x)) * r)
    grads = tape.gradient(loss, [x, *rnn.trainable_weights])

    def loss_at(x_value, values):
        rnn.set_weights(values)
        return float(np.sum(rnn(x_value) * r))

    arrays = [x, *weights]
    for i, (grad, array) in enumerate(zip(grads, arrays)):
        numeric = np.zeros(array.shape)
        for j in np.ndindex(array.shape):
            moved = [a.copy() for a in arrays]
            moved[i][j] += 1e-6
            up = loss_at(moved[0], moved[1:])
            moved[i][j] -= 2e-6
            numeric[j] = (up - loss_at(moved[0], moved[1:])) / 2e-6
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8,
                                   err_msg=f"gradient {i}")


def test_dropout_masks_are_drawn_once_per_sequence():
    """Without recurrence (a zero recurrent kernel) and with a constant input, a cell's
    output repeats at every step exactly when its dropout mask does: one mask per
    sequence, as Keras (and as a cell alone under RNN); samples get their own."""
    rnn = layers.RNN([layers.SimpleRNNCell(8, dropout=0.5, seed=3, dtype="float64")],
                     return_sequences=True, dtype="float64")
    x = np.ones((6, 7, 5))
    rnn.build(x.shape)
    cell = rnn.cell.cells[0]
    cell.kernel.assign(np.random.default_rng(2).standard_normal((5, 8)))
    cell.recurrent_kernel.assign(np.zeros((8, 8)))
    y = rnn(x, training=True)
    np.testing.assert_array_equal(y, np.repeat(y[:, :1], 7, axis=1))
    assert len({row.tobytes() for row in y[:, 0]}) > 1  # not one mask for the batch
    np.testing.assert_allclose(rnn(x), np.repeat(np.tanh(x[:, :1] @ cell.kernel.numpy()),
                                                 7, axis=1), rtol=1e-12)  # no dropout


def test_config_round_trip_and_errors():
    stack = layers.StackedRNNCells([layers.LSTMCell(3), layers.SimpleRNNCell(2)])
    assert stack.state_size == [[3, 3], 2] and stack.output_size == 2
    config = layers.RNN(stack, return_sequences=True).get_config()
    assert config["cell"]["class_name"] == "StackedRNNCells"
    again = layers.RNN.from_config(config)
    assert [type(c) for c in again.cell.cells] == [layers.LSTMCell, layers.SimpleRNNCell]
    assert again.get_config() == config
    with pytest.raises(ValueError, match="All cells must have a `call` method.*3"):
        layers.StackedRNNCells([3])
    rnn = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)])
    with pytest.raises(ValueError, match="initial_state"):
        rnn(np.zeros((2, 4, 3), "float32"), initial_state=[np.zeros((2, 3), "float32")])
