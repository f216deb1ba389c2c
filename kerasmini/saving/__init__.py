"""Keras 3 model files: `.keras` archives, `.weights.h5` weight files, legacy `.h5`
model files; the registry of a user's own classes."""
from kerasmini.object_registration import (custom_object_scope, get_registered_name,
                                           get_registered_object,
                                           register_keras_serializable)
from kerasmini.saving.saving_lib import load_model, load_weights, save_model, save_weights

__all__ = ["custom_object_scope", "get_registered_name", "get_registered_object",
           "load_model", "load_weights", "register_keras_serializable", "save_model",
           "save_weights"]
