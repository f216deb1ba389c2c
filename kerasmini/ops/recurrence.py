"""recurrence: a recurrent layer's loop over time steps, masks included.

The expensive part of a recurrent layer, the input projection `x_t @ kernel` of every
step, is one matrix product over all steps before the loop (ops.dense); what is left per
step is one (batch, units) @ (units, gates * units) product and elementwise gates. The
loop is plain NumPy on the step's arrays, so a GradientTape records it step by step:
its backward pass is backpropagation through time, with no rule of its own to get wrong.
"""
import numpy as np


def recurrence(step, inputs, states, mask=None, go_backwards=False,
               zero_output_for_mask=False, return_sequences=True):
    """Run `step(inputs[:, t], states) -> (output_t, new_states)` over t.

    inputs: (batch, steps, ...); states: list of (batch, ...) arrays, each of the
    output's shape (batch, n) or (batch, *spatial, filters) (ConvLSTM); mask: (batch,
    steps) booleans or None. A masked step (mask False) keeps every state as it was and
    outputs the last output again (zeros before the first kept step, or always zeros
    with `zero_output_for_mask`), as Keras does. go_backwards runs the steps last to
    first; the sequence of outputs is then in that order too, as Keras returns it.

    Returns (last output, outputs (batch, steps, ...) or None, final states).
    """
    order = range(inputs.shape[1])
    if go_backwards:
        order = reversed(order)
    outputs, output = [], None
    for t in order:
        new_output, new_states = step(inputs[:, t], states)
        if mask is not None:  # (batch, 1, ...): over every axis of the step's arrays
            keep = np.reshape(mask[:, t], (-1,) + (1,) * (np.ndim(new_output) - 1))
            previous = (np.zeros(new_output.shape, new_output.dtype)
                        if zero_output_for_mask or output is None else output)
            new_output = np.where(keep, new_output, previous)
            new_states = [np.where(keep, new, old) for new, old in zip(new_states, states)]
        output, states = new_output, list(new_states)
        if return_sequences:
            outputs.append(output)
    sequence = np.stack(outputs, axis=1) if return_sequences else None
    return output, sequence, states
