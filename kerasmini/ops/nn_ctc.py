"""keras.ops.nn's CTC: ctc_loss (the loss of ops/ctc.py with its gradient, recorded on
the tape) and ctc_decode (greedy, and beam search), by Keras's signatures and
TensorFlow's results."""
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
    """Greedy: (decoded (1, batch, steps) int32 padded with -1, scores (batch, 1)):
    the most likely class at each step within the sequence length, repeats merged (if
    merge_repeated), mask_index (the blank) dropped; the score is minus the sum of
    those steps' largest inputs (TensorFlow's greedy decoder). beam_search:
    `beam_search`'s top_paths decodings and their log probabilities."""
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(f"Invalid strategy {strategy}. Supported values are 'greedy' "
                         "and 'beam_search'.")
    source, inputs = inputs, np.asarray(tensor(inputs))
    inputs = inputs.astype(result_type(inputs.dtype, "float32"), copy=False)
    batch, steps, classes = inputs.shape
    lengths = np.asarray(tensor(sequence_lengths)).astype("int64")
    if strategy == "beam_search":
        decoded, scores = beam_search(inputs, lengths, beam_width, top_paths,
                                      mask_index % classes)
        return decoded, _without_gradient(scores, source)
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
    return decoded[None].astype("int32"), _without_gradient(scores.astype(inputs.dtype),
                                                            source)


def _without_gradient(scores, inputs):
    """The scores, recorded as depending on the inputs without a gradient rule: a
    gradient through them raises NoGradientError naming ctc_decode (TensorFlow's
    decoders give None, as if the scores did not depend on the inputs)."""
    return record(scores, [inputs], None, "ctc_decode")


def beam_search(inputs, lengths, beam_width, top_paths, blank):
    """(decoded (top_paths, batch, steps) int32 padded with -1, log probabilities
    (batch, top_paths)): prefix beam search as TensorFlow's decoder runs it
    (ctc_beam_search.h), whose pruning order decides which prefixes survive: a loop
    over samples and steps, each step depending on the last."""
    if top_paths > beam_width:
        raise ValueError(f"`top_paths` ({top_paths}) must be at most `beam_width` "
                         f"({beam_width}).")
    batch, steps, _ = inputs.shape
    decoded = np.full((top_paths, batch, steps), -1, "int32")
    scores = np.zeros((batch, top_paths), inputs.dtype)
    for sample in range(batch):
        log_probs = inputs[sample].astype(np.float64)
        log_probs = log_probs - np.logaddexp.reduce(log_probs, axis=-1, keepdims=True)
        beam = Beam(beam_width, blank)
        for t in range(int(lengths[sample])):
            beam.step(log_probs[t])
        for rank, entry in enumerate(beam.best(top_paths)):
            labels = entry.labels()
            decoded[rank, sample, :len(labels)] = labels
            scores[sample, rank] = entry.new[2]
    return decoded, scores


NONE = (-np.inf, -np.inf, -np.inf)  # log (P ending in blank, in label, total) of nothing


class Prefix:
    """A node of the prefix tree: its label, parent, children, and its probabilities
    at the last step (old) and this one (new); active while new's total is not 0."""

    def __init__(self, parent, label):
        self.parent, self.label, self.children = parent, label, {}
        self.old = self.new = NONE

    def child(self, label):
        return self.children.setdefault(label, Prefix(self, label))

    def active(self):
        return self.new[2] > -np.inf

    def labels(self):
        entry, labels = self, []
        while entry.parent is not None:
            labels.append(entry.label)
            entry = entry.parent
        return labels[::-1]


class Beam:
    """TensorFlow's CTC beam: at most `width` leaves; a prefix pushed out is reset."""

    def __init__(self, width, blank):
        self.width, self.blank = width, blank
        root = Prefix(None, -1)
        root.new = (0.0, -np.inf, 0.0)
        self.leaves = [root]

    def best(self, n):
        return sorted(self.leaves, key=lambda e: -e.new[2])[:n]

    def candidate(self, probability):
        return probability[2] > -np.inf and (len(self.leaves) < self.width or probability[2]
                                             > min(e.new[2] for e in self.leaves))

    def step(self, log_probs):
        branches = self.best(len(self.leaves))
        self.leaves = []
        for b in branches:
            b.old = b.new
        for b in branches:  # each kept prefix continued: by a blank, or its last label
            in_label = b.new[1]
            if b.parent is not None:
                if b.parent.active():
                    previous = b.parent.old[0] if b.label == b.parent.label else \
                        b.parent.old[2]
                    in_label = np.logaddexp(in_label, previous)
                in_label += log_probs[b.label]
            in_blank = b.old[2] + log_probs[self.blank]
            b.new = (in_blank, in_label, np.logaddexp(in_blank, in_label))
            self.leaves.append(b)
        for b in branches:  # new prefixes: a kept one and one more label
            if not self.candidate(b.old):
                continue
            for label in range(len(log_probs)):
                if label != self.blank:
                    self._grow(b, label, log_probs[label])

    def _grow(self, b, label, log_prob):
        c = b.child(label)
        if c.active():
            return
        # a repeated label needs a blank between: only b's paths ending in one
        previous = b.old[0] if label == b.label else b.old[2]
        c.new = (-np.inf, log_prob + previous, log_prob + previous)
        if not self.candidate(c.new):
            c.old = c.new = NONE
            return
        if len(self.leaves) == self.width:
            bottom = min(self.leaves, key=lambda e: e.new[2])
            bottom.new = NONE
            self.leaves.remove(bottom)
        self.leaves.append(c)
