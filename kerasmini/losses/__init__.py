"""Losses by Keras's class names, function names and short names ('mse', 'bce', ...)."""
import inspect

from kerasmini.losses import composed_losses as _composed
from kerasmini.losses.composed_losses import (BinaryFocalCrossentropy, CategoricalFocalCrossentropy,
                                              CategoricalHinge, CosineSimilarity, Hinge,
                                              LogCosh, MeanAbsolutePercentageError,
                                              MeanSquaredLogarithmicError, Poisson,
                                              SquaredHinge, binary_focal_crossentropy,
                                              categorical_focal_crossentropy,
                                              categorical_hinge, cosine_similarity, hinge,
                                              log_cosh, mean_absolute_percentage_error,
                                              mean_squared_logarithmic_error, poisson,
                                              squared_hinge)
from kerasmini.losses.composed_losses import (CategoricalGeneralizedCrossEntropy, Circle, Dice,
                                              Tversky, categorical_generalized_cross_entropy,
                                              circle, dice, tversky)
from kerasmini.losses.ctc import CTC, ctc
from kerasmini.losses.loss import Loss, reduce_weighted_values
from kerasmini.losses.losses import (BinaryCrossentropy, CategoricalCrossentropy, Huber,
                                     KLDivergence, LossFunctionWrapper, MeanAbsoluteError,
                                     MeanSquaredError, SparseCategoricalCrossentropy,
                                     binary_crossentropy, categorical_crossentropy, huber,
                                     kl_divergence, mean_absolute_error, mean_squared_error,
                                     sparse_categorical_crossentropy)
from kerasmini.object_configs import deserialize as _deserialize
from kerasmini.object_configs import serialize_keras_object

CLASSES = (Loss, LossFunctionWrapper, KLDivergence, BinaryCrossentropy,
           CategoricalCrossentropy, SparseCategoricalCrossentropy, MeanSquaredError,
           MeanAbsoluteError, Huber, CTC, *_composed.CLASSES)
FUNCTIONS = (kl_divergence, binary_crossentropy, categorical_crossentropy,
             sparse_categorical_crossentropy, mean_squared_error, mean_absolute_error, huber,
             ctc, *_composed.FUNCTIONS)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in CLASSES}
ALL_OBJECTS_DICT.update({fn.__name__: fn for fn in FUNCTIONS})
ALL_OBJECTS_DICT.update({"bce": binary_crossentropy, "BCE": binary_crossentropy,
                         "kld": kl_divergence, "KLD": kl_divergence,
                         "mae": mean_absolute_error, "MAE": mean_absolute_error,
                         "mse": mean_squared_error, "MSE": mean_squared_error,
                         **_composed.ALIASES})


def serialize(loss):
    if inspect.isfunction(loss):
        return loss.__name__
    return serialize_keras_object(loss, "keras.losses")


def deserialize(name, custom_objects=None):
    return _deserialize(name, ALL_OBJECTS_DICT, "loss", custom_objects=custom_objects,
                        call_functions=False)


def get(identifier):
    """None; a name -> the function or a new instance of the class; a Loss or callable
    as it is; a config dict -> the loss it describes."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret loss identifier: {identifier}")


# Keras exports these two but leaves them out of its name table (get / deserialize
# refuse their names), and so does kerasmini
UNREGISTERED = (CategoricalGeneralizedCrossEntropy, categorical_generalized_cross_entropy)
__all__ = [*(c.__name__ for c in CLASSES), *(f.__name__ for f in FUNCTIONS),
           *(obj.__name__ for obj in UNREGISTERED), "deserialize", "get",
           "reduce_weighted_values", "serialize"]
