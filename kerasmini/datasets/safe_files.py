"""Reading a dataset's cached files as data: where they are, how big, what a pickle in
them may build.

  cached_file    the path of a file in Keras's cache; FileNotFoundError (naming the file,
                 the path and Keras's download address) when absent, UnsafeFileError for
                 a symbolic link or anything but a regular file.
  read_bytes     the file's bytes, its size checked first; read_gzip streams a .gz with
                 the cap enforced on what comes out.
  load_pickle    a pickle that may hold only dicts, lists, tuples, bytes, str, numbers
                 and NumPy arrays (rebuilt from numpy.ndarray, numpy.dtype and
                 _reconstruct, the three names an array's pickle uses): any other name a
                 pickle asks for (os.system, builtins.eval, ...) is refused before it is
                 looked up.
  load_npz       an .npz archive's arrays: numeric ones without pickle, object arrays
                 (IMDB's lists of word ids) through load_pickle.
"""
import gzip
import io
import os
import pickle
import stat
import zipfile

import numpy as np

from kerasmini.saving.safe_reading import (FileFormatError, UnsafeFileError, check_members,
                                           read_member)

MAX_FILE_BYTES = 1 << 30  # the largest cached file read (CIFAR-100's train: 155 MB)
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# (module, name) a NumPy array's pickle needs, for NumPy 1 and 2 alike
ARRAY_PICKLE_NAMES = frozenset({("numpy", "ndarray"), ("numpy", "dtype"),
                                ("numpy.core.multiarray", "_reconstruct"),
                                ("numpy._core.multiarray", "_reconstruct")})


def keras_home():
    """$KERAS_HOME, else ~/.keras, as Keras finds its cache."""
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def cached_file(fname, origin, cache_subdir="datasets", archive=False):
    """The path of `fname` in Keras's cache, checked to be a file or folder, not a link
    (`archive`: a folder that Keras extracts `origin` into)."""
    if not isinstance(fname, str) or not fname or os.sep in fname:
        raise ValueError("Paths are no longer accepted as the `fname` argument: give the "
                         f"file's name in Keras's cache. Received: fname={fname!r}")
    path = os.path.join(keras_home(), cache_subdir, fname)
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"kerasmini never downloads: the dataset file '{fname}' is not in Keras's "
            f"cache at {path}. {'Download and extract' if archive else 'Download'} "
            f"{origin} {'into that folder' if archive else 'to that path'} (or run the "
            "same load_data once with Keras, which keeps it there).") from None
    if stat.S_ISLNK(status.st_mode):
        raise UnsafeFileError(f"Not allowed: the dataset file {path} is a symbolic link.")
    if not stat.S_ISREG(status.st_mode) and not stat.S_ISDIR(status.st_mode):
        raise UnsafeFileError(f"Not allowed: {path} is not a regular file.")
    return path


def _checked_size(path, max_bytes):
    status = os.lstat(path)
    if stat.S_ISLNK(status.st_mode) or not stat.S_ISREG(status.st_mode):
        raise UnsafeFileError(f"Not allowed: {path} is not a regular file (links are "
                              "refused).")
    if status.st_size > max_bytes:
        raise UnsafeFileError(f"Not allowed: {path} holds {status.st_size} bytes, more "
                              f"than the limit of {max_bytes}.")


def read_bytes(path, max_bytes=None):
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    _checked_size(path, max_bytes)
    with open(path, "rb") as file:
        content = file.read(max_bytes + 1)  # the file may have grown since it was measured
    if len(content) > max_bytes:
        raise UnsafeFileError(f"Not allowed: {path} holds more than {max_bytes} bytes.")
    return content


def read_gzip(path, max_bytes=None):
    """A .gz file's content, at most `max_bytes` of it (a bomb stops at the cap)."""
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    _checked_size(path, max_bytes)
    try:
        with gzip.open(path, "rb") as file:
            content = file.read(max_bytes + 1)
    except (OSError, EOFError) as error:
        raise FileFormatError(f"{path} is not a readable gzip file: {error}") from error
    if len(content) > max_bytes:
        raise UnsafeFileError(f"Not allowed: {path} inflates beyond {max_bytes} bytes.")
    return content


class _ArrayUnpickler(pickle.Unpickler):
    def __init__(self, file, where, **options):
        super().__init__(file, **options)
        self.where = where

    def find_class(self, module, name):
        if (module, name) not in ARRAY_PICKLE_NAMES:
            raise UnsafeFileError(f"Not allowed: the pickle in {self.where} asks for "
                                  f"'{module}.{name}'; a dataset's pickle may build only "
                                  "NumPy arrays and plain values.")
        return super().find_class(module, name)


def load_pickle(file, where, encoding="ASCII"):
    """The value pickled in `file` (open, binary), rebuilt from plain values and NumPy
    arrays only; `encoding="bytes"` reads Python 2's pickles (CIFAR's) as Keras does."""
    try:
        return _ArrayUnpickler(file, where, encoding=encoding).load()
    except UnsafeFileError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError, MemoryError) as error:
        raise FileFormatError(f"{where} is not a readable dataset pickle: {error!r}") \
            from error


def load_npz(path):
    """{name: array} of an .npz archive's `.npy` members."""
    _checked_size(path, MAX_FILE_BYTES)
    if not zipfile.is_zipfile(path):
        raise FileFormatError(f"{path} is not an .npz archive (not a zip file).")
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for info in check_members(archive, path):
            if info.filename.endswith(".npy"):
                where = f"the member '{info.filename}' of {path}"
                data = read_member(archive, info.filename, MAX_FILE_BYTES, path)
                arrays[info.filename[:-len(".npy")]] = _read_npy(io.BytesIO(data), where)
    return arrays


def _read_npy(stream, where):
    """A numeric array with pickle off; an object array's pickle through load_pickle."""
    try:
        version = np.lib.format.read_magic(stream)
        # format 3.0 differs from 2.0 only in the header's text encoding
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        _, _, dtype = read_header(stream)
        if not dtype.hasobject:
            stream.seek(0)
            return np.lib.format.read_array(stream, allow_pickle=False)
    except ValueError as error:
        raise FileFormatError(f"{where} is not a readable .npy array: {error}") from error
    return load_pickle(stream, where)
