"""One rate at the best threshold where another rate reaches a target: Sensitivity at
Specificity, Specificity at Sensitivity, Precision at Recall, Recall at Precision.

The four confusion counts are kept at `num_thresholds` evenly spaced thresholds over
[0, 1] (0.5 alone when num_thresholds is 1); the result is the largest `wanted` rate over
the thresholds whose `constrained` rate is >= the target, and 0 where none is.
"""
import numpy as np

from kerasmini.metrics.confusion_counts import confusion_counts, prepare
from kerasmini.metrics.confusion_metrics import divide_no_nan
from kerasmini.metrics.metric import Metric

COUNTS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def rates(tp, fp, tn, fn):
    """The four rates the metrics pair up, 0 where a denominator is 0."""
    return {"sensitivity": divide_no_nan(tp, tp + fn), "recall": divide_no_nan(tp, tp + fn),
            "specificity": divide_no_nan(tn, tn + fp),
            "precision": divide_no_nan(tp, tp + fp)}


class _RateAtRate(Metric):
    """Subclasses set `wanted` (the rate returned) and `constrained` (the rate whose
    target the constructor's first argument gives)."""
    _direction = "up"
    wanted = constrained = None

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if value < 0 or value > 1:
            raise ValueError(f"Argument `{self.constrained}` must be in the range [0, 1]. "
                             f"Received: {self.constrained}={value}")
        super().__init__(name=name, dtype=dtype)
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        setattr(self, self.constrained, value)
        self.value, self.num_thresholds, self.class_id = value, num_thresholds, class_id
        if num_thresholds == 1:
            self.thresholds, self._evenly = [0.5], False
        else:
            self.thresholds = [i / (num_thresholds - 1) for i in range(num_thresholds)]
            self._evenly = True
        for name_ in COUNTS:
            setattr(self, name_, self.add_variable((len(self.thresholds),), name_))

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, scores, weight = prepare(y_true, y_pred, sample_weight, self.dtype,
                                         class_id=self.class_id)
        counts = confusion_counts(labels, scores, weight, self.thresholds, self._evenly)
        for key, name_ in zip(("tp", "fp", "tn", "fn"), COUNTS):
            variable = getattr(self, name_)
            variable.assign(variable.value + counts[key])

    def result(self):
        by_name = rates(*(getattr(self, name_).value for name_ in COUNTS))
        feasible = by_name[self.constrained] >= np.asarray(self.value, self.dtype)
        best = np.max(np.where(feasible, by_name[self.wanted], 0), initial=0)
        return np.asarray(best, self.dtype)

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self.constrained: self.value}


class SensitivityAtSpecificity(_RateAtRate):
    """The best tp / (tp + fn) where tn / (tn + fp) >= specificity."""
    wanted, constrained = "sensitivity", "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None,
                 dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_RateAtRate):
    """The best tn / (tn + fp) where tp / (tp + fn) >= sensitivity."""
    wanted, constrained = "specificity", "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None,
                 dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_RateAtRate):
    """The best tp / (tp + fp) where tp / (tp + fn) >= recall."""
    wanted, constrained = "precision", "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_RateAtRate):
    """The best tp / (tp + fn) where tp / (tp + fp) >= precision."""
    wanted, constrained = "recall", "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
