"""Keras 3 model files: `.keras` archives, `.weights.h5` weight files, legacy `.h5`
model files; the registry of a user's own classes."""
from kerasmini.object_registration import (CustomObjectScope, custom_object_scope,
                                           get_custom_objects, get_registered_name,
                                           get_registered_object,
                                           register_keras_serializable)
from kerasmini.saving.saving_lib import load_model, load_weights, save_model, save_weights
from kerasmini.saving.serialization_lib import (deserialize_keras_object,
                                                serialize_keras_object)

__all__ = ["CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
           "get_custom_objects", "get_registered_name", "get_registered_object",
           "load_model", "load_weights", "register_keras_serializable", "save_model",
           "save_weights", "serialize_keras_object"]
