"""Every metric class's `_direction` (what mode='auto' of EarlyStopping, ReduceLROnPlateau
and ModelCheckpoint reads) agrees with the metric's own values: 'up' exactly when a
perfect prediction scores higher than a wrong one. NumPy only; conformance/
test_callbacks.py compares the decisions with tf.keras."""
import inspect

import numpy as np
import pytest

from kerasmini import metrics

LABELS = np.array([0, 1, 2, 1, 0, 2, 2, 1])
WRONG = (LABELS + 1) % 3
ONE_HOT = np.eye(3, dtype="float32")[LABELS]
KWARGS = {
    "TopKCategoricalAccuracy": dict(k=1), "SparseTopKCategoricalAccuracy": dict(k=1),
    "PrecisionAtRecall": dict(recall=0.5), "RecallAtPrecision": dict(precision=0.5),
    "SensitivityAtSpecificity": dict(specificity=0.5),
    "SpecificityAtSensitivity": dict(sensitivity=0.5),
    "IoU": dict(num_classes=3, target_class_ids=[0, 1]), "MeanIoU": dict(num_classes=3),
    "OneHotIoU": dict(num_classes=3, target_class_ids=[0, 1]),
    "OneHotMeanIoU": dict(num_classes=3),
}
LABEL_PREDICTIONS = {"Accuracy", "IoU", "MeanIoU"}  # class ids in, class ids out
DIRECTED = sorted(name for name, cls in vars(metrics).items()
                  if inspect.isclass(cls) and getattr(cls, "_direction", None))


def _probabilities(labels):
    return np.eye(3, dtype="float32")[labels] * 0.9 + 0.05  # rows sum to 1


def _score(name, labels):
    metric = getattr(metrics, name)(**KWARGS.get(name, {}))
    if name in LABEL_PREDICTIONS:
        metric.update_state(LABELS, labels)
    elif name.startswith("Sparse"):
        metric.update_state(LABELS, _probabilities(labels))
    else:
        metric.update_state(ONE_HOT, _probabilities(labels))
    return float(np.mean(metric.result()))  # F-scores: one per class


def test_every_metric_with_a_direction_is_listed():
    assert len(DIRECTED) >= 30, DIRECTED


@pytest.mark.parametrize("name", DIRECTED)
def test_direction_is_the_way_a_better_prediction_moves_the_value(name):
    perfect, wrong = _score(name, LABELS), _score(name, WRONG)
    assert perfect != wrong, (name, perfect)
    assert getattr(metrics, name)._direction == ("up" if perfect > wrong else "down"), \
        (name, perfect, wrong)
