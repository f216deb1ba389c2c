"""Sum (a weighted running sum), Mean (a weighted running mean) and MeanMetricWrapper (the
mean of a per-sample function)."""
import numpy as np

from kerasmini.losses.loss import squeeze_or_expand_to_same_rank
from kerasmini.metrics.metric import Metric


def reduce_to_samplewise_values(values, sample_weight, dtype, reduce=np.mean):
    """(one value per sample, weights), as Keras: values reduced (averaged, or summed
    for Sum) over the axes the weights do not have, the weights broadcast to the values
    and multiplied in."""
    values = np.asarray(values, dtype=dtype)
    if sample_weight is not None:
        weight = np.asarray(sample_weight, dtype=dtype)
        values, weight = squeeze_or_expand_to_same_rank(values, weight)
        if values.ndim > weight.ndim:
            values = reduce(values, axis=tuple(range(weight.ndim, values.ndim)))
        weight = np.broadcast_to(weight, values.shape)
        values = values * weight
        if weight.ndim > 1:
            weight = reduce(weight, axis=tuple(range(1, weight.ndim)))
        sample_weight = weight
    if values.ndim > 1:
        values = reduce(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """total: the sum of every value seen since the last reset, each times its weight."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, self.dtype, np.sum)
        self.total.assign(self.total.value + np.sum(values))

    def result(self):
        return np.asarray(self.total.value, self.dtype)


class Mean(Metric):
    """total / count over everything seen since the last reset."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "total")
        self.count = self.add_variable((), "count")

    def update_state(self, values, sample_weight=None):
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight,
                                                            self.dtype)
        self.total.assign(self.total.value + np.sum(values))
        if sample_weight is not None:
            samples = np.sum(sample_weight)
        else:
            samples = values.shape[0] if values.ndim >= 1 else 1
        self.count.assign(self.count.value + np.asarray(samples, self.dtype))

    def result(self):
        count = self.count.value
        return np.asarray(self.total.value / count if count != 0 else 0.0, self.dtype)


class MeanMetricWrapper(Mean):
    """The running mean of fn(y_true, y_pred, **kwargs)."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        if self._direction is None and _is_loss(fn):
            self._direction = "down"  # a loss wrapped as a metric is minimized (as Keras)

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(np.asarray(y_true), np.asarray(y_pred), **self._fn_kwargs)
        return super().update_state(np.asarray(values), sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


def _is_loss(fn):
    """Whether fn is one of keras.losses's functions or classes (or an instance of one)."""
    from kerasmini import losses  # lazy: losses/ imports metrics' helpers
    known = list(losses.ALL_OBJECTS_DICT.values())
    return any(fn is obj for obj in known) or type(fn) in known
