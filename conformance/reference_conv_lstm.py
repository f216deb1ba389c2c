"""Float64 reference of ConvLSTM1D/2D/3D, written from the equations of Shi et al. (2015)
and Keras's documentation, sharing no code with kerasmini or TensorFlow.

Convolution: cross-correlation in channels_last, one term per kernel offset (a sum over
the offsets of strided input slices times that offset's (channels, filters) matrix);
'same' pads ceil-output style, the odd pixel after, as TensorFlow. The step, gate by
gate in Keras's order (i, f, c, o):

    i = rec_act(x * K_i + b_i + h * R_i)   f = rec_act(x * K_f + b_f + h * R_f)
    c = f c + i act(x * K_c + b_c + h * R_c)   o = rec_act(x * K_o + b_o + h * R_o)
    h = o act(c)

with the recurrent convolution 'same', stride 1, undilated. Masks as for LSTM: a masked
step keeps h and c and repeats the previous output (zeros before the first kept step).
"""
import itertools

import numpy as np

from conformance.reference_recurrent import ACTIVATIONS


def conv(x, kernel, strides, padding, dilation):
    """x (batch, *spatial, C) float64, kernel (*k, C, F) -> (batch, *out, F)."""
    rank = kernel.ndim - 2
    spatial, k = x.shape[1:1 + rank], kernel.shape[:rank]
    span = [(kk - 1) * d + 1 for kk, d in zip(k, dilation)]
    if padding == "same":
        out = [-(-n // s) for n, s in zip(spatial, strides)]
        total = [max((o - 1) * s + e - n, 0) for o, s, e, n in zip(out, strides, span, spatial)]
        x = np.pad(x, [(0, 0)] + [(t // 2, t - t // 2) for t in total] + [(0, 0)])
    else:
        out = [(n - e) // s + 1 for n, e, s in zip(spatial, span, strides)]
    result = np.zeros((x.shape[0], *out, kernel.shape[-1]))
    for offset in itertools.product(*(range(kk) for kk in k)):
        window = tuple(slice(o * d, o * d + (n - 1) * s + 1, s)
                       for o, d, n, s in zip(offset, dilation, out, strides))
        result += x[(slice(None), *window)] @ kernel[offset]
    return result


def conv_lstm(args, weights, x, mask=None, initial_state=None, masks_of_dropout=None):
    """The layer's output (a list [output, h, c] when return_state), float64.

    args: the layer's arguments (rank from the kernel); weights [kernel,
    recurrent_kernel(, bias)]; x (batch, steps, ...) in args' data_format.
    masks_of_dropout: None, or (4 input masks, 4 recurrent masks), each None or 4 arrays
    (the step input's / the state's shape, channels_last) multiplying what gate g reads."""
    kernel, recurrent = (np.asarray(w, np.float64) for w in weights[:2])
    rank = kernel.ndim - 2
    filters = recurrent.shape[-2]
    first = args.get("data_format") == "channels_first"
    x = np.asarray(x, np.float64)
    if first:
        x = np.moveaxis(x, 2, -1)
    bias = (np.asarray(weights[2], np.float64) if args.get("use_bias", True)
            else np.zeros(4 * filters))
    strides = _tuple(args.get("strides", 1), rank)
    dilation = _tuple(args.get("dilation_rate", 1), rank)
    padding = args.get("padding", "valid")
    act = ACTIVATIONS[args.get("activation", "tanh")]
    gate = ACTIVATIONS[args.get("recurrent_activation", "sigmoid")]
    input_masks, recurrent_masks = masks_of_dropout or (None, None)
    batch, steps = x.shape[:2]
    state_shape = conv(x[:1, 0], kernel, strides, padding, dilation).shape[1:-1]
    if initial_state is None:
        h = c = np.zeros((batch, *state_shape, filters))
    else:
        h, c = (np.asarray(s, np.float64) for s in initial_state)
        if first:
            h, c = np.moveaxis(h, 1, -1), np.moveaxis(c, 1, -1)
    order = range(steps - 1, -1, -1) if args.get("go_backwards") else range(steps)
    output, sequence = np.zeros_like(h), []
    for t in order:
        z = []
        for g in range(4):
            block = slice(g * filters, (g + 1) * filters)
            x_g = x[:, t] if input_masks is None else x[:, t] * input_masks[g]
            h_g = h if recurrent_masks is None else h * recurrent_masks[g]
            z.append(conv(x_g, kernel[..., block], strides, padding, dilation) + bias[block]
                     + conv(h_g, recurrent[..., block], (1,) * rank, "same", (1,) * rank))
        new_c = gate(z[1]) * c + gate(z[0]) * act(z[2])
        new_h = gate(z[3]) * act(new_c)
        if mask is not None:
            kept = np.asarray(mask, bool)[:, t].reshape((-1,) + (1,) * (rank + 1))
            previous = np.zeros_like(output) if args.get("zero_output_for_mask") else output
            new_h_out = np.where(kept, new_h, previous)
            new_h, new_c = np.where(kept, new_h, h), np.where(kept, new_c, c)
        else:
            new_h_out = new_h
        output, h, c = new_h_out, new_h, new_c
        sequence.append(output)
    result = np.stack(sequence, axis=1) if args.get("return_sequences") else output
    if first:
        result = np.moveaxis(result, -1, 2 if args.get("return_sequences") else 1)
        h, c = np.moveaxis(h, -1, 1), np.moveaxis(c, -1, 1)
    return [result, h, c] if args.get("return_state") else result


def _tuple(value, rank):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * rank
