"""Accuracies: per-sample functions (1.0 for a hit, 0.0 for a miss) and their running means."""
import numpy as np

from kerasmini import config
from kerasmini.losses.loss import squeeze_or_expand_to_same_rank
from kerasmini.metrics.reduction_metrics import MeanMetricWrapper


def _hits(matches):
    return matches.astype(config.floatx())


def accuracy(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(np.asarray(y_true, y_pred.dtype), y_pred)
    return _hits(y_true == y_pred)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_true, y_pred = squeeze_or_expand_to_same_rank(np.asarray(y_true), np.asarray(y_pred))
    return _hits(y_true == (y_pred > threshold).astype(y_true.dtype))


def categorical_accuracy(y_true, y_pred):
    """argmax(y_true) == argmax(y_pred) along the last axis (first maximum on ties)."""
    return _hits(np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1))


def sparse_categorical_accuracy(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return _hits(y_true.astype(np.float64) == np.argmax(y_pred, axis=-1))


def _in_top_k(labels, y_pred, k):
    """tf.math.in_top_k: the target's score is among the k largest (ties count as in)."""
    y_pred = np.asarray(y_pred).reshape(-1, np.shape(y_pred)[-1])
    labels = np.asarray(labels).reshape(-1).astype(np.int64)
    target = y_pred[np.arange(len(labels)), labels]
    larger = np.sum(y_pred > target[:, None], axis=-1)
    return (larger < k) & np.isfinite(target)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    labels = np.argmax(y_true, axis=-1)
    return _hits(_in_top_k(labels, y_pred, k)).reshape(np.shape(labels))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Whether each integer target is among the k best scores; with from_sorted_ids,
    y_pred holds category ids sorted best first, and the target is sought in the first
    k of them (a repeated id counts once)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if from_sorted_ids:
        ids = y_pred.reshape(-1, y_pred.shape[-1])[:, :k]
        found = np.any(y_true.reshape(-1, 1).astype(ids.dtype) == ids, axis=1)
        return _hits(found).reshape(y_true.shape)
    return _hits(_in_top_k(y_true, y_pred, k)).reshape(y_true.shape)


class Accuracy(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:  # as Keras: named only when set
            config["from_sorted_ids"] = True
        return config
