"""Models: Sequential, the functional Model, and Keras model files."""
import json

from kerasmini.models.functional import Functional
from kerasmini.models.layer_configs import deserialize_layer
from kerasmini.models.model import Model
from kerasmini.models.sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a Keras 3 `.keras` archive (made by tf.keras or kerasmini)."""
    from kerasmini.saving import saving_lib  # lazy: saving/ imports models/
    return saving_lib.load_model(filepath)


def save_model(model, filepath, overwrite=True, **kwargs):
    model.save(filepath, overwrite=overwrite)


def model_from_json(json_string, custom_objects=None):
    return deserialize_layer(json.loads(json_string))


__all__ = ["Functional", "Model", "Sequential", "load_model", "model_from_json",
           "save_model"]
