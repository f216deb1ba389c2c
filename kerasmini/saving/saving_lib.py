"""Reading and writing Keras 3 files.

A `.keras` file is a zip archive of three members:
    metadata.json      {"keras_version": ..., "date_saved": ...}
    config.json        the model's class and config (every layer's config inside)
    model.weights.h5   the weights, as below
and, for layers with state that is not an array (an adapted lookup vocabulary), files
under `assets/<the layer's weights path>/` (`asset_files()` / `load_asset_files()`).
A `.weights.h5` file is that HDF5 file alone. Inside it each layer's weights live in
`layers/<key>/vars/0, 1, ...`, where <key> is the snake_case of the layer's *class*
('conv2d', 'conv2d_1', ... in `model.layers` order), not the layer's name, so two
models with the same architecture share keys whatever their layers are named. The
numbers follow the layer's own variable order (trainable first: kernel, bias;
BatchNormalization: gamma, beta, moving_mean, moving_variance).
Keras also keeps some state beside them by name: a tf_idf lookup's `vars/idf_weights`
(`saved_arrays()` / `saved_array_shapes()` / `load_saved_arrays()` on the layer).

Loading reads and checks everything first and assigns last: an error leaves the
model's weights as they were, and load_model() returns nothing half-loaded.
"""
import contextlib
import datetime
import errno
import io
import json
import logging
import os
import tempfile
import warnings
import zipfile
from collections import Counter

from kerasmini.layers.layer import Layer
from kerasmini.models.layer_configs import serialize_layer
from kerasmini.object_configs import snake_case
from kerasmini.object_registration import custom_object_scope
from kerasmini.saving import safe_reading as safe
from kerasmini.saving.legacy_h5 import is_legacy_h5, load_legacy_model
from kerasmini.saving.safe_reading import FileFormatError, UnsafeFileError  # noqa: F401
from kerasmini.saving.model_limits import build_bounded

CONFIG_FILE, METADATA_FILE, WEIGHTS_FILE = "config.json", "metadata.json", "model.weights.h5"
ASSETS_FOLDER = "assets"
KERAS_VERSION = "3.0.0"  # the file format version written; tf.keras 3.x reads it


# ---------------------------------------------------------------------------------------
# which variables go where

def weight_slots(model):
    """[(h5 group path, layer, [variables in Keras's saving order])] for the model ("",
    the file's top level) and every layer inside it, each once, at the path Keras 3's
    saving_lib gives it: a Sequential's or functional model's layers under
    `layers/<class key>`; the layers a subclassed model or a layer made of layers holds
    in attributes under `<attribute>` (in a list or dict: `<attribute>/<class key>`),
    attributes in sorted order, private ones last."""
    slots, seen = [], set()

    def visit(layer, path):
        if id(layer) in seen:
            return
        seen.add(id(layer))
        own = list(layer._variables)
        slots.append((path, layer, [v for v in own if v.trainable]
                      + [v for v in own if not v.trainable]))
        if _is_graph(layer):
            visit_all(layer.layers, _join(path, "layers"))
            return
        attributes = vars(layer)
        for name in sorted(attributes, key=lambda n: f"~{n}" if n.startswith("_") else n):
            value = attributes[name]
            if isinstance(value, Layer):
                visit(value, _join(path, name))
            elif isinstance(value, (list, tuple, dict)):
                visit_all(value.values() if isinstance(value, dict) else value,
                          _join(path, name))

    def visit_all(layers, prefix):
        used = Counter()
        for layer in layers:
            if not isinstance(layer, Layer):
                continue
            base = snake_case(type(layer).__name__)
            key = base if used[base] == 0 else f"{base}_{used[base]}"
            used[base] += 1
            visit(layer, f"{prefix}/{key}")

    visit(model, "")
    return [(path, layer, variables) for path, layer, variables in slots]


def _join(path, name):
    return f"{path}/{name}" if path else name


def _is_graph(model):
    """A Sequential or functional model (layers in a graph), not a subclassed one."""
    return "_layers" in vars(model) and hasattr(model, "_summary_rows")


def _vars_path(path):
    return _join(path, "vars")


def _saved_arrays(layer):
    """State Keras stores by name beside the numbered variables (a lookup layer's
    `idf_weights`): {name: array}."""
    return layer.saved_arrays() if hasattr(layer, "saved_arrays") else {}


class _NamedArray:
    """A slot for one of those arrays, assigned as a variable is (`_assign`)."""

    def __init__(self, layer, name):
        self.layer, self.name = layer, name

    def assign(self, array):
        self.layer.load_saved_arrays({self.name: array})


# ---------------------------------------------------------------------------------------
# writing

def _write_weights(model, target):
    h5py = safe.h5py_module()
    with h5py.File(target, "w") as f:
        for path, layer, variables in weight_slots(model):
            group = f.create_group(_vars_path(path))
            group.attrs["name"] = layer.name
            for i, v in enumerate(variables):
                group.create_dataset(str(i), data=v.numpy())
            for name, array in _saved_arrays(layer).items():
                group.create_dataset(name, data=array)
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None:  # as Keras: optimizer/vars/0.. in its variables' order
            _write_optimizer(f.create_group("optimizer"), optimizer)


def _write_optimizer(group, optimizer):
    """optimizer/vars; a LossScaleOptimizer's inner optimizer again in
    optimizer/inner_optimizer/vars, where Keras writes it too (its `vars` also hold
    them, after the scale's own; loading reads those)."""
    variables = group.create_group("vars")
    variables.attrs["name"] = optimizer.name
    for i, v in enumerate(optimizer.variables):
        variables.create_dataset(str(i), data=v.numpy())
    inner = getattr(optimizer, "inner_optimizer", None)
    if inner is not None:
        _write_optimizer(group.create_group("inner_optimizer"), inner)


def save_weights(model, filepath, overwrite=True):
    filepath = _path(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError("The filename must end in `.weights.h5`. "
                         f"Received: filepath={filepath}")
    _check_overwrite(filepath, overwrite)
    with _replaced_atomically(filepath) as temporary:
        _write_weights(model, temporary)


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """keras.saving.save_model: a `.keras` archive, or for `.h5` / `.hdf5` Keras's legacy
    HDF5 model file (saving/legacy_h5_writer.py), with Keras's warning."""
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", False)
    filepath = _path(filepath)
    if save_format and not filepath.endswith((".h5", ".hdf5", ".keras")):
        raise ValueError("The `save_format` argument is deprecated in Keras 3. Please "
                         "remove this argument and pass a file path with either `.keras` "
                         f"or `.h5` extension.Received: save_format={save_format}")
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    if zipped not in (None, True):
        raise ValueError("save(zipped=False) (an unzipped folder) is not supported by "
                         f"kerasmini. Received: zipped={zipped!r}")
    if filepath.endswith((".h5", ".hdf5")):
        _save_legacy_h5(model, filepath, overwrite, include_optimizer)
        return
    if include_optimizer is not True:  # Keras ignores it for .keras: kerasmini says so
        raise ValueError("include_optimizer is honoured for legacy `.h5` files only: a "
                         "`.keras` archive always holds the optimizer's state. Received: "
                         f"include_optimizer={include_optimizer!r}")
    if not filepath.endswith(".keras"):
        raise ValueError("Invalid filepath extension for saving. Please add either a "
                         "`.keras` extension for the native Keras format (recommended) or "
                         "a `.h5` extension. Use `model.export(filepath)` if you want to "
                         "export a SavedModel for use with TFLite/TFServing/etc. "
                         f"Received: filepath={filepath}.")
    _check_overwrite(filepath, overwrite)
    _save_keras_archive(model, filepath)


def _save_legacy_h5(model, filepath, overwrite, include_optimizer):
    logging.getLogger("kerasmini").warning(
        "You are saving your model as an HDF5 file via `model.save()` or "
        "`keras.saving.save_model(model)`. This file format is considered legacy. We "
        "recommend using instead the native Keras format, e.g. "
        "`model.save('my_model.keras')` or `keras.saving.save_model(model, "
        "'my_model.keras')`. ")
    _check_overwrite(filepath, overwrite)
    from kerasmini.saving.legacy_h5_writer import save_model_to_h5  # lazy: needs h5py
    with _replaced_atomically(filepath) as temporary:
        save_model_to_h5(model, temporary, include_optimizer)


def _save_keras_archive(model, filepath):
    config = serialize_layer(model)
    if _is_graph(model):  # a subclassed model's build_config is its own (layer_configs)
        config["build_config"] = {"input_shape": config["config"].get("build_input_shape")}
    elif not model.built:
        warnings.warn("You are saving a model that has not yet been built. It might not "
                      "contain any weights yet. Consider building the model first by "
                      "calling it on some data.", stacklevel=3)
    config["compile_config"] = (model.get_compile_config()
                                if getattr(model, "compiled", False) else None)
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    weights = io.BytesIO()
    _write_weights(model, weights)
    assets = _asset_members(model)
    with _replaced_atomically(filepath) as temporary, \
            zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(METADATA_FILE, json.dumps(metadata))
        zf.writestr(CONFIG_FILE, json.dumps(config))
        zf.writestr(WEIGHTS_FILE, weights.getvalue())
        for name, data in assets.items():
            zf.writestr(name, data)


def _asset_members(model):
    """{archive member name: bytes}: each layer's asset files under `assets/<path>/`, the
    path of its weights (Keras's layout)."""
    members = {}
    for path, layer, _ in weight_slots(model):
        if hasattr(layer, "asset_files"):
            for name, data in layer.asset_files().items():
                members[f"{ASSETS_FOLDER}/{path}/{name}"] = data
    return members


def _load_assets(model, assets, filepath):
    """Hand each layer that keeps assets the files under its folder, by file name."""
    for path, layer, _ in weight_slots(model):
        if hasattr(layer, "load_asset_files"):
            prefix = f"{ASSETS_FOLDER}/{path}/"
            files = {name[len(prefix):]: data for name, data in assets.items()
                     if name.startswith(prefix) and "/" not in name[len(prefix):]}
            try:
                layer.load_asset_files(files)
            except ValueError as error:
                raise FileFormatError(f"{filepath}: {error}") from error


def _path(filepath):
    """A str path; bytes are refused as tf.keras refuses them (ValueError)."""
    filepath = os.fspath(filepath)
    if not isinstance(filepath, str):
        raise ValueError(f"File format not supported: filepath={filepath!r}. Pass the "
                         "path as a str or a pathlib.Path.")
    return filepath


def _check_overwrite(filepath, overwrite):
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")


def _mode_for(filepath):
    """The permissions a plain open(filepath, 'w') would give: the old file's, or the
    umask's."""
    if os.path.exists(filepath):
        return os.stat(filepath).st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def _replaced_atomically(filepath):
    """Write to a temporary file in the same folder, then rename it over `filepath`:
    a save that fails leaves the old file whole (a rename within a folder is atomic).
    A symbolic link at `filepath` stays a link and its target gets the new file, as
    Keras's open(filepath, "wb") writes through it; the rename happens in the target's
    folder."""
    filepath = os.path.realpath(filepath)
    if os.path.islink(filepath):  # realpath stops at a loop of links; open() would fail
        raise OSError(errno.ELOOP, "Too many levels of symbolic links", filepath)
    folder, name = os.path.split(filepath)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    os.close(descriptor)
    os.chmod(temporary, _mode_for(filepath))  # mkstemp's 0600 would stick otherwise
    try:
        yield temporary
        os.replace(temporary, filepath)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


# ---------------------------------------------------------------------------------------
# reading

def _read_archive(filepath, with_assets=False):
    """(config dict, weights bytes[, {asset member: bytes}]) from a .keras file, every
    member size bounded."""
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"File not found: filepath={filepath}. Please ensure the "
                                "file is an accessible `.keras` zip file.")
    try:
        with safe.open_archive(filepath) as zf:
            names = {info.filename for info in safe.check_members(zf, filepath)}
            for member in (CONFIG_FILE, WEIGHTS_FILE):
                if member not in names:
                    raise FileFormatError(f"{filepath} is not a complete `.keras` archive: "
                                          f"the member '{member}' is missing (it has: "
                                          f"{sorted(names)}).")
            config_text = safe.read_member(zf, CONFIG_FILE, safe.MAX_CONFIG_BYTES, filepath)
            weights = safe.read_member(zf, WEIGHTS_FILE, safe.MAX_MEMBER_BYTES, filepath)
            assets = {name: safe.read_member(zf, name, safe.MAX_CONFIG_BYTES, filepath)
                      for name in sorted(names) if name.startswith(ASSETS_FOLDER + "/")
                      and with_assets and not name.endswith("/")}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        raise FileFormatError(f"{filepath} is a corrupt `.keras` archive: {error}") from error
    config = safe.parse_json_object(config_text, f"The member '{CONFIG_FILE}' of {filepath}")
    return (config, weights, assets) if with_assets else (config, weights)


def _read_weights(model, source, where):
    """{variable id: (variable, array)} for every variable; each dataset is checked
    (links, storage, dtype, shape) before its data is read."""
    values = {}
    with safe.open_h5(source, where) as f, safe.reading(where):
        for path, layer, variables in weight_slots(model):
            group = safe.h5_group(f, _vars_path(path), where)
            named = layer.saved_array_shapes() if hasattr(layer, "saved_array_shapes") \
                else {}
            if group is None:
                if variables or named:
                    raise FileFormatError(
                        f"{where} has no weights for layer '{layer.name}' (expected "
                        f"the group '{_vars_path(path)}' with "
                        f"{len(variables) + len(named)} arrays).")
                continue
            if len(group) != len(variables) + len(named):
                raise ValueError(
                    f"Layer '{layer.name}' expects {len(variables) + len(named)} weights, "
                    f"but {where} holds {len(group)} in '{_vars_path(path)}'.")
            for name, shape in named.items():
                array = safe.read_dataset(safe.h5_dataset(group, name, where), where, shape)
                values[(id(layer), name)] = (_NamedArray(layer, name), array)
            for i, variable in enumerate(variables):
                dataset = safe.h5_dataset(group, str(i), where)
                try:
                    array = safe.read_dataset(dataset, where, variable.shape)
                except FileFormatError:
                    raise
                except ValueError as error:
                    raise ValueError(f"Weight shape mismatch for layer '{layer.name}', "
                                     f"weight {i} ('{variable.name}'): {error}") from None
                values[id(variable)] = (variable, array)
    return values


def _assign(values):
    for variable, array in values.values():
        variable.assign(array)


def load_weights(model, filepath):
    """The model's weights, and with a built optimizer its state too (as Keras: what
    BackupAndRestore relies on to resume), all read and checked before any is assigned."""
    filepath = _path(filepath)
    if filepath.endswith(".keras"):
        _, weights = _read_archive(filepath)
        where = f"the member '{WEIGHTS_FILE}' of {filepath}"
        source = lambda: io.BytesIO(weights)  # noqa: E731
    elif filepath.endswith(".weights.h5"):
        if not os.path.exists(filepath):
            raise FileNotFoundError(f"File not found: filepath={filepath}.")
        where, source = filepath, lambda: filepath  # noqa: E731
    else:
        raise ValueError("File format not supported: filepath={}. kerasmini reads "
                         "`.keras` and `.weights.h5` files.".format(filepath))
    values = _read_weights(model, source(), where)
    optimizer = getattr(model, "optimizer", None)
    state = (_read_optimizer_state(optimizer, source(), where)
             if optimizer is not None and optimizer.built else None)
    _assign(values)
    if state is not None:
        optimizer.load_own_variables(state)


def _read_optimizer_state(optimizer, source, where):
    """{'0': array, ...} from optimizer/vars, each checked against the optimizer's own
    variable shape; None when the file holds no optimizer state or a different count
    (Keras then warns and keeps the fresh state)."""
    with safe.open_h5(source, where) as f, safe.reading(where):
        group = safe.h5_group(f, "optimizer/vars", where)
        if group is None:
            return None
        variables = optimizer.variables
        if len(group) != len(variables):
            warnings.warn(f"Skipping variable loading for optimizer '{optimizer.name}', "
                          f"because it has {len(variables)} variables whereas the saved "
                          f"optimizer has {len(group)} variables.", stacklevel=3)
            return None
        return {str(i): safe.read_dataset(safe.h5_dataset(group, str(i), where), where,
                                          v.shape) for i, v in enumerate(variables)}


def load_model(filepath, custom_objects=None, compile=True):
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise TypeError("Argument `custom_objects` must be a dict of names to classes. "
                        f"Received: custom_objects={custom_objects!r}")
    with custom_object_scope(custom_objects):
        return _load_model(_path(filepath), compile)


def _load_model(filepath, compile):
    if is_legacy_h5(filepath):
        return load_legacy_model(filepath, compile)
    if not filepath.endswith(".keras"):
        raise ValueError(f"File format not supported: filepath={filepath}. kerasmini's "
                         "load_model reads Keras 3 `.keras` archives and legacy `.h5` "
                         "model files.")
    # Keras: a missing .keras file is a ValueError here (load_weights: the OS's error)
    if not os.path.exists(filepath):
        raise ValueError(f"File not found: filepath={filepath}. Please ensure the file "
                         "is an accessible `.keras` zip file.")
    config, weights, assets = _read_archive(filepath, with_assets=True)
    where = f"the member '{WEIGHTS_FILE}' of {filepath}"
    safe.open_h5(io.BytesIO(weights), where).close()  # a broken member fails first
    # The weights a config declares must fit in the weights the file holds (Keras
    # stores them uncompressed): a few bytes of config cannot allocate gigabytes.
    model = build_bounded(config, len(weights), where)
    if not hasattr(model, "layers"):
        raise FileFormatError(f"{filepath} holds a single layer, not a model.")
    if not model.built and _is_graph(model):
        raise FileFormatError(f"The model in {filepath} has no input shape, so its weights "
                              "cannot be placed.")
    values = _read_weights(model, io.BytesIO(weights), where)
    _assign(values)  # a fresh model: nothing half-loaded escapes if what follows fails
    _load_assets(model, assets, filepath)  # after the weights: tf_idf needs its idf
    state = None
    if compile and config.get("compile_config"):
        model.compile_from_config(config["compile_config"])
        model.optimizer.build(model.trainable_weights)
        state = _read_optimizer_state(model.optimizer, io.BytesIO(weights), where)
    if state is not None:
        model.optimizer.load_own_variables(state)
    return model
