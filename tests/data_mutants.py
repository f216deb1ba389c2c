"""Hostile data files for the readers that are not model files: the dataset cache
(pickles, .npz, .gz, JSON word indexes) and `kerasmini check --inputs` (.npy / .npz).
Seeded families of (description, bytes, kind, expected) cases, where `expected` is the
value an honest reader returns (the case is neutral) or None (the reader may load it or
refuse it with FileFormatError, never anything else):

  pickle  streams of every protocol (0-5) and opcode family: GLOBAL / STACK_GLOBAL /
          INST / OBJ / REDUCE / NEWOBJ naming code, EXT1-4, PERSID, memo indices of
          2**31, GETs of what was never put, declared lengths of 2**40 (LONG4,
          BINBYTES8, BINUNICODE8, BYTEARRAY8, FRAME), nesting 10**5 deep, lists that
          hold themselves or share each other 2**60 times over, array states whose
          shape and data disagree (NumPy itself segfaults on a short object list),
          dtypes that are not plain numbers, truncations and flipped bytes
  npy     .npy headers that lie (shape beyond the data, 10**12 elements, overflowing
          products, negative sizes), fortran order, object / structured / empty
          dtypes, headers that are code; .npz archives with deflate bombs, lying
          sizes, two members of one name, paths with '..', object arrays holding a
          hostile pickle
  text    .gz streams that inflate 1000x or are cut short; JSON word indexes that are
          deep, duplicated, huge, not integers (bools, floats, 10**5000), not objects

Payloads that name code would create MARKER if they ever ran; the runner checks it.
Nothing here imports kerasmini.
"""
import gzip
import io
import json
import os
import pickle
import struct
import tempfile
import zipfile
import zlib

import numpy as np

MARKER = os.path.join(tempfile.gettempdir(), f"kerasmini-data-code-ran-{os.getpid()}")
TOUCH = f"touch {MARKER}".encode()


# ----- pickles --------------------------------------------------------------------------
def honest_values(rng):
    """(value, has_arrays): what the loaders' pickles hold, small."""
    choice = rng.randrange(4)
    if choice == 0:  # a CIFAR batch
        n = rng.randrange(1, 4)
        return {b"batch_label": b"b", b"labels": [rng.randrange(10) for _ in range(n)],
                b"data": np.arange(n * 12, dtype=np.uint8).reshape(n, 12)}, True
    if choice == 1:  # IMDB's object array of word-id lists
        array = np.empty(3, dtype=object)
        array[:] = [[1, 2, 3], [4], [5, 6]]
        return array, True
    if choice == 2:
        return {"a": [1, 2.5, None, True], "b": ("x", b"y", 10 ** 30), "c": {}}, False
    return np.arange(6).astype(rng.choice(["<f4", ">i8", "u1", "?", "<c16"])
                     ).reshape(2, 3), True


def _frame(body, protocol=2):
    return bytes([0x80, protocol]) + body + b"."


CODE_PICKLES = [  # each would run `touch MARKER` (or another callable) if allowed
    ("GLOBAL+REDUCE os.system", lambda: b"cos\nsystem\n(U" + bytes([len(TOUCH)]) + TOUCH
     + b"tR."),
    ("GLOBAL posix.system", lambda: b"cposix\nsystem\n(U" + bytes([len(TOUCH)]) + TOUCH
     + b"tR."),
    ("STACK_GLOBAL builtins.eval", lambda: _frame(
        b"\x8c\x08builtins\x8c\x04eval\x93\x8c" + bytes([len(b"__import__('os').system('" +
                                                               TOUCH + b"')")])
        + b"__import__('os').system('" + TOUCH + b"')\x85R", 4)),
    ("INST os.system", lambda: b"(S'" + TOUCH + b"'\nios\nsystem\n."),
    ("OBJ subprocess.call", lambda: b"(csubprocess\ncall\nS'" + TOUCH + b"'\no."),
    ("NEWOBJ numpy.ndarray", lambda: _frame(b"cnumpy\nndarray\n)\x81")),
    ("REDUCE numpy.load", lambda: b"cnumpy\nload\n(S'" + MARKER.encode() + b"'\ntR."),
    ("REDUCE numpy.ndarray with a shape", lambda: _frame(
        b"cnumpy\nndarray\nJ\x00\xca\x9a\x3b\x85R")),
    ("_reconstruct of 10**9 objects", lambda: _frame(
        b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nJ\x00\xca\x9a\x3b\x85"
        b"cnumpy\ndtype\nU\x02O8\x89\x88\x87R\x87R")),
    ("dtype V1000000000", lambda: _frame(b"cnumpy\ndtype\nU\x0bV1000000000\x85R")),
    ("copyreg._reconstructor", lambda: _frame(
        b"ccopyreg\n_reconstructor\ncos\n_wrap_close\ncbuiltins\nobject\nN\x87R")),
    ("BUILD on a class", lambda: _frame(b"cnumpy\nndarray\n}U\x01a\x88sb")),
]


def _ext_or_persid(rng):
    return rng.choice([
        ("EXT1", _frame(b"\x82\x01")), ("EXT2", _frame(b"\x83\x01\x02")),
        ("EXT4", _frame(b"\x84\xff\xff\xff\x7f")),
        ("PERSID", b"P" + TOUCH + b"\n."), ("BINPERSID", _frame(b"U\x01x" + b"Q"))])


def _memo(rng):
    index = rng.choice([2 ** 31 - 1, 2 ** 28, 2 ** 20, 5])
    return rng.choice([
        (f"LONG_BINPUT {index}", _frame(b"N" + b"r" + struct.pack("<I", index))),
        (f"BINPUT then LONG_BINGET {index}", _frame(b"Nq\x000" + b"j" +
                                                    struct.pack("<I", index))),
        (f"PUT {index} (protocol 0)", b"Np" + str(index).encode() + b"\n."),
        ("GET of an entry never put", _frame(b"N0h\x01")),
        ("PUT over a live entry", _frame(b"]q\x00Nq\x00h\x00a")),
    ])


def _shared(rng):
    """Lists that hold themselves, or share each other: 2**levels leaves."""
    levels = rng.choice([20, 60])
    body = b"]q\x00K\x01a"  # memo 0: [1]; memo i: [memo i-1, memo i-1]
    for i in range(1, levels):
        body += b"](h" + bytes([i - 1]) + b"h" + bytes([i - 1]) + b"eq" + bytes([i])
    return rng.choice([
        (f"lists sharing each other {levels} levels", _frame(body)),
        ("a list holding itself", _frame(b"]q\x00h\x00a")),
        ("a dict holding itself", _frame(b"}q\x00U\x01ah\x00s")),
        ("a tuple holding a list holding it", _frame(b"]q\x00h\x00\x85q\x01a")),
    ])


def _huge_lengths(rng):
    n = rng.choice([2 ** 40, 2 ** 33, 2 ** 31 - 1, 1 << 20])
    opcode = rng.choice([
        ("LONG4", b"\x8b", struct.pack("<i", min(n, 2 ** 31 - 1))),
        ("BINBYTES8", b"\x8e", struct.pack("<Q", n)),
        ("BINUNICODE8", b"\x8d", struct.pack("<Q", n)),
        ("BYTEARRAY8", b"\x96", struct.pack("<Q", n)),
        ("BINSTRING", b"T", struct.pack("<i", min(n, 2 ** 31 - 1))),
        ("BINUNICODE", b"X", struct.pack("<I", min(n, 2 ** 32 - 1))),
        ("FRAME", b"\x95", struct.pack("<Q", n))])
    return f"{opcode[0]} declaring {n} bytes", _frame(opcode[1] + opcode[2] + b"abc", 5)


def _deep(rng):
    depth = rng.choice([100, 10 ** 4, 10 ** 5])
    how = rng.randrange(4)
    if how == 0:
        return f"MARK/LIST {depth} deep", _frame(b"(" * depth + b"l" * depth)
    if how == 1:
        return f"APPEND {depth} deep", _frame(b"]" * depth + b"a" * (depth - 1))
    if how == 2:
        return f"TUPLE1 {depth} deep", _frame(b"N" + b"\x85" * depth)
    return f"SETITEM {depth} deep", _frame(b"}U\x01k" * depth + b"N" + b"s" * depth)


def _array_state(rng):
    """An honest array's pickle with its state made to lie."""
    dtype = rng.choice(["f4", "O"])
    array = np.empty(3, dtype=object) if dtype == "O" else np.zeros(3, np.float32)
    if dtype == "O":
        array[:] = [[1], [2], [3]]
    data = bytearray(pickle.dumps(array, protocol=2))
    shape_at = data.find(b"K\x03\x85")  # the state's shape (3,)
    lie = rng.choice([b"K\x04\x85", b"K\x02\x85", b"J\x00\x00\x00\x10\x85",
                      b"K\x03K\x03\x86", b"J\xff\xff\xff\xff\x85"])
    data[shape_at:shape_at + 3] = lie
    return f"array of {dtype}: state shape {lie!r}", bytes(data)


HOSTILE_PICKLES = [_ext_or_persid, _memo, _shared, _huge_lengths, _deep, _array_state]


def pickle_case(rng):
    """(description, bytes, expected value or None)."""
    action = rng.randrange(10)
    if action <= 1:
        value, arrays = honest_values(rng)
        protocol = rng.randrange(0, 6)
        data = pickle.dumps(value, protocol=protocol)
        # protocol 5 pickles a numeric array through numpy's _frombuffer: refused
        return f"honest, protocol {protocol}", data, \
            value if protocol < 5 or not arrays else None
    if action == 2:
        what, make = rng.choice(CODE_PICKLES)
        return what, make(), None
    if action <= 8:
        return (*HOSTILE_PICKLES[action - 3](rng), None)
    value, _ = honest_values(rng)
    data = bytearray(pickle.dumps(value, protocol=rng.randrange(0, 5)))
    if rng.random() < 0.5:
        cut = rng.randrange(len(data))
        return f"truncated at {cut} of {len(data)}", bytes(data[:cut]), None
    for _ in range(rng.randrange(1, 4)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return "bytes flipped", bytes(data), None


# ----- .npy / .npz ----------------------------------------------------------------------
def npy_bytes(header, data=b"", version=(1, 0)):
    """A .npy file with a header written by hand (a dict literal or any text)."""
    text = header.encode("latin1") if isinstance(header, str) else header
    size_format = "<H" if version == (1, 0) else "<I"
    prefix = 10 if version == (1, 0) else 12
    pad = -(prefix + len(text) + 1) % 64
    return (b"\x93NUMPY" + bytes(version) + struct.pack(size_format, len(text) + pad + 1)
            + text + b" " * pad + b"\n" + data)


def _header(descr, shape, fortran=False):
    return repr({"descr": descr, "fortran_order": fortran, "shape": shape})


def honest_array(rng):
    dtype = rng.choice(["<f4", "<f8", ">f4", "<i8", "|u1", "|b1", "<f2"])
    shape = rng.choice([(2, 3), (4,), (1, 2, 2), (0, 3)])
    return np.arange(int(np.prod(shape))).astype(dtype).reshape(shape)


def _npy_lie(rng):
    values = np.zeros((2, 4), "<f4")
    shape = rng.choice([(3, 4), (2, 3), (10 ** 12, 4), (2 ** 40, 2 ** 40), (2, -4),
                        (-1,), (0, 10 ** 18), (10 ** 30,), (True, 8)])
    descr = rng.choice(["<f4", "<f4", "<f8", "|V0", "<U0"])
    return (f"header shape {shape} {descr} over 32 bytes",
            npy_bytes(_header(descr, shape), values.tobytes()))


def _npy_odd(rng):
    choice = rng.randrange(7)
    if choice == 0:
        array = np.empty(2, dtype=object)
        array[:] = [[1], [2]]
        out = io.BytesIO()
        np.save(out, array, allow_pickle=True)
        return "object array (a pickle)", out.getvalue()
    if choice == 1:
        return "structured dtype", npy_bytes(_header([("a", "<f4"), ("b", "<i4")], (2,)),
                                             bytes(16))
    if choice == 2:
        return "subarray dtype of 10**9", npy_bytes(
            _header([("a", "<f4", (10 ** 9,))], (1,)), bytes(4))
    if choice == 3:
        return "header is code", npy_bytes("{'descr': __import__('os').system('"
                                           + TOUCH.decode() + "'), 'fortran_order': "
                                           "False, 'shape': (1,)}", bytes(4))
    if choice == 4:
        return "header of 4 GiB declared", (b"\x93NUMPY\x02\x00" +
                                            struct.pack("<I", 2 ** 32 - 1) + b"{}")
    if choice == 5:
        return "version 9.9", npy_bytes(_header("<f4", (1,)), bytes(4), (9, 9))
    return "truncated header", npy_bytes(_header("<f4", (2,)), bytes(8))[:30]


def npz_bytes(members, method=zipfile.ZIP_DEFLATED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, payload in members:
            archive.writestr(name, payload)
    return out.getvalue()


def _deflate_bomb(megabytes):
    """A zip holding x.npy whose honest header says (megabytes MiB of float32) and whose
    data are that many zeros, deflated (about 1000x)."""
    header = npy_bytes(_header("<f4", ((megabytes << 20) // 4,)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("x.npy", "w", force_zip64=True) as member:
            member.write(header)
            zeros = bytes(1 << 20)
            for _ in range(megabytes):
                member.write(zeros)
    return out.getvalue()


def _patch_sizes(data, name, size):
    """The central directory's (and local header's) uncompressed size of `name`."""
    data = bytearray(data)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        n = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46:at + 46 + n]) == name.encode():
            struct.pack_into("<I", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 4)
    local = data.find(b"PK\x03\x04")
    while local >= 0:
        n = struct.unpack_from("<H", data, local + 26)[0]
        if bytes(data[local + 30:local + 30 + n]) == name.encode():
            struct.pack_into("<I", data, local + 22, size)
        local = data.find(b"PK\x03\x04", local + 4)
    return bytes(data)


def _npz(rng, honest):
    """(description, bytes, expected {name: array} or None)."""
    members = [("x.npy", _save(honest))]
    choice = rng.randrange(8)
    if choice == 0:
        return "honest npz", npz_bytes(members), {"x": honest}
    if choice == 1:
        megabytes = rng.choice([16, 64, 256])
        return f"deflate bomb of {megabytes} MiB", _deflate_bomb(megabytes), None
    if choice == 2:
        size = rng.choice([0, 1, 2 ** 31, 2 ** 32 - 1])
        return f"member size says {size}", _patch_sizes(npz_bytes(members), "x.npy",
                                                        size), None
    if choice == 3:
        return "two members named x.npy", npz_bytes(members + members), None
    if choice == 4:
        return "member ../x.npy", npz_bytes([("../x.npy", members[0][1])]), None
    if choice == 5:
        what, data = _npy_lie(rng)
        return f"member with {what}", npz_bytes([("x.npy", data)]), None
    if choice == 6:
        data = pickle_case(rng)
        header = npy_bytes(_header("|O", (3,)), data[1])
        return f"object member holding pickle: {data[0]}", npz_bytes([("x.npy", header)]), \
            None
    return "1001 members", npz_bytes([(f"m{i}.npy", b"") for i in range(1001)]), None


def _save(array):
    out = io.BytesIO()
    np.save(out, array)
    return out.getvalue()


def npy_case(rng):
    """(description, bytes, suffix, expected array / {name: array} / None)."""
    honest = honest_array(rng)
    action = rng.randrange(6)
    if action == 0:
        if rng.random() < 0.5 and honest.size:
            honest = np.asfortranarray(honest.reshape(honest.shape[0], -1))
        return "honest npy", _save(honest), ".npy", honest
    if action in (1, 2):
        return (*_npy_lie(rng), ".npy", None)
    if action == 3:
        return (*_npy_odd(rng), ".npy", None)
    what, data, expected = _npz(rng, honest)
    return what, data, ".npz", expected


# ----- .gz and JSON ---------------------------------------------------------------------
def gz_case(rng):
    """(description, bytes, expected content or None)."""
    choice = rng.randrange(5)
    if choice == 0:
        content = bytes(range(256)) * rng.randrange(1, 40)
        return "honest gz", gzip.compress(content), content
    if choice == 1:
        megabytes = rng.choice([8, 64, 512])
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        zeros, body = bytes(1 << 20), b""
        for _ in range(megabytes):
            body += c.compress(zeros)
        return f"gz of {megabytes} MiB of zeros", body + c.flush(), None
    if choice == 2:
        data = gzip.compress(bytes(1000))
        return "truncated gz", data[:rng.randrange(1, len(data) - 1)], None
    if choice == 3:
        return "gz then garbage", gzip.compress(b"abc") + b"garbage!", None
    return "two gz members", gzip.compress(b"ab") + gzip.compress(b"cd"), b"abcd"


def json_case(rng):
    """(description, bytes, expected dict or None)."""
    choice = rng.randrange(9)
    if choice == 0:
        index = {f"w{i}": i + 1 for i in range(rng.randrange(1, 50))}
        return "honest word index", json.dumps(index).encode(), index
    if choice == 1:
        depth = rng.choice([300, 10 ** 5])
        return f"nested {depth} deep", b'{"a": ' * depth + b"1" + b"}" * depth, None
    if choice == 2:
        return "a word given twice", b'{"the": 1, "the": 2}', None
    if choice == 3:
        return "1.2 million words", (b"{" + b",".join(b'"w%d": %d' % (i, i)
                                                      for i in range(1_200_000))
                                     + b"}"), None
    if choice == 4:
        value = rng.choice(["true", "1.5", "null", '"1"', "[1]", "NaN", "1e999"])
        return f"an id of {value}", b'{"the": ' + value.encode() + b"}", None
    if choice == 5:
        return "an id of 10**5000", b'{"the": 1' + b"0" * 5000 + b"}", None
    if choice == 6:
        return "a list", b'["the", "and"]', None
    if choice == 7:
        return "utf-16", json.dumps({"a": 1}).encode("utf-16"), None
    return "BOM", b"\xef\xbb\xbf" + json.dumps({"a": 1}).encode(), None
