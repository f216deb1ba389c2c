"""keras.ops.nn's CTC: ctc_loss (the loss of ops/ctc.py with its gradient, recorded on
the tape) and ctc_decode's greedy strategy, by Keras's signatures and TensorFlow's
results."""
import numpy as np

from kerasmini.autodiff import record
from kerasmini.ops.arguments import tensor
from kerasmini.ops.ctc import ctc_loss_and_vjp
from kerasmini.ops.dtypes import result_type
from kerasmini.ops.symbolic import NN, keras_operation


def _same_batch(name1, shape1, name2, shape2):
    if shape1[0] != shape2[0]:
        raise ValueError(f"Arguments `{name1}` and `{name2}` must have the same first "
                         f"dimension. Received shapes: `{shape1}` and `{shape2}`.")


@keras_operation("CTCLoss", config=("mask_index",), module=NN)
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """-log p(target | output) per sample: output (batch, steps, classes) logits,
    target (batch, max_label_length) classes, in at least float32."""
    output = tensor(output)
    output = tensor(output, result_type(output.dtype, "float32"))
    target = np.asarray(tensor(target)).astype("int32")
    target_length, output_length = (np.asarray(tensor(v)) for v in (target_length,
                                                                     output_length))
    _same_batch("target", target.shape, "output", output.shape)
    _same_batch("target_length", target_length.shape, "target", target.shape)
    _same_batch("output_length", output_length.shape, "output", output.shape)
    loss, vjp = ctc_loss_and_vjp(target, np.asarray(output), target_length, output_length,
                                 blank=mask_index % output.shape[-1])
    return record(loss, [output], lambda g: (vjp(g),), "ctc_loss")


@keras_operation("CTCDecode", config=("strategy", "beam_width", "top_paths",
                                      "merge_repeated", "mask_index"), module=NN)
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """(decoded (1, batch, steps) int32 padded with -1, scores (batch, 1)): the
    most likely class at each step within the sequence length, repeats merged (if
    merge_repeated), mask_index (the blank) dropped; the score is minus the sum of
    those steps' largest inputs (TensorFlow's greedy decoder)."""
    if strategy != "greedy":
        if strategy == "beam_search":
            raise NotImplementedError("kerasmini's ctc_decode supports strategy='greedy' "
                                      "only. Received: strategy='beam_search'")
        raise ValueError(f"Invalid strategy {strategy}. Supported values are 'greedy' "
                         "and 'beam_search'.")
    inputs = np.asarray(tensor(inputs))
    inputs = inputs.astype(result_type(inputs.dtype, "float32"), copy=False)
    batch, steps, classes = inputs.shape
    lengths = np.asarray(tensor(sequence_lengths)).astype("int64")
    within = np.arange(steps) < lengths[:, None]                      # (batch, steps)
    best = np.argmax(inputs, axis=-1)
    scores = -np.sum(np.where(within, np.max(inputs, axis=-1), 0), axis=1, keepdims=True)
    keep = within & (best != mask_index % classes)
    if merge_repeated:
        keep[:, 1:] &= best[:, 1:] != best[:, :-1]
    # the kept classes of each row moved to its front, -1 after them
    order = np.argsort(~keep, axis=1, kind="stable")
    decoded = np.where(np.take_along_axis(keep, order, 1),
                       np.take_along_axis(best, order, 1), -1)
    return decoded[None].astype("int32"), scores.astype(inputs.dtype)
