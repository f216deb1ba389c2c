"""NumPy's `.npy` and `.npz` files read as data, for every reader of user or cached
arrays (`kerasmini check --inputs`, keras.datasets).

np.load trusts the header: it allocates the shape the header declares before it reads a
byte of data (a 128-byte file declaring (10**12, 4) float32 is a MemoryError), and an
.npz member inflates as far as its deflate stream goes. Here the header's shape times
its itemsize must equal the bytes the file (or the zip member) actually holds before
anything is allocated, and members go through the archive guards of safe_reading
(declared sizes capped, compression ratio checked, what inflates counted).
Object arrays hold a pickle: refused unless the caller gives a reader for them.
"""
import io
import math
import os
import stat
import zipfile

import numpy as np

from kerasmini.saving.safe_reading import (MAX_MEMBER_BYTES, FileFormatError,
                                           UnsafeFileError, check_members, read_member)

NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


def read_npy(data, where, objects=None):
    """The array of the `.npy` bytes `data`; `objects(stream, where)` reads an object
    array's pickle (None: refused, as np.load(allow_pickle=False) refuses it)."""
    stream = io.BytesIO(data)
    shape, fortran_order, dtype = _header(stream, where)
    if dtype.hasobject:
        if objects is None:
            raise FileFormatError(f"{where} holds an object array (a pickle); object arrays "
                             "cannot be loaded when allow_pickle=False.")
        return objects(stream, where)
    if dtype.fields is not None or dtype.subdtype is not None or dtype.itemsize == 0:
        raise FileFormatError(f"{where} holds an array of dtype {dtype}; only arrays of "
                              "plain numbers, bools or strings are read.")
    if any(type(n) is not int or n < 0 for n in shape):  # (True, 8) is a tuple of ints
        raise FileFormatError(f"{where} declares the shape {shape}; sizes are counts.")
    count = math.prod(shape)
    declared, held = count * dtype.itemsize, len(data) - stream.tell()
    if declared != held:
        raise FileFormatError(f"{where} declares an array of shape {shape} and dtype "
                              f"{dtype} ({declared} bytes), but holds {held} bytes of data.")
    flat = np.frombuffer(data, dtype, count=count, offset=stream.tell())
    if fortran_order:
        return flat.reshape(shape[::-1]).transpose().copy(order="F")
    return flat.reshape(shape).copy()


def _header(stream, where):
    """(shape, fortran_order, dtype) of a .npy header, parsed by NumPy's own safe
    literal parser (its header is at most 10,000 bytes)."""
    try:
        version = np.lib.format.read_magic(stream)
        # format 3.0 differs from 2.0 only in the header's text encoding
        read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                else np.lib.format.read_array_header_2_0)
        return read(stream)
    except (ValueError, TypeError, SyntaxError, OverflowError) as error:
        raise FileFormatError(f"{where} is not a readable .npy array: {error}") from error


def read_npz(path, objects=None, max_bytes=MAX_MEMBER_BYTES):
    """{name: array} of the `.npy` members of the .npz archive at `path`."""
    if not zipfile.is_zipfile(path):
        raise FileFormatError(f"{path} is not an .npz archive (not a zip file).")
    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in check_members(archive, path):
                if info.filename.endswith(".npy"):
                    where = f"the member '{info.filename}' of {path}"
                    data = read_member(archive, info.filename, max_bytes, path)
                    arrays[info.filename[:-len(".npy")]] = read_npy(data, where, objects)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as error:
        raise FileFormatError(f"{path} is a corrupt .npz archive: {error}") from error
    return arrays


def checked_size(path, max_bytes):
    """The size of the regular file at `path` (not a link), at most `max_bytes`."""
    status = os.lstat(path)
    if stat.S_ISLNK(status.st_mode) or not stat.S_ISREG(status.st_mode):
        raise UnsafeFileError(f"Not allowed: {path} is not a regular file (links are "
                              "refused).")
    if status.st_size > max_bytes:
        raise UnsafeFileError(f"Not allowed: {path} holds {status.st_size} bytes, more "
                              f"than the limit of {max_bytes}.")
    return status.st_size


def load_arrays(path, objects=None, max_bytes=MAX_MEMBER_BYTES):
    """What np.load(path) gives, as data: an array for a .npy file, {name: array} for an
    .npz archive (told apart by their first bytes, as np.load does)."""
    size = checked_size(path, max_bytes)
    with open(path, "rb") as file:
        magic = file.read(len(NPY_MAGIC))
    if magic.startswith(ZIP_MAGICS):
        return read_npz(path, objects, max_bytes)
    if magic != NPY_MAGIC:
        raise FileFormatError(f"{path} is neither an .npy nor an .npz file (np.load would "
                         "read it as a pickle, which is never loaded).")
    with open(path, "rb") as file:
        data = file.read(size + 1)  # read(n) allocates n bytes first: n is the size
    if len(data) > size:  # the file grew since it was measured
        raise UnsafeFileError(f"Not allowed: {path} changed while it was read.")
    return read_npy(data, path, objects)
