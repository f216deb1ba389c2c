"""Models: Sequential, the functional Model, and Keras model files.

The classes are imported on first use (kerasmini/lazy_exports.py).
"""
from kerasmini.lazy_exports import lazy_exports
from kerasmini.object_registration import custom_object_scope

_EXPORTS = {
    "Functional": ".functional",
    "Model": ".model",
    "Sequential": ".sequential",
    "clone_model": ".cloning",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a Keras 3 `.keras` archive or a legacy `.h5` model file (made by tf.keras or
    kerasmini).

    custom_objects: {name: your kerasmini.layers.Layer subclass} for the classes the file
        names that kerasmini does not have (or register them with
        kerasmini.saving.register_keras_serializable).
    compile: True (Keras's default) compiles the model from the file's compile_config
        and restores the optimizer state saved with it, so training continues where it
        stopped; False loads the architecture and weights only.
    safe_mode: kerasmini never runs code from a file, so it is always safe;
        safe_mode=False (allow code such as Lambda layers) is an error.
    """
    _check_load_options(compile, safe_mode)
    from kerasmini.saving import saving_lib  # lazy: saving/ imports models/
    return saving_lib.load_model(filepath, custom_objects=custom_objects, compile=compile)


def _check_load_options(compile, safe_mode):
    if not isinstance(compile, bool):
        raise TypeError(f"`compile` must be True or False. Received: compile={compile!r}")
    if safe_mode is not True:
        raise ValueError("load_model(safe_mode=False) is not supported: kerasmini never "
                         "runs code stored in a file (no Lambda layers). Received: "
                         f"safe_mode={safe_mode!r}")


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    model.save(filepath, overwrite=overwrite, zipped=zipped, **kwargs)


def model_from_json(json_string, custom_objects=None):
    from kerasmini.saving import safe_reading  # lazy: saving/ imports models/
    if not isinstance(json_string, (str, bytes)):
        raise TypeError("model_from_json takes a JSON string. Received: "
                        f"json_string of type {type(json_string).__name__}")
    where = "The `json_string` argument"
    config = safe_reading.parse_json_object(json_string, where)
    from kerasmini.saving.model_limits import build_bounded
    with custom_object_scope(custom_objects):  # no file backs its weights: 4 GiB at most
        return build_bounded(config, safe_reading.MAX_MEMBER_BYTES, where)


__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model",
           "model_from_json", "save_model"]
