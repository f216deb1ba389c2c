"""Reading untrusted files: the guards every reader in saving/ goes through.

A model file is data from a stranger. What it may make kerasmini do is bounded here,
in one place, before anything is read or allocated:

  zip members   `read_member`: the declared size is checked against a cap and against
                the bytes stored (a decompression bomb declares far more than it
                stores), then the member is streamed with the cap enforced on what
                actually comes out, whatever the header said.
  HDF5 paths    `h5_group` / `h5_dataset`: every component of a path must be a hard
                link to an object inside this file; soft and external links are
                refused, and a dataset must be a plain contiguous or chunked array
                stored in this file (no external raw storage, no virtual dataset).
  HDF5 data     `read_dataset`: dtype, shape, declared size and chunk size are compared
                with what the caller expects *before* a byte of data is read; filters
                are deflate, shuffle and fletcher32 only, and each deflate chunk is
                inflated here first with its output capped at the chunk's size.

Every refusal is an `UnsafeFileError` (a ValueError, as tf.keras raises) naming the
member or dataset. The caps are module constants so tests can shrink them.
"""
import collections
import contextlib
import io
import json
import math
import mmap
import os
import re
import stat
import struct
import weakref
import zipfile
import zlib

import numpy as np

from kerasmini.saving import h5_headers

MAX_MEMBER_BYTES = 1 << 32        # no archive member above 4 GiB is read
MAX_MEMBERS = 1000                # members of one archive (Keras writes 3 + assets)
MAX_CONFIG_BYTES = 64 << 20       # config.json / metadata.json: 64 MiB is plenty
BOMB_FLOOR_BYTES = 1 << 20        # below this, any compression ratio is harmless
MAX_ZIP_EXPANSION = 100           # Keras stores members; deflate of real data < 100x
MAX_H5_EXPANSION = 1000           # a dataset stored in far fewer bytes than it declares
READ_PIECE_BYTES = 1 << 20        # members are streamed in pieces of this size
MAX_CONFIG_VALUES = 1_000_000   # JSON values (counted by their commas and brackets)
MAX_CONFIG_DEPTH = 200            # JSON nesting; a real config nests < 10 per model level
MAX_H5_MEMBERS = 100_000          # members of one HDF5 group, counted before listing
MAX_ATTRIBUTE_ELEMENTS = 1 << 20  # values in one HDF5 attribute, counted before reading
MAX_H5_CHUNKS = 100_000          # stored chunks of one dataset, checked one by one
NUMERIC_KINDS = "biuf"            # bool, signed, unsigned, float: what a weight can be
# HDF5 filters whose output kerasmini bounds itself (deflate) or that keep the size
# (shuffle, fletcher32); libhdf5's deflate grows its buffer for as long as the stream
# inflates, lzf and scale-offset size theirs from parameters the file declares
DEFLATE, SHUFFLE, FLETCHER32 = 1, 2, 3
CHECKED_FILTERS = (DEFLATE, SHUFFLE, FLETCHER32)
ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
# what zipfile and its decompressors raise on a corrupt member (zlib.error, bz2's
# OSError, lzma.LZMAError, a truncated stream's EOFError)
try:
    from lzma import LZMAError
except ImportError:  # a Python built without lzma: zipfile then refuses such members
    LZMAError = OSError
ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, LZMAError, OSError, EOFError,
                   NotImplementedError, RuntimeError)


class FileFormatError(ValueError):
    """A model file that is missing a member, corrupt or not what it claims to be."""


class UnsafeFileError(FileFormatError):
    """A file that asks for something kerasmini never does: follow a link out of the
    file, read external storage, or allocate far more than the file holds."""


def h5py_module():
    try:  # lazy: h5py is optional, needed only for weight files
        import h5py
    except ImportError:
        raise ImportError('Reading and writing Keras weight files needs h5py: '
                          'pip install "kerasmini[h5]"') from None
    return h5py


# ---------------------------------------------------------------------------------------
# zip archives

def read_member(archive, name, max_bytes, where):
    """The bytes of the member `name` of an open ZipFile, at most `max_bytes` of them."""
    info = archive.getinfo(name)
    declared, stored = info.file_size, info.compress_size
    if declared > max_bytes:
        raise UnsafeFileError(f"Not allowed: the member '{name}' of {where} declares "
                              f"{declared} bytes, more than the limit of {max_bytes}.")
    if declared > BOMB_FLOOR_BYTES and declared > MAX_ZIP_EXPANSION * stored:
        raise UnsafeFileError(
            f"Not allowed: the member '{name}' of {where} declares {declared} bytes but "
            f"stores only {stored}; refusing a potential decompression bomb.")
    _check_readable(info, where)
    _check_local_header(archive, info, where)
    out, total = io.BytesIO(), 0
    try:
        with archive.open(info) as member:
            while piece := member.read(READ_PIECE_BYTES):
                total += len(piece)
                if total > min(declared, max_bytes):  # the header lied: stop at once
                    raise UnsafeFileError(f"Not allowed: the member '{name}' of {where} "
                                          f"inflates beyond the {declared} bytes it "
                                          "declares.")
                out.write(piece)
    except ZIP_READ_ERRORS as error:  # a bad CRC, a corrupt stream, a lying header
        raise FileFormatError(f"The member '{name}' of {where} is corrupt: "
                              f"{type(error).__name__}: {error}") from error
    return out.getvalue()


def _check_readable(info, where):
    """Refuse, naming the member, what zipfile would fail on in its own words: an
    encrypted member, or a compression method other than zipfile's four."""
    if info.flag_bits & 0x1:
        raise FileFormatError(f"The member '{info.filename}' of {where} is encrypted; "
                              "Keras never encrypts a model file.")
    if info.compress_type not in ZIP_METHODS:
        raise FileFormatError(f"The member '{info.filename}' of {where} is compressed "
                              f"with method {info.compress_type}; only stored, deflate, "
                              "bzip2 and lzma members can be read.")


def _check_local_header(archive, info, where):
    """Refuse a member whose local header disagrees with the central directory on its
    compression method, sizes or CRC: zipfile reads by the directory, tools that stream
    an archive by the local headers, and the two must read the same bytes."""
    archive.fp.seek(info.header_offset)
    header = archive.fp.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise FileFormatError(f"The member '{info.filename}' of {where} has no local "
                              "header where the central directory says it starts.")
    flags, method = struct.unpack_from("<HH", header, 6)
    local = struct.unpack_from("<III", header, 14)  # crc, stored size, size
    central = (info.CRC, info.compress_size, info.file_size)
    sizes_here = not flags & 0x8 and 0xFFFFFFFF not in local[1:]  # else: descriptor/ZIP64
    if method != info.compress_type or (sizes_here and local != central):
        raise UnsafeFileError(
            f"Not allowed: the local header of the member '{info.filename}' of {where} "
            f"says method {method}, (crc, stored, size) {local}; the central directory "
            f"says method {info.compress_type}, {central}.")


def check_members(archive, where):
    """Refuse an archive whose member list is ambiguous or points outside it: more than
    MAX_MEMBERS members, two members of one name (readers disagree on which is read),
    absolute names, names with '..', symbolic links. Nothing is ever extracted, but a
    file kerasmini accepts must be safe for any tool that does."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise UnsafeFileError(f"Not allowed: {where} has {len(infos)} members "
                              f"(limit {MAX_MEMBERS}).")
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise UnsafeFileError(f"Not allowed: {where} holds two members named {twice}.")
    for info in infos:
        name, parts = info.filename, info.filename.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
            raise UnsafeFileError(f"Not allowed: {where} has a member with an absolute "
                                  f"path: '{name}'.")
        if ".." in parts:
            raise UnsafeFileError(f"Not allowed: {where} has a member whose path escapes "
                                  f"the archive folder: '{name}'.")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UnsafeFileError(f"Not allowed: the member '{name}' of {where} is a "
                                  "symbolic link.")
    return infos


def open_archive(filepath):
    """An open ZipFile, or FileFormatError if the file is not a zip archive."""
    if not zipfile.is_zipfile(filepath):
        raise FileFormatError(f"{filepath} is not a valid `.keras` file: it is not a zip "
                              "archive.")
    try:
        return zipfile.ZipFile(filepath)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, struct.error) as error:
        raise FileFormatError(f"{filepath} is a corrupt `.keras` archive: "
                              f"{type(error).__name__}: {error}") from error


def parse_json_object(text, where):
    """A JSON object from untrusted text: bad JSON, nesting deep enough to exhaust the
    parser's recursion, more values than a config holds, a key given twice in one
    object, or anything but an object is a FileFormatError."""
    marks = sum(text.count(c) for c in ((b",", b"[", b"{") if isinstance(text, bytes)
                                       else (",", "[", "{")))
    if marks > MAX_CONFIG_VALUES:  # a value costs the parser up to 25x its bytes
        raise UnsafeFileError(f"Not allowed: {where} holds about {marks} JSON values, "
                              f"more than the limit of {MAX_CONFIG_VALUES} (the largest "
                              "Keras application's config holds about 50,000).")
    try:
        value = json.loads(text, object_pairs_hook=lambda pairs: _unique(pairs, where))
    except RecursionError:
        raise FileFormatError(f"{where} nests JSON too deeply to be a Keras config.") from None
    except FileFormatError:
        raise
    except (ValueError, UnicodeDecodeError) as error:
        raise FileFormatError(f"{where} is not valid JSON: {error}") from error
    if not isinstance(value, dict):
        raise FileFormatError(f"{where} must hold a JSON object, not "
                              f"{type(value).__name__}.")
    check_depth(value, where)
    return value


def _unique(pairs, where):
    """A JSON object's dict, refusing a key given twice: Python keeps the last, other
    readers the first, and a file must mean one thing to every reader."""
    value = dict(pairs)
    if len(value) != len(pairs):
        twice = sorted(k for k, n in collections.Counter(k for k, _ in pairs).items()
                       if n > 1)
        raise FileFormatError(f"{where} gives the key(s) {twice[:5]} twice in one "
                              "object; a JSON object's keys are unique.")
    return value


def check_depth(value, where):
    """Refuse a config nested deeper than MAX_CONFIG_DEPTH (walked without recursion),
    so that no reader recursing through it can hit Python's recursion limit."""
    level, depth, limit = [value], 0, MAX_CONFIG_DEPTH
    while level:
        depth += 1
        if depth > limit:
            raise FileFormatError(f"{where} nests its config more than {limit} levels "
                                  "deep; a Keras config never does.")
        level = [item for v in level if isinstance(v, (dict, list))
                 for item in (v.values() if isinstance(v, dict) else v)]


# ---------------------------------------------------------------------------------------
# HDF5

def open_h5(source, where):
    """An h5py.File opened read-only, or FileFormatError if it is not HDF5 (or holds a
    global heap libhdf5 would loop on: `check_global_heaps`)."""
    h5py = h5py_module()
    with _file_bytes(source) as data:
        check_global_heaps(data, where)
    try:
        f = h5py.File(source, "r")
    except (OSError, ValueError) as error:
        raise FileFormatError(f"{where} is not a readable HDF5 file: {error}") from error
    try:
        _remember_source(h5py.h5o.get_info(f.id).fileno, source)
    except (OSError, RuntimeError, KeyError, ValueError) as error:
        f.close()
        raise FileFormatError(f"{where} is corrupt: {error}") from error
    return f


# the bytes behind each open file, by libhdf5's file number (never reused in a process),
# for reading attribute headers (`_check_variable_lengths`); a BytesIO held weakly
_SOURCES = {}
MAX_SOURCES = 64


def _remember_source(fileno, source):
    _SOURCES[fileno] = weakref.ref(source) if isinstance(source, io.BytesIO) else source
    while len(_SOURCES) > MAX_SOURCES:
        del _SOURCES[next(iter(_SOURCES))]


@contextlib.contextmanager
def _file_bytes(source):
    """The bytes of a path (mapped, not read) or of a BytesIO, for scanning."""
    if isinstance(source, io.BytesIO):
        with source.getbuffer() as view:
            yield view
        return
    with open(source, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            yield b""
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            yield mapped


def check_global_heaps(data, where):
    """Refuse a file whose global heap collections (where HDF5 keeps variable-length
    strings, as Keras's `name` attributes and model configs) libhdf5 cannot walk.
    libhdf5 steps from object to object by each one's declared size: a size of 0 never
    moves on and it loops forever, in C, where no time limit reaches it. So each
    collection ("GCOL", version 1) is walked here first, as libhdf5 walks it."""
    for match in re.finditer(b"GCOL\x01\x00\x00\x00", data):
        start = match.start()
        end = start + int.from_bytes(data[start + 8:start + 16], "little")
        at = start + 16
        while at + 16 <= min(end, len(data)):
            index = int.from_bytes(data[at:at + 2], "little")
            size = int.from_bytes(data[at + 8:at + 16], "little")
            step = 16 + (size + 7) // 8 * 8 if index else size
            if step == 0 or at + step > end:
                raise FileFormatError(
                    f"{where} is corrupt: object {index} of the HDF5 global heap at byte "
                    f"{start} declares {size} bytes, which "
                    f"{'never ends' if step == 0 else 'runs past its collection'}.")
            at += step


def _hard_link_target(parent, name, where):
    """parent[name] if `name` is a hard link inside the file; refuse any other link."""
    h5py = h5py_module()
    try:
        link = parent.get(name, getlink=True)
    except (UnicodeError, ValueError, TypeError) as error:  # a name HDF5 cannot hold
        raise FileFormatError(f"{where} names an object {name!r} in "
                              f"'{parent.name}' that cannot be looked up: {error}") from error
    if link is None:
        return None
    if not isinstance(link, h5py.HardLink):
        raise UnsafeFileError(f"Not allowed: '{_join(parent.name, name)}' in {where} is "
                              f"a {type(link).__name__}; only objects stored inside the "
                              "file are read.")
    return parent[name]


def _join(path, name):
    return f"{path.rstrip('/')}/{name}"


def h5_group(parent, path, where):
    """The group at `path` below `parent` (None if absent), through hard links only."""
    h5py = h5py_module()
    node = parent
    for part in path.strip("/").split("/"):
        node = _hard_link_target(node, part, where)
        if node is None:
            return None
        if not isinstance(node, h5py.Group):
            raise FileFormatError(f"'{node.name}' in {where} should be a group, but it is "
                                  f"a {type(node).__name__}.")
    return node


def h5_items(group, where):
    """(name, object) for each member of `group`, hard links only (as h5_group); the
    members are counted (one header read) before any is listed."""
    if len(group) > MAX_H5_MEMBERS:
        raise UnsafeFileError(f"Not allowed: the group '{group.name}' in {where} has "
                              f"{len(group)} members (limit {MAX_H5_MEMBERS}).")
    items = [(name, _hard_link_target(group, name, where)) for name in group]
    missing = [name for name, node in items if node is None]
    if missing:  # listed by the group's index, absent from its links: corrupt
        raise FileFormatError(f"{where} is corrupt: the group '{group.name}' lists "
                              f"{missing[:3]} but holds no such member.")
    return items


def read_attribute(attrs, key, where, default=None, max_bytes=MAX_CONFIG_BYTES):
    """The attribute `key` (default if absent), its size checked from its header
    before its value is read."""
    if key not in attrs:
        return default
    header = attrs.get_id(key)
    dtype = numpy_dtype(header, f"The attribute '{key}' in {where}")
    count = math.prod(header.shape or ())  # exact: no int64 wrap-around
    if count > MAX_ATTRIBUTE_ELEMENTS or count * dtype.itemsize > max_bytes:
        raise UnsafeFileError(f"Not allowed: the attribute '{key}' in {where} declares "
                              f"{count} values of {dtype.itemsize} bytes, more than "
                              f"the limit of {MAX_ATTRIBUTE_ELEMENTS} values and "
                              f"{max_bytes} bytes.")
    if dtype.hasobject:  # variable-length: libhdf5 allocates what it declares
        _check_variable_lengths(attrs, key, dtype, count, where)
    try:
        return attrs[key]
    except (OSError, TypeError, ValueError) as error:
        raise FileFormatError(f"Cannot read the attribute '{key}' in {where}: "
                              f"{error}") from error


def _check_variable_lengths(attrs, key, dtype, count, where):
    """Refuse a variable-length attribute whose descriptors declare more bytes than
    the file holds, from its raw bytes (h5_headers), before libhdf5 allocates them."""
    h5py = h5py_module()
    if h5py.check_ref_dtype(dtype) is not None:  # references: fixed size, nothing declared
        return
    if h5py.check_vlen_dtype(dtype) is None:  # vlen inside a compound or array type
        raise FileFormatError(f"The attribute '{key}' in {where} has dtype {dtype}, "
                              "which nests variable-length values; Keras never writes it.")
    try:
        info = h5py.h5o.get_info(attrs._id)
    except (OSError, RuntimeError, KeyError, ValueError) as error:
        raise FileFormatError(f"Cannot check the attribute '{key}' in {where}: "
                              f"{error}") from error
    source = _SOURCES.get(info.fileno)
    source = source() if isinstance(source, weakref.ref) else source
    if source is None:
        raise FileFormatError(f"Cannot check the attribute '{key}' in {where}: the file "
                              "was not opened through safe_reading.open_h5.")
    with _file_bytes(source) as data:
        try:
            datatype, raw = h5_headers.attribute_message(data, info.addr, key)
            declared = h5_headers.vlen_bytes(datatype, raw, count)
        except h5_headers.HeaderError as error:
            raise FileFormatError(f"Cannot check the attribute '{key}' in {where}: "
                                  f"{error}.") from None
        if declared > len(data):
            raise UnsafeFileError(
                f"Not allowed: the attribute '{key}' in {where} declares {declared} bytes "
                f"of variable-length values, more than the whole file ({len(data)} "
                "bytes) holds.")


def h5_dataset(group, name, where):
    """The dataset `name` of `group`: stored in this file, contiguous or chunked."""
    h5py = h5py_module()
    path = _join(group.name, name)
    node = _hard_link_target(group, name, where)
    if node is None:
        raise FileFormatError(f"{where} has no dataset '{path}'.")
    if not isinstance(node, h5py.Dataset):
        raise FileFormatError(f"'{path}' in {where} should be a dataset, but it is a "
                              f"{type(node).__name__}.")
    plist = node.id.get_create_plist()
    if plist.get_external_count() > 0:
        raise UnsafeFileError(f"Not allowed: the dataset '{path}' in {where} keeps its "
                              "data in external files.")
    layout = plist.get_layout()
    if layout == h5py.h5d.VIRTUAL:
        raise UnsafeFileError(f"Not allowed: the dataset '{path}' in {where} is a virtual "
                              "dataset (its data would come from other files).")
    if layout not in (h5py.h5d.CONTIGUOUS, h5py.h5d.CHUNKED):
        raise UnsafeFileError(f"Not allowed: the dataset '{path}' in {where} has storage "
                              f"layout {layout}; only contiguous or chunked are read.")
    for i in range(plist.get_nfilters() if layout == h5py.h5d.CHUNKED else 0):
        code, _, _, name = plist.get_filter(i)
        if not h5py.h5z.filter_avail(code):  # its chunks could not be decoded
            raise FileFormatError(f"The dataset '{path}' in {where} is compressed with "
                                  f"HDF5 filter {code} ({name.decode(errors='replace')}), "
                                  "which this h5py does not have.")
        if code not in CHECKED_FILTERS:  # its output size is the filter's to decide
            raise UnsafeFileError(
                f"Not allowed: the dataset '{path}' in {where} is filtered with HDF5 "
                f"filter {code} ({name.decode(errors='replace')}); weights are read "
                "uncompressed or through deflate (gzip), shuffle and fletcher32 only, "
                "whose output kerasmini can bound before libhdf5 decodes it.")
    return node


def numpy_dtype(node, what):
    """The NumPy dtype of a dataset or attribute header; an HDF5 type NumPy cannot hold
    (a 3-byte integer, a 24-bit float) is a FileFormatError naming it."""
    try:
        return node.dtype
    except (TypeError, ValueError) as error:
        raise FileFormatError(f"{what} has an HDF5 datatype NumPy cannot hold: "
                              f"{error}") from error


def check_dataset(dataset, where, expected_shape=None, max_bytes=MAX_MEMBER_BYTES):
    """Refuse a dataset by its header alone: dtype, shape, declared vs stored size."""
    path = dataset.name
    dtype = numpy_dtype(dataset, f"The dataset '{path}' in {where}")
    if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None:
        raise FileFormatError(f"The dataset '{path}' in {where} has dtype {dtype}; "
                              "weights must be numeric arrays.")
    shape = tuple(dataset.shape) if dataset.shape is not None else None
    if expected_shape is not None and shape != tuple(expected_shape):
        raise ValueError(f"The dataset '{path}' in {where} has shape {shape}, but the "
                         f"weight it is loaded into expects {tuple(expected_shape)}.")
    declared = math.prod(shape or (0,)) * dtype.itemsize
    if declared > max_bytes:
        raise UnsafeFileError(f"Not allowed: the dataset '{path}' in {where} declares "
                              f"{declared} bytes, more than the limit of {max_bytes}.")
    stored = dataset.id.get_storage_size()
    if declared > BOMB_FLOOR_BYTES and declared > MAX_H5_EXPANSION * stored:
        raise UnsafeFileError(
            f"Not allowed: the dataset '{path}' in {where} declares {declared} bytes but "
            f"stores only {stored}; refusing a potential shape or decompression bomb.")
    chunk = _chunk_bytes(dataset)
    if chunk > max(declared, BOMB_FLOOR_BYTES):  # libhdf5 allocates whole chunks
        raise UnsafeFileError(
            f"Not allowed: the dataset '{path}' in {where} declares chunks of {chunk} "
            f"bytes for {declared} bytes of data; refusing a potential chunk bomb.")


def _chunk_bytes(dataset):
    return math.prod(dataset.chunks or ()) * dataset.dtype.itemsize if dataset.chunks \
        else 0


def check_chunks(dataset, where):
    """Decode each stored chunk's deflate stream with its output capped at the chunk's
    size, before libhdf5 does it uncapped (its deflate filter grows the buffer for as
    long as the stream inflates: a chunk of a few numbers can inflate to gigabytes).
    A chunk that decodes to more or fewer bytes than a chunk holds is refused."""
    plist = dataset.id.get_create_plist()
    pipeline = [plist.get_filter(i) for i in range(plist.get_nfilters())]
    if DEFLATE not in [code for code, *_ in pipeline]:
        return
    count, size = dataset.id.get_num_chunks(), _chunk_bytes(dataset)
    if count > MAX_H5_CHUNKS:
        raise UnsafeFileError(f"Not allowed: the dataset '{dataset.name}' in {where} "
                              f"stores {count} chunks (limit {MAX_H5_CHUNKS}).")
    for i in range(count):
        offset = dataset.id.get_chunk_info(i).chunk_offset
        mask, raw = dataset.id.read_direct_chunk(offset)
        decoded = _decoded_size(raw, pipeline, mask, size)
        if decoded < 0:
            raise FileFormatError(f"Chunk {offset} of the dataset '{dataset.name}' in "
                                  f"{where} is corrupt: not a deflate stream.")
        if decoded != size:
            raise UnsafeFileError(
                f"Not allowed: chunk {offset} of the dataset '{dataset.name}' in {where} "
                f"decodes to {f'more than {size}' if decoded > size else decoded} bytes; "
                f"a chunk holds {size}.")


def _decoded_size(raw, pipeline, mask, size):
    """The bytes a chunk decodes to (at most size + 1: decoding stops there), undoing
    the pipeline from its last filter, as libhdf5 reads."""
    for i, (code, _, options, _) in reversed(list(enumerate(pipeline))):
        if mask & (1 << i):  # the writer skipped this filter for this chunk
            continue
        if code == FLETCHER32:
            raw = raw[:-4]
        elif code == SHUFFLE and options and options[0] > 1:
            items = len(raw) // options[0]
            planes = np.frombuffer(raw[:items * options[0]], np.uint8)
            raw = planes.reshape(options[0], items).T.tobytes() + raw[items * options[0]:]
        elif code == DEFLATE:
            inflater = zlib.decompressobj()
            try:
                raw = inflater.decompress(raw, size + 1)
            except zlib.error:
                return -1  # libhdf5 would fail to inflate it: refused as corrupt
    return len(raw)


def read_dataset(dataset, where, expected_shape=None, max_bytes=MAX_MEMBER_BYTES):
    """The dataset's values as an array, after `check_dataset` accepted its header."""
    check_dataset(dataset, where, expected_shape, max_bytes)
    try:
        check_chunks(dataset, where)
        return np.asarray(dataset[()])
    except FileFormatError:
        raise
    except (OSError, ValueError, TypeError) as error:
        raise FileFormatError(f"Cannot read the dataset '{dataset.name}' in {where}: "
                              f"{error}") from error


@contextlib.contextmanager
def reading(where):
    """Turn h5py's low-level errors on a corrupt file into FileFormatError."""
    try:
        yield
    except (OSError, KeyError, RuntimeError) as error:
        raise FileFormatError(f"{where} is corrupt: {error}") from error
