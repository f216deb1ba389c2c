"""MonitorCallback: what EarlyStopping, ReduceLROnPlateau and ModelCheckpoint share: a
monitored log entry, its direction, and what counts as an improvement."""
import warnings

import numpy as np

from kerasmini.callbacks.callback import Callback
from kerasmini.metrics.reduction_metrics import MeanMetricWrapper

# Keras's metrics' `_direction`: "up" is better for these (and their subclasses), "down"
# for these and for any MeanMetricWrapper of a loss function
_UP = {"Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
       "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "Precision", "Recall",
       "SensitivitySpecificityBase", "SensitivityAtSpecificity", "SpecificityAtSensitivity",
       "PrecisionAtRecall", "RecallAtPrecision", "AUC", "PearsonCorrelation",
       "ConcordanceCorrelation", "FBetaScore", "F1Score", "IoU", "MeanIoU", "BinaryIoU",
       "OneHotIoU", "OneHotMeanIoU", "CosineSimilarity", "R2Score"}
_DOWN = {"Hinge", "SquaredHinge", "CategoricalHinge", "BinaryCrossentropy",
         "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "MeanSquaredError",
         "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
         "RootMeanSquaredError", "LogCoshError"}


class MonitorCallback(Callback):
    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to "
                          "auto mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        """mode='auto' as Keras decides it: 'loss' goes down; any other name takes the
        direction of the compiled metric of that name, and a name that is not one
        (a metric not compiled, a custom step's tracker) raises."""
        name = self.monitor.removeprefix("val_")
        if self.mode == "min" or self.mode == "auto" and name == "loss":
            self.monitor_op = np.less
        elif self.mode == "max":
            self.monitor_op = np.greater
        else:
            direction = _compiled_direction(self.model, name)
            if direction is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but "
                    "Keras isn't able to automatically determine whether that metric "
                    "should be maximized or minimized. Pass `mode='max'` in order to "
                    "monitor based on the highest metric value, or pass `mode='min'` in "
                    "order to use the lowest value.")
            self.monitor_op = np.greater if direction == "up" else np.less
        if self.monitor_op is np.less:
            self.min_delta = -abs(self.min_delta)

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        return bool(self.monitor_op(value - self.min_delta, reference))


def _compiled_direction(model, name):
    """"up" / "down" for the compiled metric logged as `name`, None if there is none."""
    for metric in getattr(model, "_compiled_metrics", None) or []:
        if metric.name == name:
            return _direction(getattr(metric, "metric", metric))  # an output's: inside
    return None


def _direction(metric):
    for cls in type(metric).__mro__:
        if cls.__name__ in _UP:
            return "up"
        if cls.__name__ in _DOWN:
            return "down"
    if isinstance(metric, MeanMetricWrapper) and _is_loss_function(metric._fn):
        return "down"
    return None


def _is_loss_function(fn):
    from kerasmini import losses
    return fn in losses.FUNCTIONS or isinstance(fn, losses.Loss)
