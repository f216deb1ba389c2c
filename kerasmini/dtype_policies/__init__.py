"""keras.dtype_policies: DTypePolicy, and get / serialize / deserialize as Keras's."""
import numpy as np

from kerasmini import config
from kerasmini.dtype_policies.dtype_policy import (DTypePolicy, FloatDTypePolicy,
                                                   dtype_policy, from_string)
from kerasmini.dtype_policies.refused_policies import (AWQDTypePolicy, DTypePolicyMap,
                                                       GPTQDTypePolicy, Int4DTypePolicy,
                                                       QuantizedDTypePolicy,
                                                       QuantizedFloat8DTypePolicy)
from kerasmini.object_configs import deserialize as _deserialize
from kerasmini.object_configs import serialize_keras_object

ALL_OBJECTS = (AWQDTypePolicy, DTypePolicy, FloatDTypePolicy, QuantizedDTypePolicy,
               QuantizedFloat8DTypePolicy, DTypePolicyMap, GPTQDTypePolicy,
               Int4DTypePolicy)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}


def serialize(policy):
    """{'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': ...},
    'registered_name': None}, as Keras 3 writes a layer's `dtype`."""
    return serialize_keras_object(policy, "keras")


def deserialize(config, custom_objects=None):
    """The policy a config dict describes."""
    return _deserialize(config, ALL_OBJECTS_DICT, "dtype policy",
                        custom_objects=custom_objects)


def get(identifier):
    """A DTypePolicy from None (the global policy), a policy, a name, a config dict, or
    a NumPy / Python type (np.float32, float)."""
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return from_string(identifier)
    if identifier is float:  # Python's float is floatx in Keras
        return DTypePolicy(config.floatx())
    name = None if isinstance(identifier, type) else getattr(identifier, "name", None)
    try:
        return DTypePolicy(np.dtype(name or identifier).name)
    except TypeError:
        raise ValueError("Cannot interpret `dtype` argument. Expected a string or an "
                         f"instance of DTypePolicy. Received: dtype={identifier}") from None


__all__ = ["AWQDTypePolicy", "DTypePolicy", "DTypePolicyMap", "FloatDTypePolicy",
           "GPTQDTypePolicy", "Int4DTypePolicy", "QuantizedDTypePolicy",
           "QuantizedFloat8DTypePolicy", "deserialize", "get", "serialize"]
