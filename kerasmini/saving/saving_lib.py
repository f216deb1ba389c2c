"""Reading and writing Keras 3 files.

A `.keras` file is a zip archive of three members:
    metadata.json      {"keras_version": ..., "date_saved": ...}
    config.json        the model's class and config (every layer's config inside)
    model.weights.h5   the weights, as below
A `.weights.h5` file is that HDF5 file alone. Inside it each layer's weights live in
`layers/<key>/vars/0, 1, ...`, where <key> is the snake_case of the layer's *class*
('conv2d', 'conv2d_1', ... in `model.layers` order), not the layer's name, so two
models with the same architecture share keys whatever their layers are named. The
numbers follow the layer's own variable order (trainable first: kernel, bias;
BatchNormalization: gamma, beta, moving_mean, moving_variance).

Loading reads and checks everything first and assigns last: an error leaves the
model's weights as they were, and load_model() returns nothing half-loaded.
"""
import datetime
import io
import json
import os
import zipfile
from collections import Counter

import numpy as np

from kerasmini.models.layer_configs import deserialize_layer, serialize_layer
from kerasmini.object_configs import snake_case

CONFIG_FILE, METADATA_FILE, WEIGHTS_FILE = "config.json", "metadata.json", "model.weights.h5"
KERAS_VERSION = "3.0.0"  # the file format version written; tf.keras 3.x reads it


class FileFormatError(ValueError):
    """A model file that is missing a member, corrupt or not what it claims to be."""


def _h5py():
    try:  # lazy: h5py is optional, needed only for weight files
        import h5py
    except ImportError:
        raise ImportError('Reading and writing Keras weight files needs h5py: '
                          'pip install "kerasmini[h5]"') from None
    return h5py


# ---------------------------------------------------------------------------------------
# which variables go where

def weight_slots(model):
    """[(h5 group path, layer, [variables in Keras's saving order])] for every layer."""
    slots = []

    def walk(container, prefix):
        used = Counter()
        for layer in container.layers:
            base = snake_case(type(layer).__name__)
            key = base if used[base] == 0 else f"{base}_{used[base]}"
            used[base] += 1
            path = f"{prefix}layers/{key}"
            if hasattr(layer, "layers") and hasattr(layer, "_summary_rows"):  # a model
                walk(layer, path + "/")
                slots.append((path, layer, []))
            else:
                own = list(layer._variables)
                ordered = [v for v in own if v.trainable] + [v for v in own if not v.trainable]
                slots.append((path, layer, ordered))

    walk(model, "")
    return slots


# ---------------------------------------------------------------------------------------
# writing

def _write_weights(model, target):
    h5py = _h5py()
    with h5py.File(target, "w") as f:
        for path, layer, variables in weight_slots(model):
            group = f.require_group(path).create_group("vars")
            group.attrs["name"] = layer.name
            for i, v in enumerate(variables):
                group.create_dataset(str(i), data=v.numpy())
        f.create_group("vars").attrs["name"] = model.name


def save_weights(model, filepath, overwrite=True):
    filepath = os.fspath(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError("The filename must end in `.weights.h5`. "
                         f"Received: filepath={filepath}")
    _check_overwrite(filepath, overwrite)
    _write_weights(model, filepath)


def save_model(model, filepath, overwrite=True):
    filepath = os.fspath(filepath)
    if not filepath.endswith(".keras"):
        raise ValueError("Invalid filepath extension for saving. Please add the `.keras` "
                         f"extension to the filepath. Received: filepath={filepath}")
    _check_overwrite(filepath, overwrite)
    config = serialize_layer(model)
    config["build_config"] = {"input_shape": config["config"].get("build_input_shape")}
    config["compile_config"] = None
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    weights = io.BytesIO()
    _write_weights(model, weights)
    with zipfile.ZipFile(filepath, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(METADATA_FILE, json.dumps(metadata))
        zf.writestr(CONFIG_FILE, json.dumps(config))
        zf.writestr(WEIGHTS_FILE, weights.getvalue())


def _check_overwrite(filepath, overwrite):
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")


# ---------------------------------------------------------------------------------------
# reading

def _read_archive(filepath):
    """(config dict, weights bytes) from a .keras file, with a clear error if broken."""
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"File not found: filepath={filepath}. Please ensure the "
                                "file is an accessible `.keras` zip file.")
    if not zipfile.is_zipfile(filepath):
        raise FileFormatError(f"{filepath} is not a valid `.keras` file: it is not a zip "
                              "archive.")
    try:
        with zipfile.ZipFile(filepath) as zf:
            names = set(zf.namelist())
            for member in (CONFIG_FILE, WEIGHTS_FILE):
                if member not in names:
                    raise FileFormatError(f"{filepath} is not a complete `.keras` archive: "
                                          f"the member '{member}' is missing (it has: "
                                          f"{sorted(names)}).")
            config_text = zf.read(CONFIG_FILE)
            weights = zf.read(WEIGHTS_FILE)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise FileFormatError(f"{filepath} is a corrupt `.keras` archive: {error}") from error
    try:
        config = json.loads(config_text)
    except (ValueError, UnicodeDecodeError) as error:
        raise FileFormatError(f"The member '{CONFIG_FILE}' of {filepath} is not valid "
                              f"JSON: {error}") from error
    if not isinstance(config, dict):
        raise FileFormatError(f"The member '{CONFIG_FILE}' of {filepath} must hold a JSON "
                              "object (the model config).")
    return config, weights


def _read_weights(model, source, description):
    """{variable id: array} for every variable, checked against the model's shapes."""
    h5py = _h5py()
    try:
        f = h5py.File(source, "r")
    except (OSError, ValueError) as error:
        raise FileFormatError(f"{description} is not a readable HDF5 weights file: "
                              f"{error}") from error
    values = {}
    with f:
        for path, layer, variables in weight_slots(model):
            group = f.get(f"{path}/vars")
            if group is None:
                if variables:
                    raise FileFormatError(
                        f"{description} has no weights for layer '{layer.name}' (expected "
                        f"the group '{path}/vars' with {len(variables)} arrays).")
                continue
            try:
                arrays = [np.asarray(group[str(i)]) for i in range(len(group))]
            except (KeyError, OSError, ValueError) as error:
                raise FileFormatError(f"{description}: cannot read the weights in "
                                      f"'{path}/vars': {error}") from error
            if len(arrays) != len(variables):
                raise ValueError(
                    f"Layer '{layer.name}' expects {len(variables)} weights, but "
                    f"{description} holds {len(arrays)} in '{path}/vars'.")
            for i, (variable, array) in enumerate(zip(variables, arrays)):
                if array.shape != variable.shape:
                    raise ValueError(
                        f"Weight shape mismatch for layer '{layer.name}', weight "
                        f"{i} ('{variable.name}'): the model expects {variable.shape}, "
                        f"{description} holds {array.shape} (in '{path}/vars/{i}').")
                values[id(variable)] = (variable, array)
    return values


def _assign(values):
    for variable, array in values.values():
        variable.assign(array)


def load_weights(model, filepath):
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        _, weights = _read_archive(filepath)
        values = _read_weights(model, io.BytesIO(weights),
                               f"the member '{WEIGHTS_FILE}' of {filepath}")
    elif filepath.endswith(".weights.h5"):
        if not os.path.exists(filepath):
            raise FileNotFoundError(f"File not found: filepath={filepath}.")
        values = _read_weights(model, filepath, filepath)
    else:
        raise ValueError("File format not supported: filepath={}. kerasmini reads "
                         "`.keras` and `.weights.h5` files.".format(filepath))
    _assign(values)


def load_model(filepath):
    filepath = os.fspath(filepath)
    if not filepath.endswith(".keras"):
        raise ValueError(f"File format not supported: filepath={filepath}. kerasmini's "
                         "load_model reads Keras 3 `.keras` archives.")
    config, weights = _read_archive(filepath)
    model = deserialize_layer(config)
    if not hasattr(model, "layers"):
        raise FileFormatError(f"{filepath} holds a single layer, not a model.")
    if not model.built:
        raise FileFormatError(f"The model in {filepath} has no input shape, so its weights "
                              "cannot be placed.")
    values = _read_weights(model, io.BytesIO(weights),
                           f"the member '{WEIGHTS_FILE}' of {filepath}")
    _assign(values)
    return model
