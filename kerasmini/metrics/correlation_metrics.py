"""PearsonCorrelation and ConcordanceCorrelation, as keras.metrics: a correlation along
`axis` within each batch (per sample for the default axis=-1 over a sample's outputs;
axis=0 correlates each output column over the batch), then the running mean of those
values over batches. As in Keras, a constant slice has no correlation: NaN (Pearson
divides by its zero standard deviation), so a (batch, 1) output needs axis=0.
"""
import numpy as np

from kerasmini import config
from kerasmini.losses.loss import squeeze_or_expand_to_same_rank
from kerasmini.metrics.reduction_metrics import MeanMetricWrapper


def _same_rank(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    return squeeze_or_expand_to_same_rank(np.asarray(y_true, y_pred.dtype), y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """mean(standardized y_true * standardized y_pred) along axis."""
    y_true, y_pred = _same_rank(y_true, y_pred)
    t = y_true - np.mean(y_true, axis=axis, keepdims=True)
    p = y_pred - np.mean(y_pred, axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # constant slice: NaN, as Keras
        t = t / np.std(t, axis=axis, keepdims=True)
        p = p / np.std(p, axis=axis, keepdims=True)
    return np.mean(t * p, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's coefficient: 2 cov / (var_t + var_p + (mean_t - mean_p)^2), with Keras's
    epsilon in the denominator (Keras centres y_true on y_pred's mean in the covariance,
    the same number since y_pred - mean_p sums to 0; kept for the same rounding)."""
    y_true, y_pred = _same_rank(y_true, y_pred)
    mean_t = np.mean(y_true, axis=axis, keepdims=True)
    mean_p = np.mean(y_pred, axis=axis, keepdims=True)
    var_t = np.var(y_true - mean_t, axis=axis, keepdims=True)
    var_p = np.var(y_pred - mean_p, axis=axis, keepdims=True)
    covariance = (y_true - mean_p) * (y_pred - mean_p)
    norm = var_t + var_p + np.square(mean_t - mean_p)
    epsilon = np.asarray(config.epsilon(), y_pred.dtype)
    return np.mean(2 * covariance / (norm + epsilon), axis=axis)


class PearsonCorrelation(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(fn=pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class ConcordanceCorrelation(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(fn=concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
