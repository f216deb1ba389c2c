"""Regression metrics: the running mean of a per-sample error (mean over the last axis), and
RootMeanSquaredError, the square root of the running mean of squared errors; R2Score."""
import warnings

import numpy as np

from kerasmini.losses import losses as _losses
from kerasmini.losses.composed_losses import (cosine_proximity, log_cosh,
                                              mean_absolute_percentage_error,
                                              mean_squared_logarithmic_error)
from kerasmini.losses.loss import squeeze_or_expand_to_same_rank
from kerasmini.metrics.metric import Metric
from kerasmini.metrics.reduction_metrics import Mean, MeanMetricWrapper


class MeanSquaredError(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(fn=_losses.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(fn=_losses.mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(fn=mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(fn=mean_squared_logarithmic_error, name=name, dtype=dtype)


class LogCoshError(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(fn=log_cosh, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(fn=cosine_proximity, name=name, dtype=dtype, axis=axis)


class RootMeanSquaredError(Mean):
    """sqrt(weighted mean of (y_pred - y_true)^2) over everything seen since the reset."""
    _direction = "down"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = squeeze_or_expand_to_same_rank(np.asarray(y_true, self.dtype),
                                                         np.asarray(y_pred, self.dtype))
        return super().update_state(np.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return np.sqrt(super().result())


R2_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """Coefficient of determination per output column, 1 - SS_res / SS_tot, from weighted
    running sums; aggregated by mean, by SS_tot-weighted mean, or not (None). With
    `num_regressors` p > 0, adjusted: 1 - (1 - R2) (n - 1) / (n - p - 1), n counting every
    element seen (Keras's definition), falling back to R2 with a warning when n - 1 <= p."""
    _direction = "up"

    def __init__(self, class_aggregation="uniform_average", num_regressors=0,
                 name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in R2_AGGREGATIONS:
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one "
                             f"of {R2_AGGREGATIONS}. Received: "
                             f"class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value "
                             f">= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.num_samples = self.add_variable((), "num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim)."
                             f" Received input shapes: y_pred.shape={y_pred_shape} and "
                             f"y_true.shape={y_true_shape}.")
        columns = (y_pred_shape[-1],)
        self.squared_sum = self.add_variable(columns, "squared_sum")
        self.sum = self.add_variable(columns, "sum")
        self.total_mse = self.add_variable(columns, "residual")
        self.count = self.add_variable(columns, "count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = squeeze_or_expand_to_same_rank(np.asarray(y_true, self.dtype),
                                                         np.asarray(y_pred, self.dtype))
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        weight = np.asarray(1 if sample_weight is None else sample_weight, self.dtype)
        if weight.ndim == 1:
            weight = weight[:, None]  # one weight per row, shared by its columns
        weight = np.broadcast_to(weight, y_true.shape)
        weighted_true = y_true * weight
        self.sum.assign(self.sum.value + np.sum(weighted_true, axis=0))
        self.squared_sum.assign(self.squared_sum.value + np.sum(y_true * weighted_true, 0))
        self.total_mse.assign(self.total_mse.value
                              + np.sum(np.square(y_true - y_pred) * weight, axis=0))
        self.count.assign(self.count.value + np.sum(weight, axis=0))
        self.num_samples.assign(self.num_samples.value + y_true.size)

    def result(self):
        if not self._built:
            raise ValueError("R2Score.result() needs update_state first: its state is "
                             "shaped by the first batch's column count.")
        with np.errstate(divide="ignore", invalid="ignore"):
            total = self.squared_sum.value - self.sum.value * (self.sum.value
                                                               / self.count.value)
            raw = 1 - self.total_mse.value / total
        raw = np.where(np.isinf(raw), np.zeros((), raw.dtype), raw)  # SS_tot 0: Keras's 0
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw) / np.sum(total)
        else:
            score = raw
        return self._adjusted(score)

    def _adjusted(self, score):
        n, p = self.num_samples.value, self.num_regressors
        if p == 0:
            return score
        if p >= n - 1:
            warnings.warn("More independent predictors than datapoints in adjusted R2 "
                          "score. Falling back to standard R2 score." if p > n - 1 else
                          "Division by zero in Adjusted R2 score. Falling back to "
                          "standard R2 score.", stacklevel=3)
            return score
        n, p = np.float32(n), np.float32(p)
        return 1 - (1 - score) * (n - 1) / (n - p - 1)

    def reset_state(self):
        for v in self.variables:
            v.assign(np.zeros(v.shape, dtype=v.dtype))

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
