"""Optimizers by Keras's class names and string names ('adam', 'sgd', 'rmsprop', ...)."""
from kerasmini.optimizers import schedules
from kerasmini.optimizers.adadelta import Adadelta
from kerasmini.optimizers.adafactor import Adafactor
from kerasmini.optimizers.adagrad import Adagrad
from kerasmini.optimizers.adam import Adam
from kerasmini.optimizers.adamax import Adamax
from kerasmini.optimizers.adamw import AdamW
from kerasmini.optimizers.ftrl import Ftrl
from kerasmini.optimizers.lamb import Lamb
from kerasmini.optimizers.lion import Lion
from kerasmini.optimizers.loss_scale_optimizer import LossScaleOptimizer
from kerasmini.optimizers.nadam import Nadam
from kerasmini.optimizers.optimizer import Optimizer
from kerasmini.optimizers.refused_optimizers import (MultiOptimizer, Muon, OptimizerMap,
                                                     ScheduleFreeAdamW)
from kerasmini.optimizers.rmsprop import RMSprop
from kerasmini.optimizers.sgd import SGD
from kerasmini.object_configs import deserialize as _deserialize
from kerasmini.object_configs import serialize_keras_object

ALL_OBJECTS = (Adadelta, Adafactor, Adagrad, Adam, Adamax, AdamW, Ftrl, Lamb, Lion,
               LossScaleOptimizer, Nadam, Optimizer, RMSprop, SGD)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({cls.__name__.lower(): cls for cls in ALL_OBJECTS})


def serialize(optimizer):
    """Keras 3's dict: {'module': 'keras.optimizers', 'class_name', 'config', ...}."""
    return serialize_keras_object(optimizer, "keras.optimizers")


def deserialize(config, custom_objects=None):
    """The optimizer a name ('adam') or a config dict describes (a new instance)."""
    return _deserialize(config, ALL_OBJECTS_DICT, "optimizer", custom_objects=custom_objects)


def get(identifier):
    """An Optimizer as it is; a name or config dict -> a new instance; else ValueError."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


__all__ = ["Adadelta", "Adafactor", "Adagrad", "Adam", "Adamax", "AdamW", "Ftrl", "Lamb",
           "Lion", "LossScaleOptimizer", "MultiOptimizer", "Muon", "Nadam", "Optimizer",
           "OptimizerMap", "RMSprop", "SGD", "ScheduleFreeAdamW", "deserialize", "get",
           "schedules", "serialize"]
