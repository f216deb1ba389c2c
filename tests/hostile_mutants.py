"""Hostile files the structural mutator (tests/file_mutants.py) cannot reach: files
*made* hostile at the byte and format level, or configs naming code, for the file
fuzzer (tests/file_fuzz.py runs these families beside the structural ones).

  h5format   HDF5 below h5py's API: variable-length string descriptors declaring huge
             lengths, global heap references out of range, compression bombs written
             as raw chunks, huge chunk dimensions, filters (lzf, scale-offset,
             unknown ids), fill values, data addresses past the end of the file,
             user blocks (a zip inside), every superblock version, hard-link cycles,
             links and external storage on groups, attributes and weights of every
             dtype h5py can write (references, compound, enum, array, opaque,
             bitfield, float16, long double, big-endian, 3-byte integers, sequences)
  zipformat  zip below zipfile's API: ZIP64 records with lying sizes, data
             descriptors, central directory entries repeated, local headers
             disagreeing with the central directory, bzip2 / lzma members, names with
             NUL or backslashes, nested archives; JSON that is huge, deep, duplicated,
             out of range (1e999, 10**5000), NaN, not UTF-8 or with a BOM
  callables  every place a config names a function (activation, initializer,
             regularizer, constraint, loss, metric, optimizer, schedule, Lambda) given
             os.system, builtins.exec, pickle.loads, subprocess.Popen, importlib,
             kerasmini internals or `__lambda__` bytecode; each payload would create
             MARKER if it ever ran, which the fuzzer checks after every read

Like file_mutants, nothing here knows kerasmini: it only writes zip, JSON and HDF5.
"""
import base64
import io
import json
import marshal
import os
import struct
import tempfile
import zipfile
import zlib

import numpy as np

from tests.file_mutants import (CONFIG, WEIGHTS, Mutant, h5_edit, h5_objects,
                                zip_bytes, zip_members)

MARKER = os.path.join(tempfile.gettempdir(), f"kerasmini-code-ran-{os.getpid()}")


def _in_weights(data, kind, rng, family):
    """Apply the HDF5 family to a .keras archive's weights member."""
    members = zip_members(data)
    inner = family(members[WEIGHTS], "weights", rng)
    members[WEIGHTS] = inner.data
    return Mutant(zip_bytes(members), f"weights member: {inner.description}",
                  inner.neutral)


# ---------------------------------------------------------------------------------------
# HDF5 at the byte level

def _vlen_descriptors(data):
    """Offsets of (length u32, heap address u64, index u32) descriptors: every place
    the address of a global heap collection is stored (only descriptors point there)."""
    found, at = [], data.find(b"GCOL")
    while at >= 0:
        key, spot = struct.pack("<Q", at), data.find(struct.pack("<Q", at))
        while spot >= 0:
            if spot >= 4:
                found.append(spot - 4)
            spot = data.find(key, spot + 1)
        at = data.find(b"GCOL", at + 4)
    return found


def _patch_vlen(data, rng):
    spots = _vlen_descriptors(data)
    if not spots:
        return Mutant(bytes(data), "no variable-length descriptor (neutral)", True)
    data, at = bytearray(data), rng.choice(spots)
    field = rng.choice(["length", "length", "index", "address"])
    if field == "length":
        value = rng.choice([0xFFFFFFF0, 0x7FFFFFFF, 0x40000000, 3 << 28,
                            struct.unpack_from("<I", data, at)[0] + 1, 0])
        struct.pack_into("<I", data, at, value)
    elif field == "index":
        value = rng.choice([999, 0, 0xFFFFFFFF, 2])
        struct.pack_into("<I", data, at + 12, value)
    else:
        value = rng.choice([len(data) + 4096, 1 << 62, 0, 96])
        struct.pack_into("<Q", data, at + 4, value)
    return Mutant(bytes(data), f"vlen descriptor at {at}: {field} = {value}")


def _rebuilt(data, userblock=0, libver=None, prefix=b""):
    """The same HDF5 content written again (with a user block, or a format version)."""
    import h5py
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "r.h5")
        options = {"userblock_size": userblock} if userblock else {}
        if libver:
            options["libver"] = libver
        with h5py.File(io.BytesIO(data), "r") as src, h5py.File(path, "w", **options) as dst:
            for key, value in src.attrs.items():
                dst.attrs[key] = value
            for name in src:
                src.copy(src[name], dst, name=name)
        with open(path, "rb") as f:
            out = bytearray(f.read())
    out[:len(prefix)] = prefix[:userblock]
    return bytes(out)


_BOMBS = {}


def _zlib_zeros(megabytes):
    """A zlib stream (HDF5's deflate format) of `megabytes` MiB of zeros, made once
    without compressing gigabytes: after a full flush each MiB of zeros compresses to
    the same block, so the block is repeated; the checksum of n zeros is (n % 65521)
    << 16 | 1."""
    if megabytes not in _BOMBS:
        c, piece = zlib.compressobj(9, zlib.DEFLATED, -15), bytes(1 << 20)
        first = c.compress(piece) + c.flush(zlib.Z_FULL_FLUSH)
        block = c.compress(piece) + c.flush(zlib.Z_FULL_FLUSH)
        adler = ((megabytes << 20) % 65521) << 16 | 1
        _BOMBS[megabytes] = (b"\x78\xda" + first + block * (megabytes - 1) + c.flush()
                             + struct.pack(">I", adler))
    return _BOMBS[megabytes]


def _one_dataset(f, rng):
    datasets, _ = h5_objects(f)
    datasets = [d for d in datasets if f[d].ndim > 0] or datasets
    return rng.choice(datasets) if datasets else None


def _edit_dataset(data, rng, change):
    """change(f, path, values, rng) -> description[, neutral], on one dataset."""
    result = {}

    def edit(f):
        path = _one_dataset(f, rng)
        if path is None:
            result["m"] = ("no dataset (neutral)", True)
            return
        values = f[path][()]
        out = change(f, path, values, rng)
        out = out if isinstance(out, tuple) else (out, False)
        result["m"] = (f"{path}: {out[0]}", out[1])

    return Mutant(h5_edit(data, edit), *result["m"])


def _chunk_bomb(f, path, values, rng):
    """One chunk whose deflate stream inflates far beyond the chunk's size, or a chunk
    shape far beyond the dataset's (the honest stream then fills it)."""
    megabytes = rng.choice([64, 1024, 3072])
    shape = values.shape
    huge_chunk = rng.random() < 0.4 and values.ndim == 1
    del f[path]
    if huge_chunk:  # 1-D: a chunk of `megabytes` MiB for a few numbers
        chunk = ((megabytes << 20) // values.dtype.itemsize,)
        dataset = f.create_dataset(path, shape=shape, maxshape=(None,), chunks=chunk,
                                   dtype=values.dtype, compression="gzip")
    else:
        dataset = f.create_dataset(path, shape=shape, chunks=shape, dtype=values.dtype,
                                   compression="gzip")
    for size in (megabytes, 64, 1):  # an index whose size field is too narrow
        try:                            # for the biggest stream takes a smaller one
            dataset.id.write_direct_chunk((0,) * len(shape), _zlib_zeros(size))
            break
        except OSError:
            continue
    megabytes = size
    what = "chunk shape" if huge_chunk else "deflate bomb in a chunk"
    return f"{what}: {megabytes} MiB from {len(_zlib_zeros(megabytes))} bytes"


def _filters(f, path, values, rng):
    options = rng.choice([dict(compression="lzf"), dict(scaleoffset=3),
                          dict(compression="gzip", shuffle=True, fletcher32=True),
                          dict(compression=32123, allow_unknown_filter=True),
                          dict(compression="gzip", compression_opts=9)])
    del f[path]
    if options.get("allow_unknown_filter"):
        dataset = f.create_dataset(path, shape=values.shape, dtype=values.dtype,
                                   chunks=values.shape, **options)
        dataset.id.write_direct_chunk((0,) * values.ndim, values.tobytes())
    else:
        f.create_dataset(path, data=values, chunks=values.shape, **options)
    neutral = "scaleoffset" not in options and "compression" in options \
        and options["compression"] in ("lzf", "gzip")
    return f"filters {sorted(options)}", neutral


def _fill_value(f, path, values, rng):
    fill = rng.choice([0.0, 7.0, np.nan])
    del f[path]
    f.create_dataset(path, shape=values.shape, dtype=values.dtype, fillvalue=fill,
                     chunks=values.shape if rng.random() < 0.5 else None)
    return f"never written, fill value {fill}"


def _odd_dataset(f, path, values, rng):
    """The weight rewritten in an HDF5 type NumPy lacks or maps loosely: a 3-byte
    integer, a bitfield, long double, enum, opaque, big-endian float16."""
    import h5py
    kind = rng.choice(["3-byte ints", "bitfield", "long double", "enum", "opaque",
                       "big-endian float16"])
    del f[path]
    if kind in ("3-byte ints", "bitfield"):
        file_type = h5py.h5t.STD_B32LE.copy() if kind == "bitfield" else \
            h5py.h5t.STD_I32LE.copy()
        if kind == "3-byte ints":
            file_type.set_size(3)
        space = h5py.h5s.create_simple(values.shape) if values.ndim else \
            h5py.h5s.create(h5py.h5s.SCALAR)
        h5py.h5d.create(f.id, path.encode(), file_type, space)
    elif kind == "enum":
        f.create_dataset(path, data=np.zeros(values.shape, "i1"),
                         dtype=h5py.enum_dtype({"a": 0}, basetype="i1"))
    elif kind == "opaque":
        f.create_dataset(path, data=np.zeros(values.shape, "V4"))
    else:
        dtype = np.longdouble if kind == "long double" else ">f2"
        f.create_dataset(path, data=values.astype(dtype))
    return f"rewritten as {kind}", kind == "long double"


def _address_past_eof(f, path, values, rng):
    """Marks the dataset; the address itself is patched in the bytes afterwards."""
    f[path].attrs["__patch_address__"] = 1
    return "data address past the end of the file"


def _patch_address(data, rng):
    import h5py
    with h5py.File(io.BytesIO(data), "r") as f:
        offsets = []
        f.visititems(lambda n, o: offsets.append(o.id.get_offset())
                     if isinstance(o, h5py.Dataset) and "__patch_address__" in o.attrs
                     else None)
    data = bytearray(data)
    for offset in [o for o in offsets if o]:
        at = data.find(struct.pack("<Q", offset))
        if at >= 0:
            struct.pack_into("<Q", data, at, rng.choice([len(data) + 8, 1 << 40,
                                                         len(data) - 4]))
    return bytes(data)


def _group_links(f, rng):
    import h5py
    _, groups = h5_objects(f)
    groups = [g for g in groups if g != "/"] or ["/"]
    group = rng.choice(groups)
    parent = group.rsplit("/", 1)[0] or "/"
    how = rng.choice(["cycle", "soft", "external", "self cycle"])
    if how == "cycle":
        f[group]["loop"] = f[parent]
    elif how == "self cycle":
        f[group]["self"] = f[group]
    elif group != "/":
        del f[group]
        f[group] = (h5py.SoftLink(parent) if how == "soft"
                    else h5py.ExternalLink(rng.choice(["/etc/passwd", "x.h5"]), "/"))
    return f"{group}: {how} link"


def _odd_attribute(rng):
    """(description, value or (dtype, value)) of an attribute dtype h5py can write."""
    import h5py
    choice = rng.randrange(13)
    if choice == 0:
        return "compound", np.zeros(2, dtype=[("a", "<f4"), ("b", "S3")])
    if choice == 1:
        return "enum", (h5py.enum_dtype({"A": 0, "B": 1}, basetype="i1"),
                        np.array([0, 1], "i1"))
    if choice == 2:
        return "array dtype", (np.dtype(("<f8", (2, 3))), np.zeros(2, ("<f8", (2, 3))))
    if choice == 3:
        return "opaque", np.void(b"\x00\x01\x02\x03")
    if choice == 4:
        return "float16", np.arange(3, dtype="<f2")
    if choice == 5:
        return "long double", np.arange(3, dtype=np.longdouble)
    if choice == 6:
        return "big-endian", np.arange(3, dtype=">i8")
    if choice == 7:
        return "vlen ints", (h5py.vlen_dtype("<i4"), np.array([np.arange(3), np.arange(2)],
                                                              dtype=object))
    if choice == 8:
        return "bitfield", "BITFIELD"
    if choice == 9:
        return "3-byte ints", "INT24"
    if choice == 10:
        return "object reference", "REF"
    if choice == 11:
        return "region reference", "REGIONREF"
    return "bool", np.array([True, False])


def _set_odd_attribute(f, node, key, value):
    import h5py
    if key in node.attrs:
        del node.attrs[key]
    if isinstance(value, str):
        space = h5py.h5s.create_simple((2,))
        if value in ("REF", "REGIONREF"):
            dtype = h5py.ref_dtype if value == "REF" else h5py.regionref_dtype
            target = f["/"] if value == "REF" else None
            if target is None:
                datasets, _ = h5_objects(f)
                if not datasets:
                    node.attrs[key] = np.array([f["/"].ref] * 2, dtype=h5py.ref_dtype)
                    return
                target = f[datasets[0]].regionref[()]
                node.attrs.create(key, [target, target], dtype=dtype)
                return
            node.attrs.create(key, [target.ref, target.ref], dtype=dtype)
            return
        if value == "BITFIELD":
            file_type = h5py.h5t.STD_B16LE
        else:
            file_type = h5py.h5t.STD_I32LE.copy()
            file_type.set_size(3)
        attr = h5py.h5a.create(node.id, key.encode(), file_type, space)
        attr.write(np.array([1, 2], "<u2"), mtype=h5py.h5t.STD_U16LE)
        return
    if isinstance(value, tuple):
        dtype, array = value
        node.attrs.create(key, array, dtype=dtype)
        return
    node.attrs[key] = value


def _attributes(f, rng):
    _, groups = h5_objects(f)
    datasets, _ = h5_objects(f)
    path = rng.choice(groups + datasets)
    key = rng.choice(["name", "layer_names", "weight_names", "model_config",
                      "training_config", "keras_version", "backend", "other"])
    what, value = _odd_attribute(rng)
    _set_odd_attribute(f, f[path], key, value)
    return f"{path}@{key}: {what} attribute"


def _structure(rng):
    def edit(f):
        how = rng.random()
        edit.description = _group_links(f, rng) if how < 0.35 else _attributes(f, rng)
    return edit


def h5format_mutant(data, kind, rng):
    if kind == "keras":
        return _in_weights(data, kind, rng, h5format_mutant)
    action = rng.randrange(11)
    if action in (0, 1):
        return _patch_vlen(data, rng)
    if action == 10:
        return _edit_dataset(data, rng, _odd_dataset)
    if action == 2:
        return _edit_dataset(data, rng, _chunk_bomb)
    if action == 3:
        return _edit_dataset(data, rng, _filters)
    if action == 4:
        return _edit_dataset(data, rng, _fill_value)
    if action == 5:
        mutant = _edit_dataset(data, rng, _address_past_eof)
        return Mutant(_patch_address(mutant.data, rng), mutant.description)
    if action == 6:
        libver = rng.choice(["earliest", "v108", "v110", "v112", "v114", "latest"])
        try:
            out = _rebuilt(data, libver=(libver, "latest"))
        except Exception:  # noqa: BLE001  (an h5py without this version)
            out = _rebuilt(data, libver=("earliest", "latest"))
        return Mutant(out, f"rewritten with libver {libver}", True)
    if action == 7:
        prefix = rng.choice([zip_bytes({CONFIG: b'{"class_name": "Evil"}'}),
                             b"\x89HDF\r\n\x1a\n" + bytes(100), bytes(range(256)) * 2])
        return Mutant(_rebuilt(data, userblock=512, prefix=prefix),  # a signature in
                      f"user block of 512 bytes ({prefix[:8]!r}...)",  # it is a lie
                      not prefix.startswith(b"\x89HDF"))
    edit = _structure(rng)
    return Mutant(h5_edit(data, edit), edit.description)


# ---------------------------------------------------------------------------------------
# zip and JSON at the byte level

def _central_records(data):
    """[(offset of a PK\\1\\2 record, name)] of an archive's central directory."""
    records, at = [], data.find(b"PK\x01\x02")
    while at >= 0:
        n = struct.unpack_from("<H", data, at + 28)[0]
        records.append((at, bytes(data[at + 46:at + 46 + n])))
        at = data.find(b"PK\x01\x02", at + 4)
    return records


def _eocd(data):
    return data.rfind(b"PK\x05\x06")


def _repeat_central_entry(data, rng):
    """The central directory lists one member twice (same name, same data)."""
    data = bytearray(data)
    records, end = _central_records(data), _eocd(data)
    at, name = rng.choice(records)
    n, m, k = struct.unpack_from("<HHH", data, at + 28)
    record = bytes(data[at:at + 46 + n + m + k])
    data[end:end] = record
    end += len(record)
    count = struct.unpack_from("<H", data, end + 10)[0] + 1
    struct.pack_into("<HH", data, end + 8, count, count)
    size = struct.unpack_from("<I", data, end + 12)[0] + len(record)
    struct.pack_into("<I", data, end + 12, size)
    return Mutant(bytes(data), f"central directory lists {name!r} twice")


def _local_disagrees(data, rng):
    data = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = rng.choice(zf.infolist())
    at = info.header_offset
    field = rng.choice(["name", "size", "method", "flags"])
    if field == "name":
        n = struct.unpack_from("<H", data, at + 26)[0]
        data[at + 30:at + 30 + n] = bytes(data[at + 30:at + 30 + n]).swapcase()
    elif field == "size":
        struct.pack_into("<I", data, at + 18, rng.choice([0, 1, 0xFFFFFFFF]))
    elif field == "method":
        struct.pack_into("<H", data, at + 8, 8)
    else:
        struct.pack_into("<H", data, at + 6, 0x8)
    return Mutant(bytes(data), f"local header of {info.filename} disagrees: {field}")


class _Unseekable(io.RawIOBase):
    """A write-only stream without tell/seek: zipfile then writes data descriptors."""

    def __init__(self):
        self.out = io.BytesIO()

    def writable(self):
        return True

    def write(self, b):
        return self.out.write(b)


def _data_descriptors(members):
    stream = _Unseekable()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, payload in members.items():
            with zf.open(name, "w") as member:
                member.write(payload)
    return stream.out.getvalue()


def zip64_bytes(members):
    """Every member written with ZIP64 extra fields (both local sizes 0xFFFFFFFF)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, payload in members.items():
            with zf.open(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), "w",
                         force_zip64=True) as member:
                member.write(payload)
    return out.getvalue()


def _zip64_lies(members, rng):
    """Every member with ZIP64 extra fields, then one size in them made to lie."""
    data = bytearray(zip64_bytes(members))
    lie = rng.choice([1 << 40, 1 << 33, 0, 1])
    spots = [i for i in range(len(data) - 4) if data[i:i + 4] == b"\x01\x00\x10\x00"]
    if spots:  # the ZIP64 extra block: tag 1, length 16, then two u64 sizes
        at = rng.choice(spots)
        struct.pack_into("<Q", data, at + 4 + 8 * rng.randrange(2), lie)
    return Mutant(bytes(data), f"ZIP64 extra field says {lie} bytes")


def _nested(members, rng):
    inner = zip_bytes(members)
    target = rng.choice([WEIGHTS, CONFIG, "assets/model.keras"])
    return Mutant(zip_bytes({**members, target: inner}), f"a .keras archive as {target}")


def _odd_names(members, rng):
    name = rng.choice(sorted(members))
    new = rng.choice([name + "\x00.txt", "x\x00" + name, name.replace(".", "\\."),
                      "assets\\..\\..\\evil", "\\" + name, name + "/", "./" + name,
                      name.upper()])
    extra = rng.random() < 0.5
    out = dict(members) if extra else {k: v for k, v in members.items() if k != name}
    out[new] = members[name] if not extra else b"{}"
    return Mutant(zip_bytes(out), f"member {name!r} {'plus' if extra else 'as'} {new!r}")


def _compressions(members, rng):
    method = rng.choice([zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, zipfile.ZIP_DEFLATED])
    return Mutant(zip_bytes(members, compression=method), f"members in method {method}",
                  True)


def _json_text(members, rng):
    """config.json rewritten: huge, deep, duplicated keys, numbers out of range, NaN,
    not UTF-8, a BOM; the JSON otherwise the same."""
    text = members[CONFIG].decode()
    tree = json.loads(text)
    choice = rng.randrange(12)
    neutral = False
    if choice == 0:
        size = rng.choice([8 << 20, 60 << 20])
        unit = rng.choice([b"{},", b"[],", b'"ab",', b"0.5,", b"1,"])
        body = unit * (size // len(unit))
        raw = b'{"padding": [' + body[:-1] + b"], " + text.encode()[1:]
        what = f"{size >> 20} MiB of {unit!r}"
    elif choice == 1:
        depth = rng.choice([10_000, 200_000])
        raw = b'{"a": ' * depth + b"1" + b"}" * depth
        what = f"objects nested {depth} deep"
    elif choice == 2:
        raw = text.replace('"class_name": "', '"class_name": "Evil", "class_name": "',
                           1).encode()
        what, neutral = "a duplicate class_name key (the second wins)", False
    elif choice == 3:
        raw = text.replace('"units": ', '"units": 1, "units": ', 1).encode()
        what = "a duplicate units key"
    elif choice == 4:
        literal = rng.choice(["1e999", "-1e999", "1" + "0" * 5000, "1e-999", "-0",
                              "123456789012345678901234567890"])
        key = rng.choice(["units", "rate", "filters", "axis", "momentum", "epsilon"])
        raw = _replace_value(text, key, literal)
        what = f"{key}: {literal[:12]}"
    elif choice == 5:
        key, literal = (rng.choice(["units", "rate", "epsilon", "momentum"]),
                        rng.choice(["NaN", "Infinity", "-Infinity"]))
        raw = _replace_value(text, key, literal)
        what = f"{key}: {literal}"
    elif choice == 6:
        raw = b"\xef\xbb\xbf" + text.encode()
        what = "a UTF-8 BOM"
    elif choice == 7:
        raw = text.encode("utf-16")
        what, neutral = "UTF-16 with a BOM", False
    elif choice == 8:
        raw = text.encode().replace(b'"name": "', b'"name": "\xff\xfe', 1)
        what = "a name with bytes that are not UTF-8"
    elif choice == 9:
        raw = text.replace('"name": "', '"name": "\\ud800', 1).encode()
        what = "a name with a lone surrogate"
    elif choice == 10:
        raw = json.dumps(tree, indent=rng.choice([None, 2])).encode() + b"\n\n"
        what, neutral = "re-indented", True
    else:
        raw = text.encode() + rng.choice([b" {}", b"\x00", b"garbage"])
        what = "trailing data after the JSON"
    members = {**members, CONFIG: raw}
    neutral = neutral or raw == text.encode()  # the key is not in this config
    method = zipfile.ZIP_STORED if choice == 0 else zipfile.ZIP_DEFLATED  # not a bomb
    return Mutant(zip_bytes(members, compression=method), what, neutral)


def _replace_value(text, key, literal):
    at = text.find(f'"{key}": ')
    if at < 0:
        return text.encode()
    start = at + len(key) + 4
    end = start
    while end < len(text) and text[end] not in ",}]":
        end += 1
    return (text[:start] + literal + text[end:]).encode()


def zipformat_mutant(data, kind, rng):
    if kind != "keras":
        return h5format_mutant(data, kind, rng)
    members = zip_members(data)
    action = rng.randrange(10)
    if action == 0:
        return _repeat_central_entry(data, rng)
    if action == 1:
        return _local_disagrees(data, rng)
    if action == 2:
        return Mutant(_data_descriptors(members), "members with data descriptors", True)
    if action == 3:
        return _zip64_lies(members, rng)
    if action == 4:
        return _nested(members, rng)
    if action == 5:
        return _odd_names(members, rng)
    if action == 6:
        return _compressions(members, rng)
    if action == 7:  # an HDF5 file in front of the archive: both formats at once
        return Mutant(members[WEIGHTS] + data, "an HDF5 file prepended to the archive",
                      True)
    return _json_text(members, rng)


# ---------------------------------------------------------------------------------------
# configs naming code

def _marker_code():
    """Bytecode of `lambda x: open(MARKER, 'w') and x`, as Keras stores a lambda."""
    code = compile(f"lambda x: open({MARKER!r}, 'w') and x", "<hostile>", "eval")
    function_code = next(c for c in code.co_consts if hasattr(c, "co_code"))
    return base64.b64encode(marshal.dumps(function_code)).decode("ascii")


def payloads():
    """(description, value) of each way a config may name code."""
    touch = f"open({MARKER!r}, 'w')"
    return [
        ("os.system string", "os.system"),
        ("builtins.eval string", "builtins.eval"),
        ("function os.system", {"class_name": "function", "config": "system",
                                "module": "os", "registered_name": "function"}),
        ("builtins.exec", {"class_name": "exec", "module": "builtins",
                           "config": {"source": touch}, "registered_name": "exec"}),
        ("builtins>exec", {"class_name": "builtins>exec", "config": touch}),
        ("__lambda__", {"class_name": "__lambda__", "config": {
            "code": _marker_code(), "defaults": None, "closure": None}}),
        ("pickle.loads", {"class_name": "loads", "module": "pickle",
                          "config": {"data": base64.b64encode(b"cos\nsystem\n.").decode()}}),
        ("numpy.load", {"class_name": "load", "module": "numpy",
                        "config": {"file": MARKER, "allow_pickle": True}}),
        ("subprocess.Popen", {"class_name": "Popen", "module": "subprocess",
                              "config": {"args": ["touch", MARKER]}}),
        ("importlib", {"class_name": "import_module", "module": "importlib",
                       "config": {"name": "this"}}),
        ("kerasmini internal", {"class_name": "save_model",
                                "module": "kerasmini.saving.saving_lib",
                                "config": {"filepath": MARKER}}),
        ("kerasmini Variable", {"class_name": "Variable", "module": "kerasmini.variables",
                                "config": {"initializer": 1}}),
        ("dunder", {"class_name": "__class__", "config": {}}),
        ("shared object", {"class_name": "__passive_serialization__",
                           "shared_object_id": 1, "config": {}}),
        ("typing.Callable", {"class_name": "Callable", "module": "typing", "config": {}}),
    ]


SLOTS = ["activation", "recurrent_activation", "kernel_initializer", "bias_initializer",
         "kernel_regularizer", "activity_regularizer", "kernel_constraint",
         "bias_constraint", "beta_initializer", "dtype"]
COMPILE_SLOTS = ["loss", "metrics", "optimizer", "learning_rate", "weighted_metrics",
                 "loss_weights"]


def _layer_configs(tree):
    """Every layer config dict of a model config, nested models and wrappers included."""
    found, stack = [], [tree]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if isinstance(value.get("config"), dict) and "class_name" in value:
                found.append(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


def _name_code(tree, rng):
    what, payload = rng.choice(payloads())
    where = rng.random()
    layers = [c for c in _layer_configs(tree) if c.get("class_name") not in (
        "Sequential", "Functional", "Model", "InputLayer")]
    if where < 0.2 and layers:  # the layer itself becomes a Lambda calling the payload
        layer = rng.choice(layers)
        layer["class_name"], layer["module"] = "Lambda", "keras.layers"
        layer["registered_name"] = None
        layer["config"] = {"name": layer["config"].get("name", "lambda"),
                           "function": payload, "arguments": {}, "trainable": True}
        return tree, f"{layer['config']['name']}: Lambda of {what}"
    if where < 0.4 and layers:  # the layer class itself
        layer = rng.choice(layers)
        layer.update({k: v for k, v in payload.items() if k != "config"}
                     if isinstance(payload, dict) else
                     {"class_name": payload.rsplit(".", 1)[-1],
                      "module": payload.rsplit(".", 1)[0]})
        return tree, f"{layer['config'].get('name')}: class {what}"
    if where < 0.6:
        compile_config = tree.setdefault("compile_config", {}) or {}
        tree["compile_config"] = compile_config
        slot = rng.choice(COMPILE_SLOTS)
        if slot == "learning_rate":
            optimizer = compile_config.get("optimizer")
            if not isinstance(optimizer, dict):
                optimizer = compile_config["optimizer"] = {
                    "class_name": "Adam", "module": "keras.optimizers",
                    "config": {"learning_rate": 0.001}, "registered_name": None}
            optimizer.setdefault("config", {})["learning_rate"] = payload
        else:
            compile_config[slot] = [payload] if slot.endswith("metrics") else payload
        return tree, f"compile_config {slot}: {what}"
    if not layers:
        return tree, "no layer to change (neutral)"
    layer = rng.choice(layers)
    slot = rng.choice(SLOTS)
    layer["config"][slot] = payload
    return tree, f"{layer['config'].get('name')}.{slot}: {what}"


def callables_mutant(data, kind, rng):
    from tests.file_mutants import _with_json
    return _with_json(data, kind, rng, _name_code)


FAMILIES = {"h5format": h5format_mutant, "zipformat": zipformat_mutant,
            "callables": callables_mutant}
FAMILY_KINDS = {"h5format": ("keras", "weights", "legacy", "legacy_weights"),
                "zipformat": ("keras",), "callables": ("keras", "legacy")}
