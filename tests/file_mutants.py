"""Structural mutations of model files, for the file fuzzer (tests/file_fuzz.py).

Each operator takes a file's bytes and a `random.Random` and returns a `Mutant`: the new
bytes, what was done (enough to rebuild it by hand) and whether the change is neutral
(the file still means the same model and weights, so a load that succeeds must give the
seed's outputs exactly). Operators are grouped in families by what they attack:

  config    config.json / the legacy `model_config` attribute: each value replaced by
            each wrong type, keys deleted, added, renamed, deep nesting, huge values
  classes   class_name / module / registered_name swapped for other Keras classes and
            for importable names that are not Keras objects
  graph     a functional model's calls rewired: cycles, forward references, indices
            out of range, names of layers that do not exist
  metadata  metadata.json
  zip       members dropped, duplicated, renamed, escaping the folder, lying about their
            size, compressed bombs, unsupported compression or encryption flags
  h5        datasets reshaped, retyped, removed, added, linked softly or externally,
            stored externally, made virtual; attributes corrupted; crowded groups
  bytes     raw byte flips, truncations, appended or zeroed ranges

Nothing here knows kerasmini: it only edits zip, JSON and HDF5.
"""
import copy
import io
import json
import math
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"


@dataclass
class Mutant:
    data: bytes
    description: str
    neutral: bool = False


# ---------------------------------------------------------------------------------------
# containers: a .keras file as {member: bytes}, an HDF5 file edited in memory

def zip_members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def zip_bytes(members, compression=zipfile.ZIP_STORED, infos=()):
    """A zip of (name, bytes) pairs (a dict or a list, so names may repeat), plus
    (ZipInfo, bytes) pairs."""
    out = io.BytesIO()
    items = members.items() if isinstance(members, dict) else members
    with zipfile.ZipFile(out, "w", compression=compression) as zf, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": wanted here
        for name, payload in items:
            zf.writestr(name, payload)
        for info, payload in infos:
            zf.writestr(info, payload)
    return out.getvalue()


def h5_edit(data, edit):
    """The bytes of the HDF5 file `data` after `edit(h5py.File)` changed it in place."""
    import h5py
    buffer = io.BytesIO(data)
    with h5py.File(buffer, "r+") as f:
        edit(f)
    return buffer.getvalue()


def h5_objects(f):
    """(datasets, groups) of an h5py.File, by path, in a fixed order."""
    import h5py
    datasets, groups = [], ["/"]
    f.visititems(lambda name, node: (datasets if isinstance(node, h5py.Dataset)
                                     else groups).append("/" + name))
    return sorted(datasets), sorted(groups)


# ---------------------------------------------------------------------------------------
# JSON: every value replaced by each wrong type

DEEP = 260  # deeper than safe_reading.MAX_CONFIG_DEPTH
WRONG_VALUES = [
    ("str", "fuzz"), ("empty str", ""), ("int", 7), ("zero", 0), ("negative", -3),
    ("float", 2.5), ("bool", True), ("false", False), ("None", None), ("list", [1, 2]),
    ("empty list", []), ("dict", {"fuzz": 1}), ("empty dict", {}), ("huge int", 10**12),
    ("huger int", 2**70), ("negative huge", -10**12), ("NaN", math.nan),
    ("inf", math.inf), ("-inf", -math.inf), ("tiny", 1e-300), ("big float", 1e300),
    ("nested 150", "NEST150"), ("nested deep", "NEST"), ("long str", "x" * 100_000),
    ("dunder", "__class__"), ("unicode", "\u0000\ud7ff\u202e"),
]


def _nested(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


def wrong_value(rng):
    label, value = rng.choice(WRONG_VALUES)
    if value == "NEST":
        value = _nested(DEEP)
    elif value == "NEST150":
        value = {"a": _nested(150)}
    return label, value


def json_paths(value, path=()):
    """Every (path, value) in a JSON tree, the root excluded."""
    items = (value.items() if isinstance(value, dict)
             else enumerate(value) if isinstance(value, list) else ())
    for key, child in items:
        yield path + (key,), child
        yield from json_paths(child, path + (key,))


def json_get(tree, path):
    for key in path:
        tree = tree[key]
    return tree


def dumps(value):
    return json.dumps(value, allow_nan=True).encode()


def mutate_json(tree, rng):
    """(new tree, description): one value replaced, one key deleted / added / renamed,
    or the whole tree replaced; the original is not changed."""
    tree = copy.deepcopy(tree)
    paths = list(json_paths(tree))
    action = rng.choice(["value"] * 6 + ["delete", "add", "rename", "root", "list item"])
    if action == "root" or not paths:
        label, value = wrong_value(rng)
        return value, f"whole JSON replaced by {label}"
    path, _ = rng.choice(paths)
    parent, key = json_get(tree, path[:-1]), path[-1]
    if action == "value":
        label, parent[key] = wrong_value(rng)
        return tree, f"{_show(path)} = {label}"
    if action == "delete":
        del parent[key]
        return tree, f"{_show(path)} deleted"
    if action == "list item":
        lists = [p for p, v in json_paths(tree) if isinstance(v, list) and v] or [path]
        at = rng.choice(lists)
        target = json_get(tree, at)
        if isinstance(target, list) and target:
            how = rng.choice(["duplicate", "reverse", "drop last", "append None"])
            if how == "duplicate":
                target.append(copy.deepcopy(target[0]))
            elif how == "reverse":
                target.reverse()
            elif how == "drop last":
                target.pop()
            else:
                target.append(None)
            return tree, f"{_show(at)}: list {how}"
        return tree, "no list to change (neutral)"
    dicts = [p for p, v in json_paths(tree) if isinstance(v, dict)]
    at = rng.choice(dicts) if dicts else ()
    where = json_get(tree, at)
    if action == "add":
        label, value = wrong_value(rng)
        name = rng.choice(["fuzz", "__init__", "name", "dtype", "trainable", "class_name",
                           "config", "module", "build_config", "shared_object_id"])
        added = name not in where
        where[name] = value
        return tree, f"{_show(at)}: key '{name}' {'added' if added else 'set'} = {label}"
    if not where:
        return tree, "rename in an empty dict (neutral)"
    old = rng.choice(sorted(where))
    new = rng.choice([old.upper(), old + "_", "fuzz", " " + old, "name", "config"])
    where[new] = where.pop(old)
    return tree, f"{_show(at)}: key '{old}' renamed '{new}'"


def _show(path):
    return "".join(f"[{k!r}]" for k in path)


# ---------------------------------------------------------------------------------------
# config families (JSON inside the .keras archive or the legacy model_config attribute)

def _with_json(data, kind, rng, change):
    """Apply change(tree, rng) -> (tree, description[, neutral]) to the model config of a
    .keras archive (or, `kind` metadata, its metadata.json) or of a legacy .h5 file."""
    if kind == "legacy":
        def edit(f):
            tree = json.loads(f.attrs["model_config"])
            result = change(tree, rng)
            f.attrs["model_config"] = dumps(result[0])
            edit.result = result
        data = h5_edit(data, edit)
        return Mutant(data, *edit.result[1:])
    members = zip_members(data)
    name = METADATA if kind == "metadata" else CONFIG
    tree, *rest = change(json.loads(members[name]), rng)
    members[name] = dumps(tree)
    return Mutant(zip_bytes(members), *rest)


def config_mutant(data, kind, rng):
    return _with_json(data, kind, rng, mutate_json)


def metadata_mutant(data, kind, rng):
    def change(tree, rng):
        action = rng.random()
        if action < 0.15:
            return {**tree, "date_saved": "1970-01-01@00:00:00"}, "date changed", True
        if action < 0.3:
            return {**tree, "keras_version": rng.choice(["2.15.0", "9.9.9", "", "x"])}, \
                "keras_version changed", True
        return mutate_json(tree, rng)
    if kind != "keras":
        return config_mutant(data, kind, rng)
    if rng.random() < 0.15:
        members = zip_members(data)
        members[METADATA] = rng.choice([b"", b"{", b"[]", b"\xff\xfe", b"null",
                                        b"{" * 100_000, b'{"a": NaN}'])
        return Mutant(zip_bytes(members), f"metadata.json = {members[METADATA][:20]!r}")
    return _with_json(data, "metadata", rng, change)


HOSTILE_NAMES = [
    ("os", "system"), ("builtins", "eval"), ("builtins", "exec"), ("subprocess", "Popen"),
    ("numpy", "load"), ("pickle", "loads"), ("builtins", "__import__"),
    ("kerasmini.saving.saving_lib", "save_model"), ("kerasmini.variables", "Variable"),
    ("keras.src.layers", "Lambda"), ("keras.layers", "TFSMLayer"), (None, "Lambda"),
    ("keras.src.models.functional", "Functional"), ("keras", "Sequential"),
    (None, "__main__.Evil"), ("keras.src.ops.numpy", "Add"), ("tensorflow", "py_function"),
]


def classes_mutant(data, kind, rng, pool=()):
    """class_name / module / registered_name of one config swapped: for another class
    of the same file or of `pool`, or an importable non-Keras name."""
    def change(tree, rng):
        spots = [p for p, v in json_paths(tree) if isinstance(v, dict) and "class_name" in v]
        at = rng.choice(spots) if spots else ()
        spot = json_get(tree, at)
        names = sorted({v["class_name"] for _, v in json_paths(tree)
                        if isinstance(v, dict) and isinstance(v.get("class_name"), str)}
                       | set(pool))
        what = rng.random()
        if what < 0.45 and names:
            spot["class_name"] = rng.choice(names)
            return tree, f"{_show(at)}: class_name -> {spot['class_name']}"
        module, name = rng.choice(HOSTILE_NAMES)
        if what < 0.8:
            spot["class_name"], spot["module"] = name, module
            spot["registered_name"] = name if rng.random() < 0.5 else None
            return tree, f"{_show(at)}: class -> {module}.{name}"
        key = rng.choice(["module", "registered_name"])
        spot[key] = rng.choice([module, name, f"{module}>{name}", 3, None, ["os"]])
        return tree, f"{_show(at)}: {key} -> {spot[key]!r}"
    return _with_json(data, kind, rng, change)


def graph_mutant(data, kind, rng):
    """One reference of a functional graph changed: a call's keras_history, or an entry
    of input_layers / output_layers."""
    def change(tree, rng):
        refs = [p for p, v in json_paths(tree)
                if isinstance(v, list) and len(v) == 3 and isinstance(v[0], str)
                and isinstance(v[1], int) and isinstance(v[2], int)]
        refs += [p for p, v in json_paths(tree) if isinstance(v, dict) and "keras_history" in v]
        if not refs:
            return mutate_json(tree, rng)
        path = rng.choice(refs)
        ref = json_get(tree, path)
        ref = ref["keras_history"] if isinstance(ref, dict) else ref
        names = [v["name"] for p, v in json_paths(tree) if isinstance(v, dict)
                 and isinstance(v.get("name"), str) and "class_name" in v] \
            + [v["config"]["name"] for p, v in json_paths(tree) if isinstance(v, dict)
               and isinstance(v.get("config"), dict) and isinstance(v["config"].get("name"), str)]
        slot = rng.randrange(3)
        if slot == 0:
            ref[0] = rng.choice(names + ["ghost", "", 0, None]) if names else "ghost"
        else:
            ref[slot] = rng.choice([-1, 1, 2, 10**9, -10**9, "0", 0.5, None, True, [0]])
        return tree, f"{_show(path)} slot {slot} -> {ref[slot]!r}"
    return _with_json(data, kind, rng, change)


# ---------------------------------------------------------------------------------------
# zip members

_BOMBS = {}


def _bomb(size):
    """A deflate stream of `size` zero bytes (built once per size)."""
    if size not in _BOMBS:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        piece = bytes(1 << 20)
        parts = [compressor.compress(piece) for _ in range(size >> 20)]
        _BOMBS[size] = b"".join(parts) + compressor.flush()
    return _BOMBS[size]


def _raw_member(name, raw, size, crc=0):
    """A ZipInfo + payload that zipfile writes as given: a deflated member whose header
    declares `size` bytes and `crc`."""
    info = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info, raw, size, crc


def _zip_with_raw(members, raw_members):
    """members (name, bytes) stored normally, then (ZipInfo, compressed bytes, declared
    size, crc) written byte for byte: how a bomb or a liar is made."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, payload in members:
            zf.writestr(name, payload)
        for info, raw, size, crc in raw_members:
            info.header_offset = out.tell()
            info.compress_size, info.file_size, info.CRC = len(raw), size, crc
            out.write(info.FileHeader(zip64=size > 0xFFFFFFFF))
            out.write(raw)
            zf.filelist.append(info)
            zf.NameToInfo[info.filename] = info
            zf.start_dir = out.tell()
    return out.getvalue()


def _patch_headers(data, name, offset, fmt, value, central=True, local=True):
    """Overwrite a field of member `name`'s central (offset from PK\\1\\2) and local
    (offset - 2 from PK\\3\\4) headers."""
    data = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo(name)
    if local:
        struct.pack_into(fmt, data, info.header_offset + offset - 2, value)
    if central:
        key = name.encode()
        at = data.find(b"PK\x01\x02", 0)
        while at >= 0:
            length = struct.unpack_from("<H", data, at + 28)[0]
            if bytes(data[at + 46:at + 46 + length]) == key:
                struct.pack_into(fmt, data, at + offset, value)
            at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def zip_mutant(data, kind, rng):
    if kind != "keras":
        return bytes_mutant(data, kind, rng)
    members = zip_members(data)
    names = sorted(members)
    name = rng.choice(names)
    action = rng.randrange(17)
    if action == 0:
        del members[name]
        return Mutant(zip_bytes(members), f"member {name} dropped")
    if action == 1:
        other = rng.choice([members[name], members[rng.choice(names)], b"{}"])
        return Mutant(zip_bytes([*members.items(), (name, other)]),
                      f"member {name} duplicated")
    if action == 2:
        new = rng.choice([name.upper(), "./" + name, "x/" + name, name + " ", "\\" + name])
        members[new] = members.pop(name)
        return Mutant(zip_bytes(members), f"member {name} renamed {new!r}")
    if action == 3:
        evil = rng.choice(["../evil.txt", "/etc/evil", "C:evil", "assets/../../x",
                           "..\\evil", "assets/layers/dense/../../../x"])
        return Mutant(zip_bytes({**members, evil: b"evil"}), f"member {evil!r} added")
    if action == 4:
        info = zipfile.ZipInfo(rng.choice([name, "assets/link"]))
        info.external_attr = (0o120777 << 16)
        rest = {k: v for k, v in members.items() if k != info.filename}
        return Mutant(zip_bytes(rest, infos=[(info, b"/etc/passwd")]),
                      f"member {info.filename} is a symbolic link")
    if action == 5:
        size = rng.choice([1 << 33, 65 << 20, (1 << 32) - 1, 10 << 20])
        raw = zlib.compress(members[name])[2:-4]
        rest = [(k, v) for k, v in members.items() if k != name]
        return Mutant(_zip_with_raw(rest, [_raw_member(name, raw, size)]),
                      f"member {name} declares {size} bytes")
    if action == 6:
        size = rng.choice([64 << 20, 256 << 20])
        rest = [(k, v) for k, v in members.items() if k != name]
        return Mutant(_zip_with_raw(rest, [_raw_member(name, _bomb(size), size)]),
                      f"member {name} is a {size >> 20} MiB bomb")
    if action == 7:  # the header under-declares: the stream inflates beyond it
        raw = zlib.compress(members[name] + bytes(3 << 20))[2:-4]
        rest = [(k, v) for k, v in members.items() if k != name]
        return Mutant(_zip_with_raw(rest, [_raw_member(name, raw, len(members[name]))]),
                      f"member {name} inflates beyond its declared size")
    if action == 8:
        method = rng.choice([99, 12, 14, 93, 1])
        return Mutant(_patch_headers(data, name, 10, "<H", method),
                      f"member {name} compression method {method}")
    if action == 9:
        return Mutant(_patch_headers(data, name, 8, "<H", 0x1),
                      f"member {name} flagged encrypted")
    if action == 10:
        return Mutant(_patch_headers(data, name, 16, "<I", 0xDEADBEEF),
                      f"member {name} CRC wrong")
    if action == 11:
        size = rng.choice([0, 1, 1 << 31])
        return Mutant(_patch_headers(data, name, 24, "<I", size, local=rng.random() < .5),
                      f"member {name} size field {size}")
    if action == 12:
        extra = [(f"assets/f{i}", b"") for i in range(rng.choice([1001, 1200]))]
        return Mutant(zip_bytes([*members.items(), *extra]), f"{len(extra)} extra members")
    if action == 13:
        return Mutant(zip_bytes({"model.keras": data}), "a .keras file inside a .keras file")
    if action == 14:
        return Mutant(zip_bytes(members, zipfile.ZIP_DEFLATED), "members deflated", True)
    if action == 15:
        order = list(members.items())
        rng.shuffle(order)
        return Mutant(zip_bytes(order), "members reordered", True)
    return Mutant(zip_bytes({**members, rng.choice(["notes.txt", "assets/"]): b"hi"}),
                  "an unrelated member added")


# ---------------------------------------------------------------------------------------
# HDF5

def _rewrite(f, path, values=None, **options):
    """Replace the dataset at `path` by one made with create_dataset(**options)."""
    old = f[path]
    values = old[()] if values is None else values
    del f[path]
    f.create_dataset(path, data=values, **options)


def _retype(values, rng):
    """(new values, description, neutral)"""
    values = np.asarray(values)
    choice = rng.randrange(12)
    if choice == 0:
        return values.astype(">f4" if values.dtype.itemsize == 4 else ">f8"), \
            "big-endian", True
    if choice == 1:
        return values.astype("float64"), "float64", values.dtype.kind == "f"
    if choice == 2:
        return values.astype("float16"), "float16", False
    if choice == 3:
        return (values * 10).astype("int32"), "int32", False
    if choice == 4:
        return (values > 0), "bool", False
    if choice == 5:
        return values.astype("complex64"), "complex64", False
    if choice == 6:
        return values.astype("S12"), "fixed strings", False
    if choice == 7:
        return np.array([str(v) for v in values.ravel()], dtype=object).reshape(
            values.shape), "vlen strings", False
    if choice == 8:
        pair = np.zeros(values.shape, dtype=[("a", "f4"), ("b", "i4")])
        pair["a"] = values
        return pair, "compound", False
    if choice == 9:
        return (values * 255).astype("uint8"), "uint8", False
    if choice == 10:
        return np.full(values.shape, rng.choice([np.nan, np.inf, -np.inf]), values.dtype), \
            "non-finite values", False
    return values.astype("float32").view("int32"), "float bits as int32", False


def _reshape(values, rng):
    values = np.asarray(values)
    shape = values.shape
    options = [(values.reshape(-1), "flattened", False),
               (values.reshape((1,) + shape), "extra leading axis", False),
               (values.reshape(shape[::-1]), "axes reversed", shape == shape[::-1]),
               (np.resize(values, tuple(s + 1 for s in shape)), "each axis + 1", False),
               (values.reshape(-1)[:0], "empty", values.size == 0),
               (np.asarray(values.reshape(-1)[:1].sum()), "scalar", False)]
    if values.ndim:
        options.append((np.swapaxes(values, 0, -1).copy(), "axes swapped", values.ndim < 2
                        or shape[0] == shape[-1] and values.size <= 1))
    return rng.choice(options)


def h5_mutant(data, kind, rng):
    """One structural change to the HDF5 file (for a .keras file, to its weights
    member, the archive rebuilt around it)."""
    if kind == "keras":
        members = zip_members(data)
        inner = h5_mutant(members[WEIGHTS], "h5", rng)
        members[WEIGHTS] = inner.data
        return Mutant(zip_bytes(members), inner.description, inner.neutral)
    result = {}

    def edit(f):
        datasets, groups = h5_objects(f)
        spot = H5Spot(rng.choice(datasets) if datasets else None, rng.choice(groups),
                      datasets)
        operator = H5_OPERATORS[rng.randrange(len(H5_OPERATORS)) if spot.path else 13]
        path, what, neutral = operator(f, spot, rng)
        result["m"] = (f"{path}: {what}", neutral)

    return Mutant(h5_edit(data, edit), *result["m"])


@dataclass
class H5Spot:
    path: str          # a dataset
    group: str         # a group
    datasets: list     # every dataset of the file


# Each operator changes the file at `spot` and says (where, what, neutral).

def _h5_retype(f, spot, rng):
    values, what, neutral = _retype(f[spot.path][()], rng)
    _rewrite(f, spot.path, values)
    return spot.path, what, neutral


def _h5_reshape(f, spot, rng):
    values, what, neutral = _reshape(f[spot.path][()], rng)
    _rewrite(f, spot.path, values)
    return spot.path, what, neutral


def _h5_remove(f, spot, rng):
    del f[spot.path]
    return spot.path, "removed", False


def _h5_soft_link(f, spot, rng):
    import h5py
    target = rng.choice(spot.datasets + ["/nowhere", "/", spot.path])
    del f[spot.path]
    f[spot.path] = h5py.SoftLink(target)
    return spot.path, f"soft link to {target}", False


def _h5_external_link(f, spot, rng):
    import h5py
    target = rng.choice(["/etc/passwd", "other.h5", "model.weights.h5"])
    del f[spot.path]
    f[spot.path] = h5py.ExternalLink(target, "/x")
    return spot.path, f"external link to {target}", False


def _h5_external_storage(f, spot, rng):
    import h5py
    values = f[spot.path][()]
    del f[spot.path]
    f.create_dataset(spot.path, shape=np.shape(values), dtype=values.dtype,
                     external=[("/etc/passwd", 0, h5py.h5f.UNLIMITED)])
    return spot.path, "external raw storage", False


def _h5_virtual(f, spot, rng):
    import h5py
    values = f[spot.path][()]
    layout = h5py.VirtualLayout(shape=np.shape(values), dtype=values.dtype)
    layout[...] = h5py.VirtualSource("other.h5", "/x", shape=np.shape(values))
    del f[spot.path]
    f.create_virtual_dataset(spot.path, layout, fillvalue=0)
    return spot.path, "virtual dataset", False


def _h5_filters(f, spot, rng):
    options = rng.choice([dict(chunks=True, compression="gzip"),
                          dict(chunks=True, compression="lzf"),
                          dict(chunks=True, shuffle=True, fletcher32=True),
                          dict(chunks=True)])
    _rewrite(f, spot.path, **options)
    return spot.path, f"rewritten {sorted(options)}", True


def _h5_shape_bomb(f, spot, rng):
    shape = rng.choice([(1 << 20, 1 << 20), (1 << 40,), (1 << 31, 4)])
    del f[spot.path]
    f.create_dataset(spot.path, shape=shape, dtype="f4", chunks=(1, 1)[:len(shape)],
                     maxshape=shape)
    return spot.path, f"declares shape {shape}, stores nothing", False


def _h5_made_group(f, spot, rng):
    del f[spot.path]
    f.create_group(spot.path)
    return spot.path, "made a group", False


def _h5_added(f, spot, rng):
    name = rng.choice(["99", "fuzz", "2", "vars", "layers", "optimizer"])
    if name in f[spot.group]:
        name += "_x"
    if rng.random() < 0.5:
        f[spot.group].create_dataset(name, data=np.ones(3, "f4"))
    else:
        f[spot.group].create_group(name)
    return spot.group + "/" + name, "added", False


def _h5_crowd(f, spot, rng):
    count = rng.choice([300, 2000])
    for i in range(count):
        f[spot.group].create_group(f"crowd{i}")
    return spot.group, f"{count} extra groups", False


def _h5_attribute(f, spot, rng):
    key = rng.choice(["name", "layer_names", "weight_names", "model_config",
                      "keras_version", "backend"])
    node = f[spot.group]
    value = rng.choice([np.arange(5), b"\xff\xfe", "", np.zeros((2, 2)),
                        np.array([b"a", b"b"]), 3, np.ones(60_000, "u1")])
    had = key in node.attrs
    node.attrs[key] = value
    neutral = not had and key not in ("layer_names", "weight_names", "model_config", "name")
    return f"{spot.group}@{key}", f"attribute {'changed' if had else 'added'}", neutral


def _h5_move(f, spot, rng):
    if spot.group.count("/") > 1:
        new = spot.group.rstrip("/") + "_moved"
        f.move(spot.group, new)
        return spot.group, f"moved to {new}", False
    f.attrs["fuzz"] = 1
    return "/", "unrelated attribute added", True


def _h5_swap(f, spot, rng):
    other = rng.choice(spot.datasets)
    a, b = f[spot.path][()], f[other][()]
    _rewrite(f, spot.path, b)
    _rewrite(f, other, a)
    return spot.path, f"swapped with {other}", other == spot.path


def _h5_resizable(f, spot, rng):
    values = f[spot.path][()]
    if np.ndim(values):  # a scalar cannot be chunked
        _rewrite(f, spot.path, values, maxshape=(None,) * np.ndim(values), chunks=True)
    return spot.path, "resizable", True


def _h5_hard_link(f, spot, rng):
    other = rng.choice([d for d in spot.datasets if d != spot.path] or [spot.path])
    target = f[other]
    if other != spot.path:
        del f[spot.path]
        f[spot.path] = target
    return spot.path, f"hard link to {other}", other == spot.path


H5_OPERATORS = [_h5_retype, _h5_retype, _h5_retype, _h5_reshape, _h5_reshape, _h5_remove,
                _h5_soft_link, _h5_external_link, _h5_external_storage, _h5_virtual,
                _h5_filters, _h5_shape_bomb, _h5_made_group, _h5_added, _h5_crowd,
                _h5_attribute, _h5_move, _h5_swap, _h5_resizable, _h5_hard_link]


# ---------------------------------------------------------------------------------------
# raw bytes

def bytes_mutant(data, kind, rng):
    data = bytearray(data)
    action = rng.randrange(6)
    if action == 0:
        flips = rng.choice([1, 4, 32])
        for _ in range(flips):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return Mutant(bytes(data), f"{flips} bit flips")
    if action == 1:
        at = rng.randrange(len(data))
        return Mutant(bytes(data[:at]), f"truncated at {at} of {len(data)}")
    if action == 2:
        return Mutant(bytes(data) + bytes(rng.randrange(256) for _ in range(64)),
                      "64 garbage bytes appended")
    if action == 3:
        at, n = rng.randrange(len(data)), rng.choice([8, 64, 512])
        data[at:at + n] = bytes(len(data[at:at + n]))
        return Mutant(bytes(data), f"{n} bytes zeroed at {at}")
    if action == 4:
        at = rng.randrange(len(data))
        data[at:at + 8] = rng.choice([b"\xff" * 8, struct.pack("<q", -1),
                                      struct.pack("<Q", 1 << 62)])[:len(data[at:at + 8])]
        return Mutant(bytes(data), f"8 bytes at {at} set to a huge number")
    if kind == "keras":  # flips inside the weights member, the archive rebuilt
        members = zip_members(bytes(data))
        inner = bytes_mutant(members[WEIGHTS], "h5", rng)
        members[WEIGHTS] = inner.data
        return Mutant(zip_bytes(members), f"weights member: {inner.description}")
    return Mutant(bytes(data[:len(data) // 2] * 2), "first half twice")


def mixed_mutant(data, kind, rng):
    """Two or three operators of different families, one after the other (a step the
    file no longer allows, as editing config.json after it was dropped, is left out)."""
    steps, neutral = [], True
    families = [f for f in FAMILY_KINDS if kind in FAMILY_KINDS[f] and f != "mixed"]
    for family in rng.sample(families, min(len(families), rng.choice([2, 3]))):
        try:
            mutant = FAMILIES[family](data, kind, rng)
        except Exception:  # noqa: BLE001  (the file is past what this operator edits)
            continue
        data, neutral = mutant.data, neutral and mutant.neutral
        steps.append(f"{family}: {mutant.description}")
    return Mutant(data, " | ".join(steps), neutral and bool(steps))


FAMILIES = {
    "config": config_mutant,
    "classes": classes_mutant,
    "graph": graph_mutant,
    "metadata": metadata_mutant,
    "zip": zip_mutant,
    "h5": h5_mutant,
    "bytes": bytes_mutant,
    "mixed": mixed_mutant,
}
KINDS = ("keras", "weights", "legacy", "legacy_weights")
# which families change which kind of file (the others have nothing of theirs to change)
FAMILY_KINDS = {"config": ("keras", "legacy"), "classes": ("keras", "legacy"),
                "graph": ("keras", "legacy"), "metadata": ("keras",),
                "zip": ("keras",), "h5": KINDS, "bytes": KINDS, "mixed": KINDS}
