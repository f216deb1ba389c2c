"""Hostile files below the APIs (tests/hostile_mutants.py generates them by family; the
seeded sample runs at the end): each class the generators found, as a small file built
here, refused by kerasmini's own check *before* libhdf5 or json would allocate, and the
honest variant of each still loading the same weights."""
import io
import json
import os
import struct
import tempfile
import unittest
from unittest import mock
import zipfile
import zlib

import h5py
import numpy as np
from parameterized import parameterized

import kerasmini as keras
from kerasmini import layers
from kerasmini.inspection.reader import inspect_file
from kerasmini.saving import h5_headers
from kerasmini.saving import safe_reading as safe
from kerasmini.saving.legacy_h5 import text
from kerasmini.saving.safe_reading import FileFormatError, UnsafeFileError
from tests import file_fuzz, hostile_mutants
from tests.file_fuzz import write_tf2_h5
from tests.file_mutants import Mutant, zip_bytes, zip_members

MUTANTS_PER_FAMILY = 40  # 120 mutants, ~330 reads, one worker: ~15 s


def model():
    net = keras.Sequential([keras.Input((3,)), layers.Dense(4, name="d"),
                            layers.Dense(2, name="e")])
    net.set_weights([np.arange(w.size, dtype="float32").reshape(w.shape) / 7
                     for w in net.get_weights()])
    return net


def vlen_descriptor(data, key="model_config"):
    """Offset in the file of the root attribute `key`'s first variable-length
    descriptor (its length field), found through its header."""
    with h5py.File(io.BytesIO(bytes(data)), "r") as f:
        address = h5py.h5o.get_info(f.id).addr
    _, raw = h5_headers.attribute_message(data, address, key)
    return bytes(data).index(raw[:16])


class HostileFormats(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def path(self, name, data=None):
        path = os.path.join(self.dir.name, name)
        if data is not None:
            with open(path, "wb") as f:
                f.write(data)
        return path

    def legacy_bytes(self, net=None, **options):
        """A legacy .h5 of `net` whose names and config are variable-length strings
        (as h5py stores a str), optionally rewritten with `_rebuilt(**options)`."""
        path = self.path("m.h5")
        write_tf2_h5(path, net or model())
        with h5py.File(path, "r+") as f:
            f.attrs["model_config"] = text(f.attrs["model_config"])
            for group in (f["model_weights"], *f["model_weights"].values()):
                for key in ("layer_names", "weight_names"):
                    if key in group.attrs:
                        group.attrs[key] = np.array([text(n) for n in group.attrs[key]],
                                                    dtype=h5py.string_dtype())
        if options:  # the same file rewritten (a format version, a user block)
            with open(path, "rb") as f:
                return hostile_mutants._rebuilt(f.read(), **options)
        with open(path, "rb") as f:
            return f.read()

    def assert_refused_unchanged(self, path, pattern, error=FileFormatError):
        net = model()
        before = [w.copy() for w in net.get_weights()]
        with self.assertRaisesRegex(error, pattern):
            net.load_weights(path)
        for a, b in zip(net.get_weights(), before):
            np.testing.assert_array_equal(a, b)

    # ----- variable-length attributes -------------------------------------------------
    @parameterized.expand([(0xFFFFFFF0,), (0x40000000,), (1 << 20,)])
    def test_a_vlen_length_beyond_the_file_is_refused_before_libhdf5_allocates(self, n):
        """Each attribute's descriptors are read from the object header's bytes: a
        length of 4 GiB in a 16-byte descriptor is refused, not allocated (under a
        memory limit libhdf5 would fail with 'memory allocation failed'; without one
        it takes the memory)."""
        data = bytearray(self.legacy_bytes())
        struct.pack_into("<I", data, vlen_descriptor(data), n)
        path = self.path("bad.h5", bytes(data))
        for read in (keras.models.load_model, inspect_file):
            with self.subTest(read.__name__), self.assertRaisesRegex(
                    UnsafeFileError, f"'model_config'.*declares {n} bytes of variable-"):
                read(path)
        data = bytearray(self.legacy_bytes())  # the names load_weights reads
        with h5py.File(io.BytesIO(bytes(data)), "r") as f:
            address = h5py.h5o.get_info(f["model_weights"].id).addr
        _, raw = h5_headers.attribute_message(data, address, "layer_names")
        struct.pack_into("<I", data, bytes(data).index(raw[16:32]), n)
        self.assert_refused_unchanged(self.path("bad2.h5", bytes(data)), "'layer_names'"
                                      ".*declares \\d+ bytes of variable", UnsafeFileError)

    @parameterized.expand([("earliest",), ("v110",), ("latest",)])
    def test_honest_vlen_attributes_load_in_every_header_version(self, libver):
        net = model()
        data = self.legacy_bytes(net, libver=(libver, "latest"))
        if libver == "latest":
            self.assertIn(b"OHDR", data)  # version 2 object headers
        loaded = keras.models.load_model(self.path("m2.h5", data))
        for a, b in zip(loaded.get_weights(), net.get_weights()):
            np.testing.assert_array_equal(a, b)

    def test_a_user_block_moves_every_address_and_still_loads(self):
        net = model()
        data = self.legacy_bytes(net, userblock=512, prefix=zip_bytes({"x": b"y"}))
        self.assertEqual(data[:2], b"PK")  # the file is a zip's start as well
        loaded = keras.models.load_model(self.path("ub.h5", data))
        np.testing.assert_array_equal(loaded.get_weights()[0], net.get_weights()[0])

    def test_dense_shared_and_nested_vlen_attributes_are_refused(self):
        def file_with(make):
            buffer = io.BytesIO()
            with h5py.File(buffer, "w", libver="latest", track_order=True) as f:
                make(f)
            return io.BytesIO(buffer.getvalue())

        def many(f):  # past 8 attributes, creation order tracked: dense storage
            for i in range(12):
                f.attrs[f"a{i}"] = "x"

        def compound(f):
            f.attrs.create("a0", np.array([("x",)], [("s", h5py.string_dtype())]))

        for make, pattern in ((many, "dense storage"), (compound, "nests variable")):
            with self.subTest(pattern), safe.open_h5(file_with(make), "t") as f:
                with self.assertRaisesRegex(FileFormatError, pattern):
                    safe.read_attribute(f.attrs, "a0", "t")

    def test_header_parser_refuses_blocks_outside_the_file_and_loops(self):
        data = bytearray(self.legacy_bytes())
        with h5py.File(io.BytesIO(bytes(data)), "r") as f:
            address = h5py.h5o.get_info(f.id).addr
        self.assertIsNotNone(h5_headers.attribute_message(data, address, "model_config"))
        struct.pack_into("<I", data, address + 8, 1 << 30)  # the header's size
        with self.assertRaisesRegex(h5_headers.HeaderError, "outside the file"):
            h5_headers.attribute_message(data, address, "model_config")
        with self.assertRaisesRegex(h5_headers.HeaderError, "no object header"):
            h5_headers.attribute_message(data, address + 1, "model_config")

    @parameterized.expand([("earliest", 13), ("latest", 9)])
    def test_a_superblock_declaring_4_byte_sizes_is_refused(self, libver, sizes_at):
        """The superblock's size of offsets and size of lengths (bytes 13, 14 of version
        0, 9, 10 of versions 2 and 3): either one other than 8 is refused, each read from
        its own byte."""
        data = self.legacy_bytes(libver=(libver, "latest"))
        with h5py.File(io.BytesIO(data), "r") as f:
            address = h5py.h5o.get_info(f.id).addr
        self.assertEqual(h5_headers.superblock(data), (0, 8, 8))
        self.assertIsNotNone(h5_headers.attribute_message(data, address, "model_config"))
        for which, expected in ((0, (0, 4, 8)), (1, (0, 8, 4))):
            bad = bytearray(data)
            bad[sizes_at + which] = 4
            self.assertEqual(h5_headers.superblock(bad), expected)
            with self.subTest(which=which), self.assertRaisesRegex(
                    h5_headers.HeaderError, "only 8 are checked"):
                h5_headers.attribute_message(bad, address, "model_config")

    def test_header_parser_answers_or_refuses_whatever_the_bytes(self):
        """Every byte of the root object header and its messages, set to each of a few
        values: the parser returns an attribute or raises HeaderError, nothing else."""
        clean = bytearray(self.legacy_bytes())
        with h5py.File(io.BytesIO(bytes(clean)), "r") as f:
            address = h5py.h5o.get_info(f.id).addr
        for at in range(address, address + 400):
            for value in (0x00, 0xFF, 0x7F, 0x10):
                data = bytearray(clean)
                data[at] = value
                try:
                    h5_headers.attribute_message(data, address, "model_config")
                except h5_headers.HeaderError:
                    pass
        for cut in range(address, address + 400, 7):  # the file ending inside it
            with self.assertRaises(h5_headers.HeaderError):
                h5_headers.attribute_message(clean[:cut], address, "model_config")

    # ----- chunks and filters -------------------------------------------------------------
    def weights_with(self, make):
        """A .weights.h5 of model() whose layers/d/vars/0 is made by make(group, values)."""
        path = self.path("m.weights.h5")
        model().save_weights(path)
        with h5py.File(path, "r+") as f:
            group = f["layers/dense/vars"]
            values = group["0"][()]
            del group["0"]
            make(group, values)
        return path

    def test_a_deflate_chunk_inflating_beyond_its_chunk_is_refused_before_decoding(self):
        def bomb(group, values):
            d = group.create_dataset("0", shape=values.shape, dtype="f4",
                                     chunks=values.shape, compression="gzip")
            d.id.write_direct_chunk((0, 0), zlib.compress(bytes(64 << 20), 9))
        self.assert_refused_unchanged(self.weights_with(bomb), r"decodes to more than 48 "
                                      "bytes; a chunk holds 48", UnsafeFileError)

    @parameterized.expand([
        ("not zlib", b"\x00garbage" * 4, "corrupt: not a deflate stream", FileFormatError),
        ("short", zlib.compress(bytes(40)), "decodes to 40 bytes", UnsafeFileError),
        ("one over", zlib.compress(bytes(49)), "more than 48", UnsafeFileError)])
    def test_a_deflate_chunk_decoding_to_other_than_its_size_is_refused(self, _, raw,
                                                                         pattern, error):
        def corrupt(group, values):
            d = group.create_dataset("0", shape=values.shape, dtype="f4",
                                     chunks=values.shape, compression="gzip")
            d.id.write_direct_chunk((0, 0), raw)
        self.assert_refused_unchanged(self.weights_with(corrupt), pattern, error)
        if error is FileFormatError:  # corrupt, not hostile
            with self.assertRaises(FileFormatError) as caught:
                model().load_weights(self.weights_with(corrupt))
            self.assertNotIsInstance(caught.exception, UnsafeFileError)

    def test_a_chunk_far_larger_than_its_dataset_is_refused(self):
        def huge(group, values):
            group.create_dataset("0", data=values, maxshape=(None, None),
                                 chunks=(1 << 12, 1 << 10))
        self.assert_refused_unchanged(self.weights_with(huge), "chunks of 16777216 bytes "
                                      "for 48 bytes", UnsafeFileError)

    @parameterized.expand([("lzf", dict(compression="lzf")),
                           ("scaleoffset", dict(scaleoffset=4))])
    def test_filters_whose_output_kerasmini_cannot_bound_are_refused(self, name, options):
        self.assert_refused_unchanged(self.weights_with(
            lambda g, v: g.create_dataset("0", data=v, chunks=v.shape, **options)),
            f"filter \\d+ \\({name}", UnsafeFileError)

    def test_a_weight_of_an_hdf5_type_numpy_lacks_is_refused_by_name(self):
        def int24(group, values):
            file_type = h5py.h5t.STD_I32LE.copy()
            file_type.set_size(3)
            h5py.h5d.create(group.id, b"0", file_type, h5py.h5s.create_simple(values.shape))
        path = self.weights_with(int24)
        self.assert_refused_unchanged(path, "'/layers/dense/vars/0'.*HDF5 datatype NumPy "
                                      "cannot hold")
        with self.assertRaisesRegex(FileFormatError, "NumPy cannot hold"):
            inspect_file(path)

    def test_deflate_shuffle_and_fletcher32_chunks_load_the_same_weights(self):
        net = model()
        path = self.weights_with(lambda g, v: g.create_dataset(
            "0", data=v, chunks=(2, 2), compression="gzip", shuffle=True,
            fletcher32=True))
        fresh = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.Dense(2)])
        fresh.load_weights(path)
        for a, b in zip(fresh.get_weights(), net.get_weights()):
            np.testing.assert_array_equal(a, b)

    def test_a_group_listing_a_member_it_lacks_is_refused(self):
        """A corrupt index lists a name whose link lookup finds nothing (inspect walked
        into None and raised TypeError)."""
        with self.assertRaisesRegex(FileFormatError, "lists \\['ghost'\\] but holds"):
            safe.h5_items(GhostGroup(), "t")

    # ----- zip and JSON -------------------------------------------------------------
    def keras_members(self):
        path = self.path("m.keras")
        model().save(path)
        with open(path, "rb") as f:
            return zip_members(f.read())

    @parameterized.expand([
        ("a key twice", lambda t: t.replace('"class_name": "', '"class_name": "Evil", '
                                            '"class_name": "', 1),
         "key\\(s\\) \\['class_name'\\] twice"),
        ("2M values", lambda t: '{"pad": [' + "{}," * 2_000_000 + "{}], " + t[1:],
         "about \\d+ JSON values, more than the limit of 1000000"),
    ])
    def test_json_that_means_two_things_or_costs_gigabytes_is_refused(self, _, edit,
                                                                       pattern):
        """A duplicate key is read as the last by Python, the first by other readers;
        60 MiB of `{},` costs json 1.5 GB: both are refused before a layer is built."""
        members = self.keras_members()
        members["config.json"] = edit(members["config.json"].decode()).encode()
        path = self.path("bad.keras", zip_bytes(members))
        for read in (keras.models.load_model, inspect_file):
            with self.subTest(read.__name__), self.assertRaisesRegex(FileFormatError,
                                                                     pattern):
                read(path)

    def test_a_local_header_disagreeing_with_the_central_directory_is_refused(self):
        data = bytearray(zip_bytes(self.keras_members()))
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
            at = zf.getinfo("config.json").header_offset
        struct.pack_into("<H", data, at + 8, 8)  # the local header says deflate
        self.assert_refused_unchanged(self.path("bad.keras", bytes(data)),
                                      "local header of the member 'config.json'.* says "
                                      "method 8", UnsafeFileError)

    # ----- names in configs -----------------------------------------------------------
    @parameterized.expand([(what,) for what, _ in hostile_mutants.payloads()])
    def test_code_named_as_an_activation_or_a_layer_never_runs(self, what):
        payload = dict(hostile_mutants.payloads())[what]
        path = self.path("m.keras")
        model().save(path)
        members = zip_members(open(path, "rb").read())
        config = json.loads(members["config.json"])
        dense = config["config"]["layers"][1]
        dense["config"]["activation"] = payload
        members["config.json"] = json.dumps(config).encode()
        bad = self.path("bad.keras", zip_bytes(members))
        with self.assertRaises((ValueError, TypeError)) as caught:
            keras.models.load_model(bad).predict(np.ones((1, 3), "float32"), verbose=0)
        self.assertTrue(str(caught.exception))
        self.assertFalse(os.path.exists(hostile_mutants.MARKER), "the payload ran")


class GhostGroup:
    """A group whose index lists a name its links do not hold."""
    name = "/layers/dense/vars"

    def __len__(self):
        return 1

    def __iter__(self):
        return iter(["ghost"])

    def get(self, name, getlink=False):
        return None


class HostileFamiliesSample(unittest.TestCase):
    def test_every_reader_refuses_or_loads_right(self):
        """Every hostile family, read in one worker (one build of the seeds) under a
        2 GiB address-space limit."""
        families = list(hostile_mutants.FAMILIES)
        records = file_fuzz.run(families, MUTANTS_PER_FAMILY, run_seed=0, memory_mb=2048)
        self.assertEqual(len(records), MUTANTS_PER_FAMILY * len(families))
        problems = [f"{r['family']}:{r['index']} ({r['seed']}: {r['mutant'][:100]}) "
                    f"{reader}: {outcome}" for r, reader, outcome in file_fuzz.failures(records)]
        self.assertEqual(problems, [], "replay one: python -m tests.file_fuzz --replay "
                                       "family:index\n" + "\n".join(problems))


class VerdictsOnHostileReaders(unittest.TestCase):
    """A refusal caused by memory running out, and a payload that ran, both fail."""

    def outcome(self, read):
        seed = file_fuzz.Seed("none", "weights", b"x")
        with tempfile.TemporaryDirectory() as folder, mock.patch.object(
                file_fuzz, "_readers", return_value={"reader": read}):
            return file_fuzz.read_mutant(seed, Mutant(b"x", "t"), folder)["reader"]

    def test_an_allocation_failure_is_not_a_refusal(self):
        def libhdf5_out_of_memory(path, *_):
            try:
                raise OSError("Can't synchronously read data (memory allocation failed "
                              "for chunk)")
            except OSError as error:
                raise FileFormatError(f"Cannot read the attribute 'name': {error}") \
                    from error
        self.assertRegex(self.outcome(libhdf5_out_of_memory), "^FAIL allocation failure")

    def test_a_payload_that_ran_fails(self):
        def runs(path, *_):
            open(hostile_mutants.MARKER, "w").close()
            raise ValueError("refused, but too late")
        self.assertEqual(self.outcome(runs), "FAIL code named in the file ran")
        self.assertFalse(os.path.exists(hostile_mutants.MARKER))


if __name__ == "__main__":
    unittest.main()
