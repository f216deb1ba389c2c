"""Models: Sequential, the functional Model, and Keras model files."""
import json

from kerasmini.models.functional import Functional
from kerasmini.models.layer_configs import deserialize_layer
from kerasmini.models.model import Model
from kerasmini.models.sequential import Sequential
from kerasmini.object_registration import custom_object_scope


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a Keras 3 `.keras` archive or a legacy `.h5` model file (made by tf.keras or
    kerasmini). custom_objects: {name: your kerasmini.layers.Layer subclass} for the
    classes the file names that kerasmini does not have."""
    from kerasmini.saving import saving_lib  # lazy: saving/ imports models/
    return saving_lib.load_model(filepath, custom_objects=custom_objects)


def save_model(model, filepath, overwrite=True, **kwargs):
    model.save(filepath, overwrite=overwrite)


def model_from_json(json_string, custom_objects=None):
    with custom_object_scope(custom_objects):
        return deserialize_layer(json.loads(json_string))


__all__ = ["Functional", "Model", "Sequential", "load_model", "model_from_json",
           "save_model"]
