"""Precision, Recall and AUC: confusion counts accumulated over batches, then a ratio or an
area. Keras's arguments, defaults, variable names and tie rule (positive when y_pred > t)."""
import numpy as np

from kerasmini import config
from kerasmini.metrics.confusion_counts import (NEG_INF, check_thresholds, confusion_counts,
                                                evenly_spaced, prepare)
from kerasmini.metrics.metric import Metric

CURVES = ("ROC", "PR", "PRGAIN")
SUMMATION_METHODS = ("interpolation", "majoring", "minoring")


def divide_no_nan(a, b):
    """a / b, and 0 where b is 0."""
    return np.where(b != 0, a / np.where(b != 0, b, 1), 0).astype(np.result_type(a, b))


class _ThresholdedRatio(Metric):
    """tp / (tp + other) at each threshold: Precision (other = fp), Recall (other = fn)."""
    _direction = "up"
    other = None

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = (check_thresholds(thresholds) if thresholds is not None
                           else [default])
        self._evenly = evenly_spaced(self.thresholds)
        size = (len(self.thresholds),)
        self.true_positives = self.add_variable(size, "true_positives")
        self._other = self.add_variable(size, {"fp": "false_positives",
                                               "fn": "false_negatives"}[self.other])

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, scores, weight = prepare(y_true, y_pred, sample_weight, self.dtype,
                                         self.top_k, self.class_id)
        counts = confusion_counts(labels, scores, weight, self.thresholds, self._evenly)
        self.true_positives.assign(self.true_positives.value + counts["tp"])
        self._other.assign(self._other.value + counts[self.other])

    def result(self):
        tp = self.true_positives.value
        ratio = divide_no_nan(tp, tp + self._other.value)
        return ratio[0] if len(self.thresholds) == 1 else ratio

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_ThresholdedRatio):
    """Of the predictions above the threshold, the share whose label is positive."""
    other = "fp"

    @property
    def false_positives(self):
        return self._other


class Recall(_ThresholdedRatio):
    """Of the positive labels, the share predicted above the threshold."""
    other = "fn"

    @property
    def false_negatives(self):
        return self._other


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from counts at `num_thresholds`
    thresholds: (T - 2) evenly spaced in (0, 1), plus -epsilon and 1 + epsilon."""
    _direction = "up"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False,
                 num_labels=None, label_weights=None, from_logits=False):
        curve, summation_method = _checked_choices(curve, summation_method)
        if thresholds is not None:
            inner = sorted(check_thresholds(thresholds))
            evenly = evenly_spaced([0.0] + inner + [1.0])
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            evenly = True
        if num_labels and not multi_label:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        super().__init__(name=name, dtype=dtype)
        self._init_from_thresholds, self._evenly = thresholds is not None, evenly
        self.num_thresholds = len(inner) + 2
        self._thresholds = [-config.epsilon()] + inner + [1.0 + config.epsilon()]
        self.curve, self.summation_method = curve, summation_method
        self.multi_label, self.num_labels = multi_label, num_labels
        self.label_weights = (None if label_weights is None
                              else np.asarray(label_weights, self.dtype))
        self._from_logits = from_logits
        self._built = False
        if not multi_label or num_labels:
            self._build(num_labels)

    @property
    def thresholds(self):
        return list(self._thresholds)

    def _build(self, num_labels):
        shape = (self.num_thresholds, num_labels) if self.multi_label else (
            self.num_thresholds,)
        for name in ("true_positives", "false_positives", "true_negatives",
                     "false_negatives"):
            setattr(self, name, self.add_variable(shape, name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.asarray(y_pred)
        if not self._built:
            if y_pred.ndim != 2:
                raise ValueError("`y_pred` must have rank 2 when `multi_label=True`. "
                                 f"Found rank {y_pred.ndim}. Full shape received for "
                                 f"`y_pred`: {y_pred.shape}")
            self._build(y_pred.shape[1])
        if self._from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-np.asarray(y_pred, self.dtype)))
        labels, scores, weight = prepare(y_true, y_pred, sample_weight, self.dtype)
        if self.label_weights is not None and not self.multi_label:
            weight = weight * np.broadcast_to(self.label_weights, scores.shape)
        counts = confusion_counts(labels, scores, weight, self._thresholds, self._evenly,
                                  self.multi_label)
        for key, variable in (("tp", self.true_positives), ("fp", self.false_positives),
                              ("tn", self.true_negatives), ("fn", self.false_negatives)):
            variable.assign(variable.value + counts[key])

    def result(self):
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._average_labels(_interpolated_pr_areas(tp, fp, fn))
        x, y = _curve_points(self.curve, tp, fp, tn, fn)
        pair = {"interpolation": lambda a, b: (a + b) / 2, "minoring": np.minimum,
                "majoring": np.maximum}[self.summation_method]
        return self._average_labels((x[:-1] - x[1:]) * pair(y[:-1], y[1:]))

    def _average_labels(self, areas):
        """Sum the threshold slices; with multi_label, the (weighted) mean over labels."""
        area = np.sum(areas, axis=0)
        if self.multi_label:
            if self.label_weights is None:
                area = np.mean(area)
            else:
                area = divide_no_nan(np.sum(area * self.label_weights),
                                     np.sum(self.label_weights))
        return np.asarray(area, self.dtype)

    def get_config(self):
        config_ = {**super().get_config(), "num_thresholds": self.num_thresholds,
                   "curve": self.curve, "summation_method": self.summation_method,
                   "multi_label": self.multi_label, "num_labels": self.num_labels,
                   "label_weights": (None if self.label_weights is None
                                     else self.label_weights.tolist()),
                   "from_logits": self._from_logits}
        if self._init_from_thresholds:  # the inner thresholds, without the two endpoints
            config_["thresholds"] = self.thresholds[1:-1]
        return config_


def _checked_choices(curve, summation_method):
    """Keras's spellings ("ROC"/"roc", "Interpolation"...) -> canonical ones, else
    ValueError with the value received."""
    upper = str(curve).upper()
    if upper not in CURVES or str(curve) not in (upper, upper.lower()):
        raise ValueError(f'Invalid AUC curve value: "{curve}". '
                         f"Expected values are {list(CURVES)}")
    method = str(summation_method)
    if method.lower() not in SUMMATION_METHODS or method not in (method.lower(),
                                                                  method.capitalize()):
        raise ValueError(f'Invalid AUC summation method value: "{summation_method}". '
                         f"Expected values are {list(SUMMATION_METHODS)}")
    return upper, method.lower()


def _curve_points(curve, tp, fp, tn, fn):
    """(x, y) of the curve at each threshold, x decreasing as the threshold rises."""
    recall = divide_no_nan(tp, tp + fn)
    if curve == "ROC":
        return divide_no_nan(fp, fp + tn), recall
    if curve == "PR":
        return recall, divide_no_nan(tp, tp + fp)
    # PRGAIN: Keras's gains, with its fixes for no true positives and negative gains
    scale = divide_no_nan(tp + fn, tn + fp)
    recall_gain = np.where(tp == 0, 0.0, 1.0 - scale * divide_no_nan(fn, tp))
    precision_gain = np.where(tp == 0, 1.0, 1.0 - scale * divide_no_nan(fp, tp))
    return np.maximum(recall_gain, 0.0).astype(tp.dtype), precision_gain.astype(tp.dtype)


def _interpolated_pr_areas(tp, fp, fn):
    """Davis & Goadrich's PR interpolation, per threshold interval: precision varies as
    tp / p along a straight tp(p) line, whose integral over recall has a log term."""
    p = tp + fp
    dtp, dp = tp[:-1] - tp[1:], p[:-1] - p[1:]
    slope = divide_no_nan(dtp, np.maximum(dp, 0))
    intercept = tp[1:] - slope * p[1:]
    both = (p[:-1] > 0) & (p[1:] > 0)
    ratio = np.where(both, divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
    return divide_no_nan(slope * (dtp + intercept * np.log(ratio).astype(tp.dtype)),
                         np.maximum(tp[1:] + fn[1:], 0))
