"""Reading a dataset's cached files as data: where they are, how big, what a pickle in
them may build.

  cached_file    the path of a file in Keras's cache; FileNotFoundError (naming the file,
                 the path and Keras's download address) when absent, UnsafeFileError for
                 a symbolic link or anything but a regular file.
  read_bytes     the file's bytes, its size checked first; read_gzip streams a .gz with
                 the cap enforced on what comes out.
  load_pickle    a pickle that may hold only dicts, lists, tuples, bytes, str, numbers
                 and NumPy arrays, each stored once (safe_pickle.py says how).
  load_npz       an .npz archive's arrays: numeric ones checked against the bytes they
                 hold, object arrays (IMDB's lists of word ids) through load_pickle.
"""
import gzip
import io
import os
import stat
import zlib

from kerasmini.datasets.safe_pickle import load_pickle
from kerasmini.saving.safe_arrays import checked_size, read_npz
from kerasmini.saving.safe_reading import (BOMB_FLOOR_BYTES, MAX_ZIP_EXPANSION,
                                           READ_PIECE_BYTES, FileFormatError,
                                           UnsafeFileError)

MAX_FILE_BYTES = 1 << 30  # the largest cached file read (CIFAR-100's train: 155 MB)
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


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


def read_bytes(path, max_bytes=None):
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    size = checked_size(path, max_bytes)
    with open(path, "rb") as file:
        content = file.read(size + 1)  # read(n) allocates n bytes first: n is the size
    if len(content) > size:
        raise UnsafeFileError(f"Not allowed: {path} grew while it was read.")
    return content


def read_gzip(path, max_bytes=None):
    """A .gz file's content, at most `max_bytes` of it and at most MAX_ZIP_EXPANSION
    times the file's size (as for a zip member): a bomb stops at the cap, read in
    pieces (read(n) would allocate n bytes before inflating any)."""
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    size = checked_size(path, max_bytes)
    cap = min(max_bytes, max(BOMB_FLOOR_BYTES, MAX_ZIP_EXPANSION * size))
    out, total = io.BytesIO(), 0
    try:
        with gzip.open(path, "rb") as file:
            while total <= cap and (piece := file.read(READ_PIECE_BYTES)):
                total += len(piece)
                out.write(piece)
    except (OSError, EOFError, zlib.error) as error:
        raise FileFormatError(f"{path} is not a readable gzip file: {error}") from error
    if total > cap:
        raise UnsafeFileError(f"Not allowed: {path} ({size} bytes) inflates beyond "
                              f"{cap} bytes; refusing a potential decompression bomb.")
    return out.getvalue()


def load_npz(path):
    """{name: array} of an .npz archive's `.npy` members: numeric ones checked against
    the bytes they hold (saving/safe_arrays.py), object arrays (IMDB's lists of word
    ids) through the restricted unpickler."""
    checked_size(path, MAX_FILE_BYTES)
    return read_npz(path, objects=load_pickle, max_bytes=MAX_FILE_BYTES)
