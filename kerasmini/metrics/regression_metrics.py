"""Loss-valued metrics: the running mean of a loss function's per-sample values."""
from kerasmini.losses import losses as _losses
from kerasmini.metrics.reduction_metrics import MeanMetricWrapper


class MeanSquaredError(MeanMetricWrapper):
    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(fn=_losses.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(fn=_losses.mean_absolute_error, name=name, dtype=dtype)
