"""Float64 reference of SimpleRNN, LSTM, GRU, Bidirectional and TimeDistributed, written
from the equations of Keras's documentation (keras.io/api/layers/recurrent_layers) and
sharing no code with kerasmini or TensorFlow: gate by gate, step by step, the batch as
rows. Masks: a masked step keeps the states and repeats the previous output (zeros
before the first kept step; always zeros with zero_output_for_mask)."""
import numpy as np

ACTIVATIONS = {
    "tanh": np.tanh,
    "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
    "hard_sigmoid": lambda v: np.clip(v + 3, 0, 6) / 6,  # Keras 3: relu6(x + 3) / 6
    "relu": lambda v: np.maximum(v, 0),
    "linear": lambda v: v,
}


def _gates(matrix, count):
    return np.split(np.asarray(matrix, np.float64), count, axis=-1)


def simple_rnn_step(args, weights, x, states):
    act = ACTIVATIONS[args.get("activation", "tanh")]
    kernel, recurrent = weights[0], weights[1]
    bias = weights[2] if args.get("use_bias", True) else 0.0
    h = act(x @ kernel + states[0] @ recurrent + bias)
    return h, [h]


def lstm_step(args, weights, x, states):
    act = ACTIVATIONS[args.get("activation", "tanh")]
    gate = ACTIVATIONS[args.get("recurrent_activation", "sigmoid")]
    h, c = states
    k_i, k_f, k_c, k_o = _gates(weights[0], 4)
    r_i, r_f, r_c, r_o = _gates(weights[1], 4)
    b_i, b_f, b_c, b_o = _gates(weights[2], 4) if args.get("use_bias", True) else [0.0] * 4
    i = gate(x @ k_i + h @ r_i + b_i)
    f = gate(x @ k_f + h @ r_f + b_f)
    o = gate(x @ k_o + h @ r_o + b_o)
    c = f * c + i * act(x @ k_c + h @ r_c + b_c)
    h = o * act(c)
    return h, [h, c]


def gru_step(args, weights, x, states):
    act = ACTIVATIONS[args.get("activation", "tanh")]
    gate = ACTIVATIONS[args.get("recurrent_activation", "sigmoid")]
    reset_after = args.get("reset_after", True)
    h = states[0]
    k_z, k_r, k_h = _gates(weights[0], 3)
    r_z, r_r, r_h = _gates(weights[1], 3)
    if not args.get("use_bias", True):
        bx = bh = [0.0] * 3
    elif reset_after:  # bias rows: input bias, recurrent bias
        bx, bh = _gates(weights[2][0], 3), _gates(weights[2][1], 3)
    else:
        bx, bh = _gates(weights[2], 3), [0.0] * 3
    z = gate(x @ k_z + bx[0] + h @ r_z + bh[0])
    r = gate(x @ k_r + bx[1] + h @ r_r + bh[1])
    if reset_after:
        candidate = act(x @ k_h + bx[2] + r * (h @ r_h + bh[2]))
    else:
        candidate = act(x @ k_h + bx[2] + (r * h) @ r_h)
    h = z * h + (1 - z) * candidate
    return h, [h]


STEPS = {"SimpleRNN": (simple_rnn_step, 1), "LSTM": (lstm_step, 2), "GRU": (gru_step, 1)}


def recurrent(kind, args, weights, x, mask=None, initial_state=None):
    """The layer's outputs (a list when return_state) in float64."""
    step, state_count = STEPS[kind]
    x = np.asarray(x, np.float64)
    weights = [np.asarray(w, np.float64) for w in weights]
    batch, steps = x.shape[:2]
    units = weights[1].shape[0]
    states = ([np.asarray(s, np.float64) for s in initial_state] if initial_state
              else [np.zeros((batch, units)) for _ in range(state_count)])
    order = range(steps - 1, -1, -1) if args.get("go_backwards") else range(steps)
    output, sequence = np.zeros((batch, units)), []
    for t in order:
        new_output, new_states = step(args, weights, x[:, t], states)
        if mask is not None:
            kept = np.asarray(mask, bool)[:, t:t + 1]
            previous = np.zeros_like(output) if args.get("zero_output_for_mask") else output
            new_output = np.where(kept, new_output, previous)
            new_states = [np.where(kept, n, s) for n, s in zip(new_states, states)]
        output, states = new_output, new_states
        sequence.append(output)
    result = np.stack(sequence, axis=1) if args.get("return_sequences") else output
    return [result, *states] if args.get("return_state") else result


def bidirectional(kind, args, merge_mode, weights, x, mask=None):
    """Forward layer on x, a go_backwards copy on x, merged; with return_sequences the
    backward outputs are reversed to time order, and masked steps output zeros."""
    half = len(weights) // 2
    inner = dict(args, zero_output_for_mask=args.get("return_sequences", False))
    forward = recurrent(kind, inner, weights[:half], x, mask)
    backward = recurrent(kind, dict(inner, go_backwards=True), weights[half:], x, mask)
    states = []
    if args.get("return_state"):
        states = forward[1:] + backward[1:]
        forward, backward = forward[0], backward[0]
    if args.get("return_sequences"):
        backward = backward[:, ::-1]
    merged = {"concat": lambda: [np.concatenate([forward, backward], axis=-1)],
              "sum": lambda: [forward + backward], "mul": lambda: [forward * backward],
              "ave": lambda: [(forward + backward) / 2],
              None: lambda: [forward, backward]}[merge_mode]()
    outputs = merged + states
    return outputs[0] if len(outputs) == 1 else outputs


def time_distributed_dense(weights, x, activation="linear"):
    """Dense on every step: for each t, activation(x[:, t] @ kernel + bias)."""
    kernel, bias = (np.asarray(w, np.float64) for w in weights)
    x = np.asarray(x, np.float64)
    return np.stack([ACTIVATIONS[activation](x[:, t] @ kernel + bias)
                     for t in range(x.shape[1])], axis=1)


def stacked(kinds, args, weights, x):
    """RNN(StackedRNNCells) with default cells `kinds` ("LSTM", "GRU", "SimpleRNN"): at
    every step each cell reads the previous cell's new output; `weights` in the cells'
    order (3 per cell). A list [output, [cell 1's states], ...] when return_state."""
    x = np.asarray(x, np.float64)
    weights = [np.asarray(w, np.float64) for w in weights]
    per_cell = [weights[3 * i:3 * i + 3] for i in range(len(kinds))]
    batch, steps = x.shape[:2]
    states = [[np.zeros((batch, w[1].shape[0]))] * STEPS[k][1]
              for k, w in zip(kinds, per_cell)]
    order = range(steps - 1, -1, -1) if args.get("go_backwards") else range(steps)
    sequence = []
    for t in order:
        output = x[:, t]
        for i, (kind, w) in enumerate(zip(kinds, per_cell)):
            output, states[i] = STEPS[kind][0]({}, w, output, states[i])
        sequence.append(output)
    result = np.stack(sequence, axis=1) if args.get("return_sequences") else output
    return [result, *states] if args.get("return_state") else result
