"""What a model file holds, from its bytes alone: zip member names and sizes, JSON
metadata and config, HDF5 group names, attributes and dataset headers. No weight array
is read and nothing from the file runs; every refusal is a FileFormatError (ValueError).
"""
import io
import math
import os
import zipfile
from dataclasses import dataclass, field

import numpy as np

from kerasmini.inspection import configs
from kerasmini.saving import legacy_h5
from kerasmini.saving import safe_reading as safe
from kerasmini.saving.legacy_h5 import text as _text
from kerasmini.saving.safe_reading import FileFormatError, UnsafeFileError

MAX_H5_OBJECTS = 100_000  # groups and datasets visited in one file


@dataclass
class Weight:
    name: str
    shape: tuple
    dtype: str

    @property
    def size(self):
        return math.prod(self.shape)  # exact, however large the header claims


@dataclass
class LayerInfo:
    path: str
    class_name: str
    settings: str = ""
    weights: list = field(default_factory=list)

    @property
    def params(self):
        return sum(w.size for w in self.weights)


@dataclass
class FileReport:
    path: str
    kind: str
    metadata: dict = field(default_factory=dict)
    members: list = field(default_factory=list)       # (name, size, stored size)
    model: str = ""
    layers: list = field(default_factory=list)
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    optimizer: str = ""
    problems: list = field(default_factory=list)


def inspect_file(path):
    """A FileReport for a .keras, .weights.h5 or legacy .h5 file."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"File not found: filepath={path}")
    if path.endswith(".keras"):
        return _keras_archive(path)
    if path.endswith(".weights.h5"):
        return _weights_file(path)
    if path.endswith((".h5", ".hdf5")):
        return _legacy_h5(path)
    raise ValueError(f"File format not supported: filepath={path}. inspect reads .keras, "
                     ".weights.h5 and legacy .h5 files.")


# ----- zip archives -----------------------------------------------------------------------
def _json_member(archive, name, where):
    text = safe.read_member(archive, name, safe.MAX_CONFIG_BYTES, where)
    return safe.parse_json_object(text, f"the member '{name}' of {where}")


def _keras_archive(path):
    report = FileReport(path, "Keras 3 archive (.keras)")
    try:
        with safe.open_archive(path) as archive:
            infos = safe.check_members(archive, path)
            names = [info.filename for info in infos]
            for info in infos:
                report.members.append((info.filename, info.file_size, info.compress_size))
            for member in ("config.json", "model.weights.h5"):
                if member not in names:
                    raise FileFormatError(f"{path} is not a complete `.keras` archive: the "
                                          f"member '{member}' is missing (it has: {names}).")
            if "metadata.json" in names:
                report.metadata = _json_member(archive, "metadata.json", path)
            config = _json_member(archive, "config.json", path)
            weights = safe.read_member(archive, "model.weights.h5", safe.MAX_MEMBER_BYTES,
                                       path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as error:
        raise FileFormatError(f"{path} is a corrupt `.keras` archive: {error}") from error
    where = f"the member 'model.weights.h5' of {path}"
    with safe.open_h5(io.BytesIO(weights), where) as f, safe.reading(where):
        stored = _keras_h5_weights(f, where)
        if safe.h5_group(f, "optimizer/vars", where) is not None:
            count = len(safe.h5_group(f, "optimizer/vars", where))
            name = safe.read_attribute(safe.h5_group(f, "optimizer/vars", where).attrs,
                                       "name", where, "optimizer")
            report.optimizer = f"{_text(name)}: {count} variables stored"
    _describe_config(report, config, stored)
    compile_config = config.get("compile_config")
    if compile_config and not report.optimizer:
        report.optimizer = "compile config only (no optimizer variables)"
    return report


def _keras_h5_weights(f, where):
    """{layer name: [Weight]} from the `vars` groups of a Keras 3 weights file. The
    weights of the layers a layer holds (an RNN's cell, Bidirectional's two RNNs) are
    listed with that layer: their groups sit below its own, outside any `layers` group
    (a nested model's layers are rows of their own)."""
    found, budget = {}, [MAX_H5_OBJECTS]

    def visit(group, depth, owner):
        if depth > configs.MAX_DEPTH:
            raise UnsafeFileError(f"Not allowed: {where} nests groups more than "
                                  f"{configs.MAX_DEPTH} deep.")
        items = list(safe.h5_items(group, where))
        own = dict(items).get("vars")
        if owner is None and own is not None and not _is_dataset(own):
            owner = _text(safe.read_attribute(own.attrs, "name", where, group.name))
        for name, node in items:
            budget[0] -= 1
            if budget[0] < 0:
                raise UnsafeFileError(f"Not allowed: {where} holds more than "
                                      f"{MAX_H5_OBJECTS} objects.")
            if name == "vars" and not _is_dataset(node):
                found.setdefault(owner, []).extend(
                    _weight(str(i), node, where) for i in sorted(node, key=_as_int))
            elif not _is_dataset(node) and name != "optimizer":
                visit(node, depth + 1, None if name == "layers" else owner)

    visit(f, 0, None)
    return found


def _as_int(key):
    return int(key) if key.isdigit() else 1 << 30


def _is_dataset(node):
    return isinstance(node, safe.h5py_module().Dataset)


def _weight(name, group, where):
    return Weight(name, *_header(safe.h5_dataset(group, name, where), where))


def _header(dataset, where):
    """(shape, dtype name) of a dataset whose header safe_reading accepts."""
    safe.check_dataset(dataset, where)
    return tuple(dataset.shape), dataset.dtype.name


# ----- the config: layers, inputs, outputs, problems --------------------------------------
def _describe_config(report, config, stored):
    try:
        rows = configs.walk_layers(config)
        report.problems = configs.problems(config)
    except RecursionError:
        raise FileFormatError(f"The model config of {report.path} nests too deeply.") \
            from None
    report.model = f"{rows[0][1]} '{rows[0][0]}'"
    for path, class_name, layer in rows[1:]:
        inner = layer["config"]
        name = path.rsplit("/", 1)[-1]
        path = path.split("/", 1)[1]  # below the model itself
        weights = stored.get(name, [])
        names = configs.weight_names(class_name, inner)
        if len(names) == len(weights):
            for w, wname in zip(weights, names):
                w.name = wname
        report.layers.append(LayerInfo(path, class_name, configs.shape_settings(inner),
                                       weights))
        if class_name == "InputLayer" and "/" not in path:  # not a nested model's input
            shape = inner.get("batch_shape") or inner.get("batch_input_shape")
            report.inputs.append(f"{name}: shape {shape}, {_dtype(inner.get('dtype'))}")
    top = config["config"]
    if not report.inputs and isinstance(config.get("build_config"), dict):
        report.inputs.append(f"shape {config['build_config'].get('input_shape')}")
    if "output_layers" in top:
        report.outputs = [str(entry[0]) for entry in _tensor_entries(top["output_layers"])]
    elif report.layers:
        report.outputs = [report.layers[-1].path]


def _tensor_entries(value):
    """The [layer name, node, tensor] entries of an input_layers / output_layers value."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        return [value]
    items = value.values() if isinstance(value, dict) else value
    if not isinstance(items, (list, type({}.values()))):
        return []
    return [entry for item in items for entry in _tensor_entries(item)]


def _dtype(value):
    if isinstance(value, dict):  # a DTypePolicy
        inner = value.get("config")
        return str(inner.get("name", "?") if isinstance(inner, dict) else "?")
    return str(value or "float32")


# ----- HDF5 files ---------------------------------------------------------------------------
def _weights_file(path):
    report = FileReport(path, "Keras 3 weights file (.weights.h5): no architecture")
    with safe.open_h5(path, path) as f, safe.reading(path):
        for name, weights in _keras_h5_weights(f, path).items():
            report.layers.append(LayerInfo(name, "?", "", weights))
        if safe.h5_group(f, "optimizer/vars", path) is not None:
            report.optimizer = "stored"
    return report


def _legacy_h5(path):
    report = FileReport(path, "legacy HDF5 model (.h5)")
    with safe.open_h5(path, path) as f, safe.reading(path):
        report.metadata = {k: _text(safe.read_attribute(f.attrs, k, path))
                           for k in ("keras_version", "backend") if k in f.attrs}
        weights_only = "model_config" not in f.attrs and "layer_names" in f.attrs
        config = None if weights_only else legacy_h5.read_config(f, path)
        stored = {}
        for name, datasets in legacy_h5.stored_weights(f, path):
            stored[name] = [Weight(wpath.rsplit("/", 1)[-1].split(":")[0],
                                   *_header(dataset, path)) for wpath, dataset in datasets]
    if weights_only:  # save_weights() of tf.keras 2.x: what load_weights reads
        report.kind = "legacy HDF5 weights (.h5): no architecture"
        report.layers = [LayerInfo(name, "?", "", weights) for name, weights in stored.items()]
        return report
        if "optimizer_weights" in f:
            report.optimizer = "stored (optimizer_weights)"
        elif "training_config" in f.attrs:
            report.optimizer = "training config only"
    _describe_config(report, config, stored)
    return report
