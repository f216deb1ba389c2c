"""A dataset's pickle (CIFAR's batches, the object arrays of IMDB's and Reuters' .npz)
read as data: plain values and NumPy arrays, nothing else built, nothing unbounded.

pickle's own unpickler trusts the numbers a stream gives it, so three guards stand
around it:

  * every opcode is parsed first (its width from pickletools' table): a length
    beyond the stream's end (BINBYTES8 declaring 2**40 bytes), a memo index beyond the
    opcodes read so far (LONG_BINPUT 2**30 makes the C unpickler allocate and clear
    16 GiB of memo) and the opcodes a data pickle never holds (persistent ids, the
    copyreg extension registry, INST / OBJ / NEWOBJ) are refused before it runs;
  * the three names an array's pickle asks for are answered with recipes, not NumPy's
    own: ndarray.__setstate__ trusts the state's shape (an object array whose list is
    shorter than its shape reads past the list's end: a segmentation fault, and
    `_reconstruct(ndarray, (10**9,), 'O')` clears 8 GB), so a recipe builds the array
    only from a state whose data holds exactly the elements the shape declares;
  * the value is walked: nesting deeper than MAX_DEPTH, or one list, tuple, dict or
    array reached twice (memo references make a list that holds itself, or a 100-byte
    pickle whose lists share each other 2**50 times over) are refused, so each element
    the loaders then visit is backed by bytes of the file.
Any other name (os.system, builtins.eval, ...) is refused before it is looked up; the
fourth name allowed, _codecs.encode, only turns latin1 text into bytes (how Python 3's
protocols 0-2 store bytes).
"""
import io
import math
import pickle
import pickletools
import re

import numpy as np

from kerasmini.saving.safe_reading import FileFormatError, UnsafeFileError

MAX_DEPTH = 32  # CIFAR's batch nests 3 deep, IMDB's object array 2
REFUSED_OPCODES = frozenset({"PERSID", "BINPERSID", "EXT1", "EXT2", "EXT4", "INST", "OBJ",
                             "NEWOBJ", "NEWOBJ_EX", "NEXT_BUFFER", "READONLY_BUFFER"})
MEMO_OPCODES = frozenset({"PUT", "BINPUT", "LONG_BINPUT", "GET", "BINGET", "LONG_BINGET"})
DTYPE_NAME = re.compile(r"b1|[iu][1248]|f[248]|c(8|16)|O[48]")  # what arrays of data use
BYTE_ORDERS = ("<", ">", "|", "=")


def load_pickle(file, where, encoding="ASCII"):
    """The value pickled in `file` (open, binary), rebuilt from plain values and NumPy
    arrays only; `encoding="bytes"` reads Python 2's pickles (CIFAR's) as Keras does."""
    data = file.read()
    check_opcodes(data, where)
    try:
        value = _Unpickler(io.BytesIO(data), where, encoding=encoding).load()
    except FileFormatError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError, MemoryError) as error:
        raise FileFormatError(f"{where} is not a readable dataset pickle: {error!r}") \
            from error
    return _plain(value, where, 0, set())


def check_opcodes(data, where):
    """Refuse, before anything is built, a stream whose opcodes declare more than it
    holds or ask for what a data pickle never does. Each opcode's argument is skipped by
    its width from pickletools' table (2.4x faster than pickletools.genops, which also
    decodes every value)."""
    pos, end, count = 0, len(data), 0
    while pos < end:
        entry = _OPCODES[data[pos]]
        if entry is None:
            raise FileFormatError(f"{where} is not a readable dataset pickle: unknown "
                                  f"opcode {data[pos]!r} at byte {pos}.")
        name, width, start = entry[0], entry[1], pos + 1
        if name in REFUSED_OPCODES:
            raise UnsafeFileError(f"Not allowed: the pickle in {where} uses the opcode "
                                  f"{name} (at byte {pos}); a dataset's pickle holds "
                                  "plain values and arrays.")
        pos = _argument_end(data, start, width, entry[2], where)
        if name in MEMO_OPCODES and _memo_index(data, start, pos, width) > count:
            raise UnsafeFileError(f"Not allowed: the pickle in {where} refers to memo "
                                  f"entry {_memo_index(data, start, pos, width)} after "
                                  f"{count} opcodes (at byte {start - 1}); a pickle "
                                  "numbers its memo in order.")
        if name == "STOP":
            return
        count += 1
    raise FileFormatError(f"{where} is not a readable dataset pickle: it ends without "
                          "a STOP opcode (truncated).")


def _argument_end(data, start, width, lines, where):
    """Where the argument that starts at `start` ends: `width` bytes, or lines up to a
    newline, or a length prefix and that many bytes (checked against the data)."""
    if width >= 0:
        end = start + width
    elif width == pickletools.UP_TO_NEWLINE:
        end = start
        for _ in range(lines):
            end = data.find(b"\n", end) + 1 or len(data) + 1
    else:
        size, signed = _LENGTH_PREFIXES[width]
        length = int.from_bytes(data[start:start + size], "little", signed=signed)
        end = start + size + max(length, 0)
        if length < 0:
            end = len(data) + 1
    if end > len(data):
        raise FileFormatError(f"{where} is not a readable dataset pickle: the opcode at "
                              f"byte {start - 1} declares an argument beyond the "
                              f"{len(data)} bytes of the stream.")
    return end


def _memo_index(data, start, end, width):
    if width == pickletools.UP_TO_NEWLINE:  # protocol 0: a decimal number
        text = data[start:end - 1]
        return int(text) if text.isdigit() and len(text) < 20 else len(data)
    return int.from_bytes(data[start:end], "little")


_LENGTH_PREFIXES = {pickletools.TAKEN_FROM_ARGUMENT1: (1, False),
                    pickletools.TAKEN_FROM_ARGUMENT4: (4, True),
                    pickletools.TAKEN_FROM_ARGUMENT4U: (4, False),
                    pickletools.TAKEN_FROM_ARGUMENT8U: (8, False)}
_OPCODES = [None] * 256  # (name, argument width or kind, lines of a text argument)
for _op in pickletools.opcodes:
    _OPCODES[ord(_op.code)] = (_op.name, _op.arg.n if _op.arg else 0,
                               2 if _op.name in ("GLOBAL", "INST") else 1)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, where, **options):
        super().__init__(file, **options)
        self.where = where

    def find_class(self, module, name):
        if (module, name) == ("numpy", "ndarray"):
            return _ArrayRecipe
        if (module, name) == ("numpy", "dtype"):
            return _dtype_recipe(self.where)
        if module in ("numpy.core.multiarray", "numpy._core.multiarray") \
                and name == "_reconstruct":  # NumPy 1's and 2's name for one function
            return _reconstruct(self.where)
        if (module, name) == ("_codecs", "encode"):  # bytes in Python 3's protocols 0-2
            return _latin1(self.where)
        raise UnsafeFileError(f"Not allowed: the pickle in {self.where} asks for "
                              f"'{module}.{name}'; a dataset's pickle may build only "
                              "NumPy arrays and plain values.")


def _text(value):
    return value.decode("latin1") if isinstance(value, bytes) else value


def _latin1(where):
    def encode(text, encoding="utf-8"):
        if not isinstance(text, str) or encoding != "latin1":
            raise FileFormatError(f"The pickle in {where} encodes {type(text).__name__} "
                                  f"as {encoding!r}; Python pickles bytes as latin1 text.")
        return text.encode("latin1")
    return encode


def _dtype_recipe(where):
    def dtype(name, align=False, copy=True):
        if not isinstance(_text(name), str) or not DTYPE_NAME.fullmatch(_text(name)):
            raise UnsafeFileError(f"Not allowed: the pickle in {where} asks for the dtype "
                                  f"{name!r}; a dataset's arrays hold plain numbers.")
        return _DtypeRecipe(_text(name), where)
    return dtype


class _DtypeRecipe:
    """numpy.dtype(name) as a pickle states it: (version, byte order, and None for
    the subarray, names and fields a plain number has)."""

    def __init__(self, name, where):
        self.name, self.where, self.order = name, where, "="

    def __setstate__(self, state):
        if not (isinstance(state, tuple) and len(state) >= 5 and state[0] in (2, 3, 4)
                and _text(state[1]) in BYTE_ORDERS and state[2:5] == (None,) * 3):
            raise FileFormatError(f"The pickle in {self.where} gives the dtype "
                                  f"'{self.name}' the state {state!r:.200}.")
        self.order = _text(state[1])

    def dtype(self):
        dtype = np.dtype(self.name)
        return dtype if self.order in "|=" else dtype.newbyteorder(self.order)


def _reconstruct(where):
    def reconstruct(cls, shape, typecode):
        if cls is not _ArrayRecipe or shape != (0,) or _text(typecode) != "b":
            raise FileFormatError(f"The pickle in {where} reconstructs an array as "
                                  f"{(shape, typecode)!r:.200}; NumPy pickles ((0,), b'b') "
                                  "and gives the shape in the state.")
        return _ArrayRecipe(where)
    return reconstruct


class _ArrayRecipe:
    """An ndarray as its pickle states it, built only when the state's data holds
    exactly the elements its shape declares."""

    def __init__(self, where=None):
        self.where, self.array = where, None

    def __setstate__(self, state):
        if not (isinstance(state, tuple) and len(state) == 5 and state[0] == 1
                and isinstance(state[2], _DtypeRecipe) and isinstance(state[3], bool)
                and isinstance(state[1], tuple)
                and all(type(n) is int and n >= 0 for n in state[1])):
            raise FileFormatError(f"The pickle in {self.where} gives an array the state "
                                  f"{state!r:.200}.")
        _, shape, dtype, fortran_order, data = state
        dtype, count = dtype.dtype(), math.prod(shape)
        if dtype.hasobject:
            if not isinstance(data, list) or len(data) != count:
                raise FileFormatError(f"The pickle in {self.where} declares an object "
                                      f"array of shape {shape} but gives "
                                      f"{_size(data)} elements.")
            flat = np.fromiter(data, dtype=object, count=count)
        else:
            if not isinstance(data, bytes) or len(data) != count * dtype.itemsize:
                raise FileFormatError(f"The pickle in {self.where} declares an array of "
                                      f"shape {shape} and dtype {dtype} "
                                      f"({count * dtype.itemsize} bytes) but gives "
                                      f"{_size(data)}.")
            flat = np.frombuffer(data, dtype).copy()
        order = "F" if fortran_order else "C"
        self.array = flat.reshape(shape, order=order)


def _size(data):
    return (f"{len(data)} {'bytes' if isinstance(data, bytes) else 'elements'}"
            if isinstance(data, (bytes, list)) else f"a {type(data).__name__}")


def _plain(value, where, depth, seen):
    """The loaded value with its recipes made into arrays and dtypes; containers
    nested deeper than MAX_DEPTH or reached twice are refused."""
    if isinstance(value, _DtypeRecipe):
        return value.dtype()
    if not isinstance(value, (list, tuple, dict, _ArrayRecipe)) or value == ():
        return value
    if depth > MAX_DEPTH:
        raise UnsafeFileError(f"Not allowed: the pickle in {where} nests values more than "
                              f"{MAX_DEPTH} deep; a dataset's never does.")
    if id(value) in seen:
        raise UnsafeFileError(f"Not allowed: the pickle in {where} holds one "
                              f"{type(value).__name__.strip('_')} in two places (or "
                              "inside itself); a dataset's values are each stored once.")
    seen.add(id(value))
    inner = depth + 1
    if isinstance(value, dict):
        return {_plain(k, where, inner, seen): _plain(v, where, inner, seen)
                for k, v in value.items()}
    if isinstance(value, _ArrayRecipe):
        if value.array is None:
            raise FileFormatError(f"The pickle in {where} holds an array without its data.")
        if value.array.dtype.hasobject:
            flat = [_plain(x, where, inner, seen) for x in value.array.ravel()]
            return np.fromiter(flat, object, len(flat)).reshape(value.array.shape)
        return value.array
    if set(map(type, value)).isdisjoint(_NESTED):  # a list of numbers: kept as it is
        return value
    items = [_plain(x, where, inner, seen) for x in value]
    return items if isinstance(value, list) else tuple(items)


_NESTED = frozenset({list, tuple, dict, _ArrayRecipe, _DtypeRecipe})
