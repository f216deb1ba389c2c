"""TruePositives, FalsePositives, TrueNegatives, FalseNegatives: one weighted confusion
count per threshold, accumulated over batches (positive when y_pred > threshold)."""
from kerasmini.metrics.confusion_counts import (check_thresholds, confusion_counts,
                                                evenly_spaced, prepare)
from kerasmini.metrics.metric import Metric


class _ConfusionCount(Metric):
    """The count `condition` ("tp", "fp", "tn" or "fn") at each of `thresholds`."""
    condition = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = check_thresholds(0.5 if thresholds is None else thresholds)
        self._evenly = evenly_spaced(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), "accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, scores, weight = prepare(y_true, y_pred, sample_weight, self.dtype)
        counts = confusion_counts(labels, scores, weight, self.thresholds, self._evenly)
        self.accumulator.assign(self.accumulator.value + counts[self.condition])

    def result(self):
        counts = self.accumulator.value
        return counts[0] if len(self.thresholds) == 1 else counts

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionCount):
    """The (weighted) number of positive labels predicted above the threshold."""
    condition = "tp"


class FalsePositives(_ConfusionCount):
    """The (weighted) number of negative labels predicted above the threshold."""
    condition = "fp"


class TrueNegatives(_ConfusionCount):
    """The (weighted) number of negative labels predicted at or below the threshold."""
    condition = "tn"


class FalseNegatives(_ConfusionCount):
    """The (weighted) number of positive labels predicted at or below the threshold."""
    condition = "fn"
