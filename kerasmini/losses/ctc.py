"""The CTC loss as keras.losses.ctc / keras.losses.CTC: y_true (batch, max_length) integer
labels padded with 0 (class 0 is the blank, so a label's length is its count of nonzero
entries), y_pred (batch, steps, classes) logits; every sample uses all its steps. The
recursion and its gradient are in kerasmini/ops/ctc.py."""
import numpy as np

from kerasmini.losses.loss import Loss, record
from kerasmini.losses.losses import LossFunctionWrapper
from kerasmini.ops.ctc import ctc_loss_and_vjp


def _ctc(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 2:
        raise ValueError("Targets `y_true` are expected to be a tensor of shape "
                         "`(batch_size, max_length)` in integer format. "
                         f"Received: y_true.shape={y_true.shape}")
    if y_pred.ndim != 3:
        raise ValueError("Logits `y_pred` are expected to be a tensor of shape "
                         "`(batch_size, max_length, num_classes)`. "
                         f"Received: y_pred.shape={y_pred.shape}")
    labels = y_true.astype(np.int64)
    label_length = np.sum(labels != 0, axis=-1)
    logit_length = np.full(y_pred.shape[0], y_pred.shape[1])
    return ctc_loss_and_vjp(labels, y_pred, label_length, logit_length, blank=0)


def ctc(y_true, y_pred):
    """-log p(y_true | y_pred) per sample."""
    values, vjp = _ctc(y_true, y_pred)
    return record(values, (y_pred,), lambda g: (vjp(g),), "ctc")


class CTC(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, name=name, reduction=reduction, dtype=dtype)

    def forward(self, y_true, y_pred, **overrides):
        return _ctc(y_true, y_pred)

    def has_gradient_rule(self):
        return True

    def get_config(self):
        return Loss.get_config(self)
