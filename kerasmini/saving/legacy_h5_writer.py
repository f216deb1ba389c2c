"""`model.save("m.h5")`: Keras 3's legacy HDF5 model file, which tf.keras and Keras 2
readers load (saving/legacy_h5.py reads it back).

Root attributes: `model_config` (the model's config in Keras's legacy form: each layer
of a model is {"class_name", "config"} without the `module` / `registered_name` /
`build_config` a `.keras` file adds; objects inside a layer's config keep theirs, as
Keras writes them), `training_config` (compile's arguments, the optimizer as
{"class_name", "config"}), `keras_version`, `backend`. Group `model_weights`: attribute
`layer_names` (model.layers order); one group per layer, created in name order, whose
attribute `weight_names` lists its variables' paths ('dense/kernel'), each a dataset at
that path inside the group; `top_level_model_weights` for the model's own. Group
`optimizer_weights`: the optimizer's variables by path ('adam/iteration', ...).
"""
import json

import h5py
import numpy as np

from kerasmini.models.layer_configs import LEGACY_CLASS_NAMES
from kerasmini.object_registration import get_registered_name

PYTHON_CLASS_NAMES = {exported: python for python, exported in LEGACY_CLASS_NAMES.items()}

BACKEND = "tensorflow"  # what tf.keras expects of a file it wrote itself
KERAS_VERSION = "3.15.1"


def save_model_to_h5(model, filepath, include_optimizer=True):
    """Write `model` to `filepath` (a new file: the caller makes the save atomic)."""
    attributes = {"backend": BACKEND, "keras_version": KERAS_VERSION,
                  "model_config": legacy_model_config(model)}
    if include_optimizer and getattr(model, "compiled", False) and model.optimizer:
        attributes["training_config"] = training_config(model)
    with h5py.File(filepath, "w") as f:
        for key, value in attributes.items():
            f.attrs[key] = json.dumps(value).encode("utf8") if isinstance(value, dict) \
                else value
        _write_model_weights(f.create_group("model_weights"), model)
        if include_optimizer and getattr(model, "compiled", False) and model.optimizer \
                and model.optimizer.variables:
            _write_named_arrays(f.create_group("optimizer_weights"),
                                model.optimizer.variables)


def legacy_model_config(model):
    return {"class_name": get_registered_name(model), "config": _legacy_layers(model.get_config())}


def _legacy_layers(config):
    """A model's config with each of its layers in the legacy form (nested models too)."""
    if not isinstance(config.get("layers"), list):
        return config
    config = dict(config)
    config["layers"] = [_legacy_layer(entry) for entry in config["layers"]]
    return config


def _legacy_layer(entry):
    class_name = entry.get("registered_name") or entry["class_name"]
    if entry.get("module") == "keras.layers":  # Keras writes the Python class's name
        class_name = PYTHON_CLASS_NAMES.get(class_name, class_name)
    legacy = {"class_name": class_name,
              "config": _legacy_layers(entry["config"])}
    for key in ("name", "inbound_nodes"):  # a functional model's graph
        if key in entry:
            legacy[key] = entry[key]
    return legacy


def training_config(model):
    compiled = dict(model.get_compile_config())
    optimizer = compiled.pop("optimizer")
    compiled["optimizer_config"] = {"class_name": optimizer["class_name"],
                                    "config": optimizer["config"]}
    return compiled


def _write_model_weights(group, model):
    group.attrs["layer_names"] = [layer.name.encode("utf8") for layer in model.layers]
    group.attrs["backend"] = BACKEND.encode("utf8")
    group.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    for layer in sorted(model.layers, key=lambda layer: layer.name):
        _write_named_arrays(group.create_group(layer.name),
                            layer.trainable_weights + layer.non_trainable_weights)
    _write_named_arrays(group.create_group("top_level_model_weights"), [])


def _write_named_arrays(group, variables):
    """One dataset per variable at its path; `weight_names` lists the paths in order."""
    names = [variable.path.encode("utf8") for variable in variables]
    group.attrs["weight_names"] = names if names else np.zeros(0)
    for name, variable in zip(names, variables):
        value = np.asarray(variable.numpy())
        group.create_dataset(name.decode("utf8"), data=value)
