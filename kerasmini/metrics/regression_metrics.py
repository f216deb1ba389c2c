"""Regression metrics: the running mean of a per-sample error (mean over the last axis), and
RootMeanSquaredError, the square root of the running mean of squared errors."""
import numpy as np

from kerasmini import config
from kerasmini.losses import losses as _losses
from kerasmini.losses.loss import squeeze_or_expand_to_same_rank
from kerasmini.metrics.reduction_metrics import Mean, MeanMetricWrapper


def _aligned(y_true, y_pred):
    """y_true in y_pred's float dtype, ranks aligned as Keras aligns them."""
    y_true, y_pred = _losses._pair(y_true, y_pred)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|y_true - y_pred| / max(|y_true|, epsilon))."""
    y_true, y_pred = _aligned(y_true, y_pred)
    floor = np.maximum(np.abs(y_true), y_pred.dtype.type(config.epsilon()))
    return y_pred.dtype.type(100) * np.mean(np.abs((y_true - y_pred) / floor), axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(1 + max(y_pred, eps)) - log(1 + max(y_true, eps)))^2)."""
    y_true, y_pred = _aligned(y_true, y_pred)
    eps = y_pred.dtype.type(config.epsilon())
    first, second = np.log1p(np.maximum(y_pred, eps)), np.log1p(np.maximum(y_true, eps))
    return np.mean(np.square(first - second), axis=-1)


def log_cosh(y_true, y_pred):
    """mean(log(cosh(e))) for e = y_pred - y_true, as e + softplus(-2e) - log 2 (no
    overflow for large |e|)."""
    y_true, y_pred = _aligned(y_true, y_pred)
    error = y_pred - y_true
    return np.mean(error + np.logaddexp(0, -2 * error) - np.log(error.dtype.type(2)), axis=-1)


def l2_normalize(x, axis=-1):
    """x / ||x||, with 1 / ||x|| capped at 1 / epsilon (a zero vector stays zero)."""
    square_sum = np.sum(np.square(x), axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):
        inverse_norm = np.minimum(1 / np.sqrt(square_sum), x.dtype.type(1 / config.epsilon()))
    return x * inverse_norm


def cosine_similarity(y_true, y_pred, axis=-1):
    y_true, y_pred = _aligned(y_true, y_pred)
    return np.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


class MeanSquaredError(MeanMetricWrapper):
    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(fn=_losses.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(fn=_losses.mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(fn=mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(fn=mean_squared_logarithmic_error, name=name, dtype=dtype)


class LogCoshError(MeanMetricWrapper):
    def __init__(self, name="logcosh", dtype=None):
        super().__init__(fn=log_cosh, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(fn=cosine_similarity, name=name, dtype=dtype, axis=axis)


class RootMeanSquaredError(Mean):
    """sqrt(weighted mean of (y_pred - y_true)^2) over everything seen since the reset."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = squeeze_or_expand_to_same_rank(np.asarray(y_true, self.dtype),
                                                         np.asarray(y_pred, self.dtype))
        return super().update_state(np.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return np.sqrt(super().result())
