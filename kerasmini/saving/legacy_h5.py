"""Legacy HDF5 model files: `model.save("m.h5")` in tf.keras 2.x and Keras 3's legacy
writer.

Such a file keeps the architecture as JSON in the root attribute `model_config` and the
weights in the group `model_weights`: its attribute `layer_names` lists the layers in
`model.layers` order; each layer's group lists its arrays in the attribute
`weight_names` (paths inside that group, e.g. 'dense/kernel:0' in tf.keras 2.x,
'dense/kernel' in Keras 3), in the layer's weight order. As Keras does, the layers that
have weights are matched in order with the groups that list some. Every dataset goes
through saving/safe_reading.py (hard links only, no external storage, header checked
before reading); nothing in the file runs.
"""
import os
import warnings

from kerasmini.saving import safe_reading as safe
from kerasmini.saving.safe_reading import FileFormatError
from kerasmini.saving.model_limits import build_bounded


def is_legacy_h5(filepath):
    return filepath.endswith((".h5", ".hdf5")) and not filepath.endswith(".weights.h5")


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _names(attrs, key, where):
    """A list-of-strings attribute ('layer_names', 'weight_names'); [] if absent/empty."""
    names = safe.read_attribute(attrs, key, where, default=[])
    if getattr(names, "ndim", 1) != 1 or not all(
            isinstance(v, (bytes, str)) for v in names):
        raise FileFormatError(f"The attribute '{key}' in {where} must be a list of "
                              f"strings. Received: {str(names)[:200]}")
    try:
        return [text(v) for v in names]
    except UnicodeDecodeError as error:
        raise FileFormatError(f"The attribute '{key}' in {where} holds a name that is not "
                              f"UTF-8 text: {error.object[:40]!r}") from error


def read_config(f, where):
    """The model config dict from the `model_config` attribute."""
    raw = safe.read_attribute(f.attrs, "model_config", where)
    if raw is None:
        raise FileFormatError(f"{where} has no `model_config` attribute: it holds no model "
                              "(a weights-only HDF5 file is loaded with load_weights).")
    config_text = text(raw)
    if len(config_text) > safe.MAX_CONFIG_BYTES:
        raise safe.UnsafeFileError(f"Not allowed: the model config of {where} has "
                                   f"{len(config_text)} characters, more than the limit of "
                                   f"{safe.MAX_CONFIG_BYTES}.")
    config = safe.parse_json_object(config_text, f"the `model_config` attribute of {where}")
    return upgrade_config(config)


def upgrade_config(config):
    """tf.keras 2.x wrote a functional model's calls as lists of [layer, node, tensor,
    kwargs]; Keras 3 (and kerasmini) read {'args': [...], 'kwargs': {...}}."""
    inner = config.get("config")
    if not isinstance(inner, dict) or not isinstance(inner.get("layers"), list):
        return config
    for layer in inner["layers"]:
        if isinstance(layer, dict):
            nodes = layer.get("inbound_nodes")
            if isinstance(nodes, list):  # anything else is refused by the model's reader
                layer["inbound_nodes"] = [_node(n) for n in nodes]
            upgrade_config(layer)
    return config


def _node(node):
    if isinstance(node, dict):
        return node
    if not (isinstance(node, list) and node and all(
            isinstance(entry, list) and len(entry) >= 3 for entry in node)):
        raise FileFormatError("A tf.keras 2.x inbound node must be a list of [layer name, "
                              "node index, tensor index, kwargs] entries. Received: "
                              f"{str(node)[:200]}")
    calls = [list(entry[:3]) for entry in node]
    kwargs = next((entry[3] for entry in node if len(entry) > 3 and entry[3]), {})
    return {"args": [calls[0] if len(calls) == 1 else calls], "kwargs": kwargs}


def stored_weights(f, where):
    """[(layer name, [(weight name, dataset)])] for the layers whose groups list weights,
    in `layer_names` order; datasets found through hard links only, none read."""
    # a whole-model file keeps them in `model_weights`; a save_weights() file (Keras's
    # ImageNet weights) at its root
    group = f if "layer_names" in f.attrs else safe.h5_group(f, "model_weights", where)
    if group is None:
        raise FileFormatError(f"{where} has a model config but no `model_weights` group.")
    return stored_layers(group, where)


def stored_layers(group, where, keep_empty=False):
    """stored_weights's list from the group that holds `layer_names` (the layers with
    no weights left out unless `keep_empty`)."""
    stored = []
    for name in _names(group.attrs, "layer_names", where):
        layer_group = safe.h5_group(group, name, where)
        paths = _names(layer_group.attrs, "weight_names", where) if layer_group else []
        datasets = []
        for path in paths:
            folder, _, leaf = path.rpartition("/")
            parent = safe.h5_group(layer_group, folder, where) if folder else layer_group
            if parent is None:
                raise FileFormatError(f"{where} has no weight '{path}' for layer '{name}'.")
            datasets.append((path, safe.h5_dataset(parent, leaf, where)))
        if datasets or keep_empty:
            stored.append((name, datasets))
    return stored


def read_weights(model, f, where):
    """{variable id: (variable, array)}, matched as Keras's legacy loader matches them:
    the model's layers that have weights, in order, with the stored layers, in order."""
    with_weights = [layer for layer in model.layers if layer.weights]
    stored = stored_weights(f, where)
    if len(stored) != len(with_weights):
        raise ValueError(f"The model has {len(with_weights)} layers with weights, but "
                         f"{where} holds weights for {len(stored)} layers "
                         f"({[name for name, _ in stored]}).")
    values = {}
    for layer, (name, datasets) in zip(with_weights, stored):
        # Keras's legacy order: a nested model lists all its trainable weights first
        # (for a plain layer this is its `weights` order)
        variables = layer.trainable_weights + layer.non_trainable_weights
        if len(datasets) != len(variables):
            raise ValueError(f"Layer '{layer.name}' expects {len(variables)} weights, but "
                             f"{where} holds {len(datasets)} for '{name}'.")
        for variable, (_, dataset) in zip(variables, datasets):
            values[id(variable)] = (variable, safe.read_dataset(dataset, where,
                                                                variable.shape))
    return values


def load_legacy_model(filepath, compile=True):
    """The model of a legacy .h5 file, with its weights; compiled from the file's
    `training_config` and given its optimizer state when `compile`, as Keras does;
    nothing half-loaded on error."""
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"File not found: filepath={filepath}.")
    with safe.open_h5(filepath, filepath) as f, safe.reading(filepath):
        config = read_config(f, filepath)
        model = build_bounded(config, os.path.getsize(filepath), filepath)
        if not hasattr(model, "layers"):
            raise FileFormatError(f"{filepath} holds a single layer, not a model.")
        values = read_weights(model, f, filepath)
        training = _training_config(f, filepath) if compile else None
        optimizer_state = _optimizer_weights(f, filepath) if training else None
    for variable, array in values.values():
        variable.assign(array)
    if training is not None:
        _compile(model, training, optimizer_state, filepath)
    return model


def _training_config(f, where):
    raw = safe.read_attribute(f.attrs, "training_config", where)
    if raw is None:
        warnings.warn("No training configuration found in the save file, so the model was "
                      "*not* compiled. Compile it manually.", stacklevel=4)
        return None
    config = safe.parse_json_object(text(raw), f"the `training_config` attribute of {where}")
    if not isinstance(config.get("optimizer_config"), dict):
        raise FileFormatError(f"The `training_config` of {where} has no `optimizer_config` "
                              "dict.")
    return config


def _optimizer_weights(f, where):
    """[(path, dataset)] of the `optimizer_weights` group (none read yet); [] if absent."""
    group = safe.h5_group(f, "optimizer_weights", where)
    if group is None:
        return []
    stored = []
    for path in _names(group.attrs, "weight_names", where):
        folder, _, leaf = path.rpartition("/")
        parent = safe.h5_group(group, folder, where) if folder else group
        if parent is None:
            raise FileFormatError(f"{where} has no optimizer weight '{path}'.")
        stored.append((path, safe.read_dataset(safe.h5_dataset(parent, leaf, where), where)))
    return stored


def _compile(model, training, optimizer_state, where):
    """compile() from a legacy training_config; the saved optimizer state when it fits
    the optimizer built for the model's weights (otherwise Keras's warning)."""
    compile_config = {key: value for key, value in training.items()
                      if key != "optimizer_config"}
    compile_config["optimizer"] = training["optimizer_config"]
    model.compile_from_config(compile_config)
    if not optimizer_state:
        return
    model.optimizer.build(model.trainable_weights)
    variables = model.optimizer.variables
    arrays = [array for _, array in optimizer_state]
    if len(arrays) != len(variables) or any(
            a.shape != tuple(v.shape) for a, v in zip(arrays, variables)):
        warnings.warn("Error in loading the saved optimizer state. As a result, your model "
                      "is starting with a freshly initialized optimizer.", stacklevel=4)
        return
    for variable, array in zip(variables, arrays):
        variable.assign(array)


# ----- model.load_weights("legacy.h5"): weights only, into a model built in code --------
def load_legacy_weights(model, filepath, by_name=False, skip_mismatch=False):
    """Keras's legacy loader, all read and checked before any weight is assigned: the
    layers with weights matched in order with the stored ones (or, `by_name`, each stored
    layer with the model's layers of its name); with `skip_mismatch`, a weight whose
    shape differs (by name: a layer whose count differs too) is skipped with Keras's
    warning instead of refusing the file. A whole-model file's `model_weights` are used."""
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"File not found: filepath={filepath}.")
    with safe.open_h5(filepath, filepath) as f, safe.reading(filepath):
        group = f
        if "layer_names" not in f.attrs and "model_weights" in f:
            group = safe.h5_group(f, "model_weights", filepath)
        top = safe.h5_group(group, "top_level_model_weights", filepath)
        top_level = top is not None and _names(top.attrs, "weight_names", filepath)
        stored = stored_layers(group, filepath, keep_empty=by_name)
        pairs = (_pairs_by_name(model, stored, skip_mismatch) if by_name
                 else _pairs_in_order(model, stored))
        values = {}
        for k, layer, variables, datasets in pairs:
            for variable, (_, dataset) in zip(variables, datasets):
                if tuple(dataset.shape or ()) != tuple(variable.shape):
                    _shape_mismatch(k, layer, variable, dataset, skip_mismatch)
                    continue
                values[id(variable)] = (variable, safe.read_dataset(dataset, filepath,
                                                                    variable.shape))
    if top_level:  # Keras writes the group always; an empty one holds nothing to load
        raise NotImplementedError(f"{filepath} stores top-level model weights (a "
                                  "subclassed model's own variables); kerasmini loads "
                                  "layer weights only from legacy files.")
    for variable, array in values.values():
        variable.assign(array)


def _legacy_variables(layer):
    """Keras's legacy order: a nested model lists all its trainable weights first."""
    return layer.trainable_weights + layer.non_trainable_weights


def _pairs_in_order(model, stored):
    with_weights = [layer for layer in model.layers if layer.weights]
    if len(stored) != len(with_weights):
        raise ValueError("Layer count mismatch when loading weights from file. Model "
                         f"expected {len(with_weights)} layers, found {len(stored)} saved "
                         "layers.")
    pairs = []
    for k, (layer, (name, datasets)) in enumerate(zip(with_weights, stored)):
        variables = _legacy_variables(layer)
        if len(datasets) != len(variables):
            raise ValueError(f"Weight count mismatch for layer #{k} (named {layer.name} in "
                             f"the current model, {name} in the save file). Layer expects "
                             f"{len(variables)} weight(s). Received {len(datasets)} saved "
                             "weight(s)")
        pairs.append((k, layer, variables, datasets))
    return pairs


def _pairs_by_name(model, stored, skip_mismatch):
    index = {}
    for layer in model.layers:
        index.setdefault(layer.name, []).append(layer)
    pairs = []
    for k, (name, datasets) in enumerate(stored):
        for layer in index.get(name, []):
            variables = _legacy_variables(layer)
            if len(datasets) != len(variables):
                message = (f"layer #{k} (named {layer.name}) due to mismatch in number of "
                           f"weights. Layer expects {len(variables)} weight(s). Received "
                           f"{len(datasets)} saved weight(s)")
                if not skip_mismatch:
                    raise ValueError(f"Weight count mismatch for layer #{k} (named "
                                     f"{layer.name}). Layer expects {len(variables)} "
                                     f"weight(s). Received {len(datasets)} saved weight(s)")
                warnings.warn(f"Skipping loading of weights for {message}", stacklevel=4)
                continue
            pairs.append((k, layer, variables, datasets))
    return pairs


def _shape_mismatch(k, layer, variable, dataset, skip_mismatch):
    name = f"layer #{k} (named {layer.name})"
    detail = (f"for weight {variable.path}. Weight expects shape {tuple(variable.shape)}. "
              f"Received saved weight with shape {tuple(dataset.shape or ())}")
    if not skip_mismatch:
        raise ValueError(f"Shape mismatch in {name}{detail}")
    warnings.warn(f"Skipping loading weights for {name}due to mismatch in shape {detail}",
                  stacklevel=4)
