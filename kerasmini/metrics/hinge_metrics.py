"""Hinge metrics for labels in {-1, 1} (labels in {0, 1} are mapped to {-1, 1} first, as
Keras does when every label is 0 or 1)."""
import numpy as np

from kerasmini.losses import losses as _losses
from kerasmini.metrics.reduction_metrics import MeanMetricWrapper


def _signed_labels(y_true, y_pred):
    y_true, y_pred = _losses._pair(y_true, y_pred)
    if np.all((y_true == 0) | (y_true == 1)):
        y_true = 2 * y_true - 1
    return y_true, y_pred


def hinge(y_true, y_pred):
    y_true, y_pred = _signed_labels(y_true, y_pred)
    return np.mean(np.maximum(1 - y_true * y_pred, 0), axis=-1)


def squared_hinge(y_true, y_pred):
    y_true, y_pred = _signed_labels(y_true, y_pred)
    return np.mean(np.square(np.maximum(1 - y_true * y_pred, 0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(0, 1 + (the best wrong score) - (the right score)), y_true one-hot."""
    y_true, y_pred = _losses._pair(y_true, y_pred)
    right = np.sum(y_true * y_pred, axis=-1)
    wrong = np.max((1 - y_true) * y_pred, axis=-1)
    return np.maximum(wrong - right + 1, 0)


class Hinge(MeanMetricWrapper):
    def __init__(self, name="hinge", dtype=None):
        super().__init__(fn=hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(fn=squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(fn=categorical_hinge, name=name, dtype=dtype)
