"""FBetaScore and F1Score: per-class true/false positive and false negative sums over
batches, then the weighted harmonic mean of precision and recall, as keras.metrics.

Predictions become 0/1 before counting: above `threshold`, or (threshold None) equal to
the row's maximum and not ~0. The state is built from the first batch's class count.
"""
import numpy as np

from kerasmini import config
from kerasmini.metrics.metric import Metric

AVERAGES = (None, "micro", "macro", "weighted")
COUNTS = ("true_positives", "false_positives", "false_negatives", "intermediate_weights")


def _check_arguments(average, beta, threshold):
    if average not in AVERAGES:
        raise ValueError("Invalid `average` argument value. Expected one of: "
                         f"{{None, 'micro', 'macro', 'weighted'}}. Received: average={average}")
    if not isinstance(beta, float):
        raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                         f"Received: beta={beta} of type '{type(beta)}'")
    if beta <= 0.0:
        raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: "
                         f"beta={beta}")
    if threshold is not None and not isinstance(threshold, float):
        raise ValueError("Invalid `threshold` argument value. It should be a Python float. "
                         f"Received: threshold={threshold} of type '{type(threshold)}'")
    if threshold is not None and not 0.0 < threshold <= 1.0:
        raise ValueError("Invalid `threshold` argument value. It should verify "
                         f"0 < threshold <= 1. Received: threshold={threshold}")


class FBetaScore(Metric):
    """(1 + b^2) * precision * recall / (b^2 * precision + recall), per class (average
    None), pooled over classes ("micro"), or its mean ("macro") or support-weighted mean
    ("weighted"). Keras's epsilon guards every division, so a class never predicted or
    never present scores 0, not NaN."""
    _direction = "up"

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        _check_arguments(average, beta, threshold)
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0  # micro sums the classes too
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape "
                             "(batch_size, output_dim). Received input shapes: "
                             f"y_pred.shape={y_pred_shape} and y_true.shape={y_true_shape}.")
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        for name in COUNTS:
            setattr(self, name, self.add_variable(shape, name))
        self._built = True

    def _predicted(self, y_pred):
        if self.threshold is None:
            row_max = np.max(y_pred, axis=-1, keepdims=True)
            return ((y_pred >= row_max) & (np.abs(y_pred) > 1e-9)).astype(self.dtype)
        return (y_pred > self.threshold).astype(self.dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = np.asarray(y_true, self.dtype)
        y_pred = np.asarray(y_pred, self.dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        y_pred = self._predicted(y_pred)
        weight = (None if sample_weight is None
                  else np.asarray(sample_weight, self.dtype)[:, None])

        def weighted_sum(value):
            return np.sum(value if weight is None else value * weight, axis=self.axis)

        self.true_positives.assign(self.true_positives.value + weighted_sum(y_pred * y_true))
        self.false_positives.assign(self.false_positives.value
                                    + weighted_sum(y_pred * (1 - y_true)))
        self.false_negatives.assign(self.false_negatives.value
                                    + weighted_sum((1 - y_pred) * y_true))
        self.intermediate_weights.assign(self.intermediate_weights.value
                                         + weighted_sum(y_true))

    def result(self):
        if not self._built:
            raise ValueError(f"{type(self).__name__}.result() needs update_state first: "
                             "its state is shaped by the first batch's class count.")
        eps = config.epsilon()
        tp = self.true_positives.value
        precision = tp / (tp + self.false_positives.value + eps)
        recall = tp / (tp + self.false_negatives.value + eps)
        b2 = self.beta ** 2
        score = precision * recall / (b2 * precision + recall + eps) * (1 + b2)
        if self.average == "weighted":
            support = self.intermediate_weights.value
            return np.sum(score * (support / (np.sum(support) + eps)))
        if self.average is not None:
            return np.mean(score)
        return score

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """FBetaScore with beta 1: the harmonic mean of precision and recall."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name,
                         dtype=dtype)

    def get_config(self):
        config_ = super().get_config()
        del config_["beta"]
        return config_
