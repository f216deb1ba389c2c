"""Data files that are not models, read as data: the dataset cache's pickles, .npz,
.gz and JSON word indexes, and `kerasmini check --inputs` arrays. One test per class
the generators of tests/data_mutants.py found (each built here, small), then the seeded
sample of every family read in a worker under a memory limit (tests/data_fuzz.py)."""
import gzip
import io
import pickle
import random
import struct

import numpy as np
import pytest

from kerasmini.check.inputs import read_inputs
from kerasmini.datasets import safe_files
from kerasmini.datasets.safe_pickle import load_pickle
from kerasmini.saving.safe_arrays import load_arrays, read_npy
from kerasmini.saving.safe_reading import FileFormatError, UnsafeFileError
from tests import data_fuzz, data_mutants
from tests.data_mutants import npy_bytes, npz_bytes

CASES_PER_FAMILY = 40  # 120 cases, ~170 reads, one worker: ~8 s


def loads(data, encoding="ASCII"):
    return load_pickle(io.BytesIO(data), "test.pkl", encoding=encoding)


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


# ----- .npy / .npz: the header against the bytes -------------------------------------
@pytest.mark.parametrize("shape", [(10 ** 12, 4), (2 ** 40, 2 ** 40), (3, 4), (2, -4),
                                   (True, 8)])
def test_an_npy_header_is_checked_against_its_data_before_allocating(tmp_path, shape):
    """np.load allocates the header's shape first: (10**12, 4) float32 over 32 bytes
    was a MemoryError (14.6 TiB), (True, 8) a TypeError from reshape."""
    header = repr({"descr": "<f4", "fortran_order": False, "shape": shape})
    path = write(tmp_path, "x.npy", npy_bytes(header, bytes(32)))
    with pytest.raises(FileFormatError, match="declares"):
        load_arrays(path)


@pytest.mark.parametrize("fortran", [False, True])
@pytest.mark.parametrize("dtype", ["<f4", ">f8", "|u1", "|b1", "<i8", "<U3"])
def test_honest_arrays_load_as_np_load_reads_them(tmp_path, fortran, dtype):
    values = np.arange(12).reshape(3, 4).astype(dtype)
    values = np.asfortranarray(values) if fortran else values
    path = str(tmp_path / "x.npy")
    np.save(path, values)
    loaded = load_arrays(path)
    reference = np.load(path)
    assert loaded.dtype == reference.dtype and loaded.flags.f_contiguous == fortran
    np.testing.assert_array_equal(loaded, reference)


def test_object_and_structured_arrays_are_refused_by_check(tmp_path):
    objects = np.empty(2, dtype=object)
    objects[:] = [[1], [2]]
    path = str(tmp_path / "o.npy")
    np.save(path, objects, allow_pickle=True)
    with pytest.raises(FileFormatError, match="object array .* allow_pickle=False"):
        load_arrays(path)
    structured = npy_bytes(repr({"descr": [("a", "<f4")], "fortran_order": False,
                                 "shape": (2,)}), bytes(8))
    with pytest.raises(FileFormatError, match="only arrays of plain"):
        read_npy(structured, "s.npy")


def test_an_npz_bomb_and_a_lying_member_are_refused_by_both_readers(tmp_path):
    """16 MiB of zeros deflated ~1000x was inflated in full by np.load (check)."""
    bomb = write(tmp_path, "bomb.npz", data_mutants._deflate_bomb(16))
    liar = write(tmp_path, "liar.npz", npz_bytes([("x.npy", npy_bytes(repr(
        {"descr": "<f4", "fortran_order": False, "shape": (10 ** 12,)})))]))
    for read in (load_arrays, safe_files.load_npz):
        with pytest.raises(UnsafeFileError, match="decompression bomb"):
            read(bomb)
        with pytest.raises(FileFormatError, match=r"declares an array of shape \(10000"):
            read(liar)


def test_check_reads_named_arrays_from_an_npz(tmp_path):
    class Tensor:
        def __init__(self, name):
            self.name, self.shape, self.dtype = name, (None, 2), "float32"
    a, b = np.ones((3, 2), "float32"), np.zeros((3, 2), "float32")
    path = str(tmp_path / "in.npz")
    np.savez(path, b=b, a=a)
    got = read_inputs(path, [Tensor("a"), Tensor("b")])
    np.testing.assert_array_equal(got[0], a)
    np.testing.assert_array_equal(got[1], b)
    with pytest.raises(FileFormatError, match="neither an .npy nor an .npz"):
        read_inputs(write(tmp_path, "p.npy", pickle.dumps(a)), [Tensor("a")])


# ----- pickles ---------------------------------------------------------------------------
def object_array_pickle(shape_opcode):
    """An object array of three lists, its state's shape replaced."""
    array = np.empty(3, dtype=object)
    array[:] = [[1], [2], [3]]
    data = pickle.dumps(array, protocol=2)
    return data.replace(b"K\x03\x85", shape_opcode, 1)


@pytest.mark.parametrize("shape", [b"K\x04\x85", b"J\x00\x00\x00\x10\x85", b"K\x02\x85"])
def test_an_array_state_whose_data_does_not_fill_its_shape_is_refused(shape):
    """numpy's ndarray.__setstate__ reads past a short object list (shape (2**28,)
    with 3 elements: a segmentation fault); the recipe counts first."""
    with pytest.raises(FileFormatError, match="declares an object array of shape"):
        loads(object_array_pickle(shape))


def test_reconstruct_with_a_huge_shape_is_refused_before_numpy_allocates():
    """_reconstruct(ndarray, (10**9,), 'O') cleared 8 GB (17 s) before the state."""
    _, make = next(c for c in data_mutants.CODE_PICKLES if c[0].startswith("_reconstruct"))
    with pytest.raises(FileFormatError, match="NumPy pickles"):
        loads(make())


@pytest.mark.parametrize("opcode, index", [(b"r", 2 ** 31 - 1), (b"r", 2 ** 28),
                                           (b"j", 2 ** 20)])
def test_a_memo_index_beyond_the_stream_is_refused_before_unpickling(opcode, index):
    """LONG_BINPUT 2**28 made the C unpickler allocate and clear 4 GiB of memo."""
    with pytest.raises(UnsafeFileError, match=f"memo entry {index}"):
        loads(b"\x80\x02N" + opcode + struct.pack("<I", index) + b".")


@pytest.mark.parametrize("opcode", [b"\x8e", b"\x8d", b"\x96", b"\x95"])
def test_a_declared_length_beyond_the_stream_is_refused(opcode):
    with pytest.raises(FileFormatError, match="beyond the 15 bytes"):
        loads(b"\x80\x05" + opcode + struct.pack("<Q", 2 ** 40) + b"abc.")


@pytest.mark.parametrize("name, data", [
    ("PERSID", b"Pid\n."), ("EXT2", b"\x80\x02\x83\x01\x02."),
    ("INST", b"(S'x'\nios\nsystem\n."), ("NEWOBJ", b"\x80\x02cnumpy\nndarray\n)\x81.")])
def test_opcodes_a_data_pickle_never_holds_are_refused(name, data):
    with pytest.raises(UnsafeFileError, match=f"opcode {name}"):
        loads(data)


@pytest.mark.parametrize("what", ["lists sharing", "a list holding itself",
                                  "a dict holding itself", "a tuple holding"])
def test_shared_and_self_holding_containers_are_refused(what):
    """60 levels of lists sharing each other: 2**60 leaves for any loop that follows."""
    rng = random.Random(0)
    while True:
        description, data = data_mutants._shared(rng)
        if description.startswith(what):
            break
    with pytest.raises(UnsafeFileError, match="in two places"):
        loads(data)


def test_nesting_is_bounded_and_never_a_recursion_error():
    with pytest.raises(UnsafeFileError, match="nests values more than"):
        loads(b"\x80\x04" + b"]" * 100_000 + b"a" * 99_999 + b".")


@pytest.mark.parametrize("protocol", range(5))
def test_honest_pickles_of_every_protocol_load_the_same(protocol):
    batch = {b"labels": [1, 2], b"data": np.arange(24, dtype=np.uint8).reshape(2, 12),
             "words": ("a", b"b", 10 ** 30, 2.5, None), "ids": np.array([1.5, -2.0])}
    loaded = loads(pickle.dumps(batch, protocol=protocol))
    assert data_fuzz._equal(loaded, batch)


def test_bytes_are_decoded_only_from_latin1_text():
    evil = b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x05\x00\x00\x00utf-7\x86R."
    with pytest.raises(FileFormatError, match="as 'utf-7'"):
        loads(evil)


# ----- .gz and JSON ----------------------------------------------------------------------
def test_a_gzip_stream_may_inflate_at_most_100x_its_size(tmp_path, monkeypatch):
    ratio = write(tmp_path, "z.gz", gzip.compress(bytes(8 << 20)))  # ~1000x
    with pytest.raises(UnsafeFileError, match="decompression bomb"):
        safe_files.read_gzip(ratio)
    honest = bytes(range(256)) * 4096
    assert safe_files.read_gzip(write(tmp_path, "h.gz", gzip.compress(honest))) == honest


@pytest.mark.parametrize("text, pattern", [
    (b'{"the": 1, "the": 2}', "twice"), (b'{"the": true}', "integer ids"),
    (b'{"a": ' * 5000 + b"1" + b"}" * 5000, "nests"), (b'{"the": 1.0}', "integer ids")])
def test_a_word_index_is_checked_as_configs_are(tmp_path, monkeypatch, text, pattern):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "imdb_word_index.json").write_bytes(text)
    import kerasmini as keras
    with pytest.raises(FileFormatError, match=pattern):
        keras.datasets.imdb.get_word_index()


# ----- the families, seeded --------------------------------------------------------------
def test_every_family_s_seeded_cases_load_or_are_refused_cleanly():
    records = data_fuzz.run(count=CASES_PER_FAMILY, run_seed=0)
    assert {r["case"].split(":")[0] for r in records} == set(data_fuzz.FAMILIES)
    assert any(r["neutral"] and r["outcome"] == "loaded" for r in records)
    assert not data_fuzz.failures(records), data_fuzz.failures(records)[:5]
