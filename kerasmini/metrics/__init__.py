"""Metrics by Keras's class names and snake_case names; `get_metric` resolves "accuracy"
from the targets' and predictions' shapes as Keras's compile does."""
import inspect

from kerasmini.metrics.accuracy_metrics import (Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                                SparseCategoricalAccuracy,
                                                SparseTopKCategoricalAccuracy,
                                                TopKCategoricalAccuracy, accuracy,
                                                binary_accuracy, categorical_accuracy,
                                                sparse_categorical_accuracy,
                                                sparse_top_k_categorical_accuracy,
                                                top_k_categorical_accuracy)
from kerasmini.metrics.confusion_count_metrics import (FalseNegatives, FalsePositives,
                                                       TrueNegatives, TruePositives)
from kerasmini.metrics.confusion_metrics import AUC, Precision, Recall
from kerasmini.metrics.correlation_metrics import (ConcordanceCorrelation, PearsonCorrelation,
                                                  concordance_correlation,
                                                  pearson_correlation)
from kerasmini.metrics.f_score_metrics import F1Score, FBetaScore
from kerasmini.metrics.hinge_metrics import (CategoricalHinge, Hinge, SquaredHinge,
                                             categorical_hinge, hinge, squared_hinge)
from kerasmini.metrics.iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from kerasmini.metrics.metric import Metric
from kerasmini.metrics.probabilistic_metrics import (BinaryCrossentropy,
                                                     CategoricalCrossentropy, KLDivergence,
                                                     Poisson,
                                                     SparseCategoricalCrossentropy, poisson)
from kerasmini.metrics.operating_point_metrics import (PrecisionAtRecall, RecallAtPrecision,
                                                       SensitivityAtSpecificity,
                                                       SpecificityAtSensitivity)
from kerasmini.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from kerasmini.metrics.regression_metrics import (CosineSimilarity, LogCoshError,
                                                  MeanAbsoluteError,
                                                  MeanAbsolutePercentageError,
                                                  MeanSquaredError,
                                                  MeanSquaredLogarithmicError, R2Score,
                                                  RootMeanSquaredError, log_cosh,
                                                  mean_absolute_percentage_error,
                                                  mean_squared_logarithmic_error)
# keras.metrics re-exports these loss functions (the same objects as keras.losses's)
from kerasmini.losses import (binary_crossentropy, binary_focal_crossentropy,
                              categorical_crossentropy, categorical_focal_crossentropy,
                              huber, kl_divergence, mean_absolute_error, mean_squared_error,
                              sparse_categorical_crossentropy)
from kerasmini.object_configs import deserialize as _deserialize
from kerasmini.object_configs import serialize_keras_object, snake_case

CLASSES = (Metric, Mean, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
           SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
           MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
           MeanSquaredLogarithmicError, RootMeanSquaredError, CosineSimilarity, LogCoshError,
           BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
           KLDivergence, Poisson, Hinge, SquaredHinge, CategoricalHinge, AUC, Precision, Recall,
           F1Score, FBetaScore, R2Score, IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU,
           PearsonCorrelation, ConcordanceCorrelation, Sum, TruePositives, FalsePositives,
           TrueNegatives, FalseNegatives, PrecisionAtRecall, RecallAtPrecision,
           SensitivityAtSpecificity, SpecificityAtSensitivity)
FUNCTIONS = (accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
             top_k_categorical_accuracy, sparse_top_k_categorical_accuracy,
             mean_absolute_percentage_error, mean_squared_logarithmic_error, log_cosh,
             poisson, hinge, squared_hinge, categorical_hinge, pearson_correlation,
             concordance_correlation, binary_crossentropy, binary_focal_crossentropy,
             categorical_crossentropy, categorical_focal_crossentropy, huber, kl_divergence,
             mean_absolute_error, mean_squared_error, sparse_categorical_crossentropy)
# Keras's table: class names, their snake_case ("auc", "precision", "root_mean_squared_
# error"), and the short aliases. A name resolves to a new instance of the class.
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in CLASSES}
ALL_OBJECTS_DICT.update({snake_case(cls.__name__): cls for cls in CLASSES})
ALL_OBJECTS_DICT.update({"bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
                         "mse": MeanSquaredError, "MSE": MeanSquaredError,
                         "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
                         "mape": MeanAbsolutePercentageError,
                         "MAPE": MeanAbsolutePercentageError,
                         "msle": MeanSquaredLogarithmicError,
                         "MSLE": MeanSquaredLogarithmicError})


def serialize(metric):
    """Keras 3's dict of a Metric; a function as {'class_name': 'function', ...}."""
    return serialize_keras_object(metric, "keras.metrics")


def deserialize(config, custom_objects=None):
    """The Metric (a new instance) or function a name or config dict describes."""
    return _deserialize(config, ALL_OBJECTS_DICT, "metric", custom_objects=custom_objects,
                        call_functions=False)


def get(identifier):
    """A name -> a new instance; a config dict -> the metric it describes; a Metric or
    function as it is; else ValueError."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    else:
        obj = (ALL_OBJECTS_DICT.get(identifier) if isinstance(identifier, str)
               else identifier)
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret metric identifier: {identifier}")


def is_binary_or_sparse_categorical(y_true_shape, y_pred_shape):
    is_binary = y_pred_shape[-1] == 1
    is_sparse = (len(y_true_shape) < len(y_pred_shape)
                 or y_true_shape[-1] == 1 and y_pred_shape[-1] > 1)
    return is_binary, is_sparse


def get_metric(identifier, y_true_shape, y_pred_shape):
    """A Metric for compile's `metrics=[...]` entry, named as Keras names it ("accuracy"
    becomes binary, sparse categorical or categorical accuracy by the shapes)."""
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    if str(identifier).lower() in ("accuracy", "acc"):
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true_shape, y_pred_shape)
        cls = (BinaryAccuracy if is_binary else SparseCategoricalAccuracy if is_sparse
               else CategoricalAccuracy)
        metric = cls(name=str(identifier))
    else:
        metric = get(identifier)
    name = identifier if isinstance(identifier, str) else getattr(
        metric, "name", getattr(metric, "__name__", None))
    if not isinstance(metric, Metric):
        metric = MeanMetricWrapper(metric)
    metric.name = name
    return metric


__all__ = [*(c.__name__ for c in CLASSES), *(f.__name__ for f in FUNCTIONS), "deserialize",
           "get", "get_metric", "serialize"]
