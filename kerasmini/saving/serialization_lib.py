"""serialize_keras_object / deserialize_keras_object: any Keras object to and from its
config dict, as keras.saving (and keras.utils) give them.

Deserializing looks classes up by the module a config names, in kerasmini's own tables
(layers, losses, metrics, optimizers, initializers, regularizers, constraints,
activations), then in the registered classes and `custom_objects`: nothing named in a
config is imported.
"""
import inspect

import numpy as np

from kerasmini import (activations, constraints, initializers, losses, metrics, optimizers,
                       regularizers)
from kerasmini.layers.layer import Layer
from kerasmini.models.layer_configs import deserialize_layer, serialize_layer
from kerasmini.object_configs import deserialize, plain
from kerasmini.object_registration import (GLOBAL_CUSTOM_NAMES, custom_object_scope,
                                           get_registered_name, get_registered_object)

def _metric(config, custom_objects=None):
    return deserialize(config, metrics.ALL_OBJECTS_DICT, "metric", custom_objects,
                       call_functions=False)


# (base class, the module Keras saves it under, what turns its config into an object)
_KINDS = [(losses.Loss, "keras.losses", losses.deserialize),
          (metrics.Metric, "keras.metrics", _metric),
          (optimizers.Optimizer, "keras.optimizers", optimizers.deserialize),
          (initializers.Initializer, "keras.initializers", initializers.deserialize),
          (regularizers.Regularizer, "keras.regularizers", regularizers.deserialize),
          (constraints.Constraint, "keras.constraints", constraints.deserialize)]


def serialize_keras_object(obj):
    """A config dict (JSON-able) for `obj`; plain values and containers as they are."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (np.ndarray, np.generic)):
        return plain(obj)
    if isinstance(obj, (list, tuple)):
        return type(obj)(serialize_keras_object(item) for item in obj)
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if isinstance(obj, Layer):
        return serialize_layer(obj)
    if inspect.isfunction(obj):
        return {"module": "builtins", "class_name": "function",
                "config": GLOBAL_CUSTOM_NAMES.get(obj, obj.__name__),
                "registered_name": "function"}
    for base, module, _ in _KINDS:
        if isinstance(obj, base):
            return _object_config(obj, module)
    if hasattr(obj, "get_config"):
        return _object_config(obj, type(obj).__module__)
    raise TypeError(f"Cannot serialize {obj!r}: it is not a Keras object and has no "
                    "get_config().")


def _object_config(obj, module):
    cls = type(obj)
    own = cls.__module__.startswith("kerasmini.")
    return {"module": module if own else cls.__module__, "class_name": cls.__name__,
            "config": plain(obj.get_config()),
            "registered_name": None if own else get_registered_name(cls)}


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object a config describes (plain values and containers as they are)."""
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    if not safe_mode:
        raise ValueError("kerasmini never deserializes code: safe_mode=False is not "
                         "supported.")
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    if isinstance(config, (list, tuple)):
        return type(config)(deserialize_keras_object(c, custom_objects) for c in config)
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config!r}")
    if "class_name" not in config:
        return {key: deserialize_keras_object(value, custom_objects)
                for key, value in config.items()}
    with custom_object_scope(custom_objects or {}):
        return _deserialize_object(config, custom_objects)


def _deserialize_object(config, custom_objects):
    module = config.get("module") or ""
    if config["class_name"] == "function":
        name = config.get("config")
        found = get_registered_object(name, custom_objects)
        return found if found is not None else activations.deserialize(name,
                                                                         custom_objects)
    for _, kind_module, from_config in _KINDS:
        if module == kind_module:
            return from_config(config, custom_objects=custom_objects)
    if module.startswith(("keras.layers", "keras.models", "keras.src")) or _is_layer(
            config, custom_objects):
        return deserialize_layer(config)
    name = config.get("registered_name") or config["class_name"]
    cls = get_registered_object(name, custom_objects)
    if cls is None:
        raise TypeError(f"Could not locate class '{config['class_name']}'. Make sure "
                        "custom classes and functions are decorated with "
                        "`@keras.saving.register_keras_serializable()` or passed in "
                        f"`custom_objects`. Full object config: {config}")
    return cls.from_config(config.get("config") or {})


def _is_layer(config, custom_objects):
    name = config.get("registered_name") or config["class_name"]
    cls = get_registered_object(name, custom_objects)
    return inspect.isclass(cls) and issubclass(cls, Layer)
