"""Hostile files, one test per attack, each on a file the test crafts with h5py/zipfile.

Every attack must be refused with an error naming the dataset or member, before its data
is read or anything is allocated, and the model's weights must be left as they were.
"""
import io
import json
import os
import struct
import tempfile
import unittest
import zipfile
from unittest import mock

import h5py
import numpy as np

import kerasmini as keras
from kerasmini import layers
from kerasmini.saving import safe_reading
from kerasmini.saving.safe_reading import FileFormatError, UnsafeFileError

KERNEL = "layers/dense/vars/0"  # the (3, 2) float32 kernel of model() below


def model():
    return keras.Sequential([keras.Input((3,)), layers.Dense(2)])


class HostileFiles(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.model = model()
        self.before = self.model.get_weights()

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def weights_file(self, replace_kernel):
        """A .weights.h5 of model() whose kernel dataset is replaced by the attack."""
        path = self.path("evil.weights.h5")
        model().save_weights(path)
        with h5py.File(path, "a") as f:
            del f[KERNEL]
            replace_kernel(f, f["layers/dense/vars"])
        return path

    def assert_refused(self, path, pattern, exception=UnsafeFileError):
        with self.assertRaisesRegex(exception, pattern):
            self.model.load_weights(path)
        for a, b in zip(self.before, self.model.get_weights()):
            np.testing.assert_array_equal(a, b)

    # ----- HDF5: links, external storage, virtual datasets --------------------------
    def test_external_raw_storage_is_refused(self):
        secret = self.path("secret.bin")
        with open(secret, "wb") as f:
            f.write(np.arange(6, dtype="float32").tobytes())
        path = self.weights_file(lambda f, g: g.create_dataset(
            "0", shape=(3, 2), dtype="float32", external=[(secret, 0, 24)]))
        self.assert_refused(path, f"'/{KERNEL}'.*external files")

    def test_external_link_dataset_is_refused(self):
        other = self.path("other.h5")
        with h5py.File(other, "w") as f:
            f["data"] = np.ones((3, 2), "float32")

        def link(f, group):
            group["0"] = h5py.ExternalLink(other, "/data")
        self.assert_refused(self.weights_file(link), f"'/{KERNEL}'.*ExternalLink")

    def test_soft_link_dataset_is_refused(self):
        def link(f, group):
            f["elsewhere"] = np.ones((3, 2), "float32")
            group["0"] = h5py.SoftLink("/elsewhere")
        self.assert_refused(self.weights_file(link), f"'/{KERNEL}'.*SoftLink")

    def test_external_link_group_is_refused(self):
        model().save_weights(self.path("donor.weights.h5"))
        path = self.path("evil.weights.h5")
        model().save_weights(path)
        with h5py.File(path, "a") as f:
            del f["layers/dense"]
            f["layers/dense"] = h5py.ExternalLink(self.path("donor.weights.h5"),
                                                  "/layers/dense")
        self.assert_refused(path, "'/layers/dense'.*ExternalLink")

    def test_virtual_dataset_is_refused(self):
        source = self.path("source.h5")
        with h5py.File(source, "w") as f:
            f["data"] = np.ones((3, 2), "float32")

        def virtual(f, group):
            layout = h5py.VirtualLayout(shape=(3, 2), dtype="float32")
            layout[:] = h5py.VirtualSource(source, "data", shape=(3, 2))
            group.create_virtual_dataset("0", layout)
        self.assert_refused(self.weights_file(virtual), f"'/{KERNEL}'.*virtual")

    def test_compact_layout_is_refused(self):
        def compact(f, group):
            space = h5py.h5s.create_simple((3, 2))
            plist = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
            plist.set_layout(h5py.h5d.COMPACT)
            h5py.h5d.create(group.id, b"0", h5py.h5t.IEEE_F32LE, space, dcpl=plist)
        self.assert_refused(self.weights_file(compact), f"'/{KERNEL}'.*layout")

    def test_chunked_and_compressed_weights_are_read(self):
        kernel = np.arange(6, dtype="float32").reshape(3, 2)
        path = self.weights_file(lambda f, g: g.create_dataset(
            "0", data=kernel, chunks=(2, 1), compression="gzip"))
        self.model.load_weights(path)
        np.testing.assert_array_equal(self.model.layers[0].kernel.numpy(), kernel)

    def test_compression_is_admitted_up_to_the_expansion_cap_and_not_beyond(self):
        path = self.path("zeros.h5")
        with h5py.File(path, "w") as f:  # zeros deflate far: declared >> stored
            f.create_dataset("z", data=np.zeros(4096, "float32"), chunks=(4096,),
                             compression="gzip")
        with h5py.File(path, "r") as f:
            stored = f["z"].id.get_storage_size()
            ratio = -(-4096 * 4 // stored)  # the least expansion that admits it
            self.assertGreater(ratio, 1)
            for expansion, refused in [(ratio, False), (ratio - 1, True)]:
                with mock.patch.multiple(safe_reading, BOMB_FLOOR_BYTES=0,
                                         MAX_H5_EXPANSION=expansion):
                    if refused:
                        with self.assertRaisesRegex(UnsafeFileError, "'/z'.*bomb"):
                            safe_reading.read_dataset(f["z"], "zeros.h5")
                    else:
                        self.assertEqual(safe_reading.read_dataset(f["z"], "zeros.h5")
                                         .shape, (4096,))

    # ----- HDF5: sizes and dtypes checked from the header, before reading -----------
    def test_shape_bomb_is_refused_before_reading(self):
        def bomb(f, group):  # 8 GiB declared, nothing stored
            group.create_dataset("0", shape=(1 << 31,), dtype="float32", chunks=(1 << 16,),
                                 compression="gzip")
        with mock.patch.object(h5py.Dataset, "__getitem__",
                               side_effect=AssertionError("data was read")):
            self.assert_refused(self.weights_file(bomb), r"'/layers/dense/vars/0'.*"
                                r"shape \(2147483648,\)", ValueError)

    def test_declared_size_far_above_stored_is_refused(self):
        path = self.path("bomb.h5")
        with h5py.File(path, "w") as f:
            f.create_dataset("w", shape=(1 << 20,), dtype="float64", chunks=(1 << 14,),
                             compression="gzip")
            with mock.patch.object(h5py.Dataset, "__getitem__",
                                   side_effect=AssertionError("data was read")):
                with self.assertRaisesRegex(UnsafeFileError, "'/w'.*stores only"):
                    safe_reading.read_dataset(f["w"], "bomb.h5", (1 << 20,))
                with mock.patch.object(safe_reading, "MAX_MEMBER_BYTES", 1 << 20):
                    with self.assertRaisesRegex(UnsafeFileError, "'/w'.*limit"):
                        safe_reading.read_dataset(f["w"], "bomb.h5", (1 << 20,),
                                                  max_bytes=safe_reading.MAX_MEMBER_BYTES)

    def test_non_numeric_last_dataset_loads_nothing(self):
        path = self.path("w.weights.h5")
        model().save_weights(path)
        with h5py.File(path, "a") as f:  # the bias: right shape, strings inside
            del f["layers/dense/vars/1"]
            f["layers/dense/vars"].create_dataset("1", data=np.array([b"ab", b"cd"]))
        self.assert_refused(path, "'/layers/dense/vars/1'.*numeric", FileFormatError)

    # ----- zip archives --------------------------------------------------------------
    def archive(self, members, compression=zipfile.ZIP_STORED):
        path = self.path("evil.keras")
        with zipfile.ZipFile(path, "w", compression=compression) as zf:
            for name, data in members.items():
                zf.writestr(name, data)
        return path

    def members(self):
        model().save(self.path("good.keras"))
        with zipfile.ZipFile(self.path("good.keras")) as zf:
            return {n: zf.read(n) for n in zf.namelist()}

    def test_zip_bomb_member_is_refused_before_inflating(self):
        members = self.members()
        members["model.weights.h5"] = bytes(8 << 20)  # deflates ~1000:1
        path = self.archive(members, zipfile.ZIP_DEFLATED)
        real_open = zipfile.ZipFile.open

        def open_unless_weights(archive, info, *args, **kwargs):
            assert getattr(info, "filename", info) != "model.weights.h5", "bomb opened"
            return real_open(archive, info, *args, **kwargs)
        with mock.patch.object(zipfile.ZipFile, "open", open_unless_weights):
            with self.assertRaisesRegex(UnsafeFileError,
                                        "'model.weights.h5'.*decompression bomb"):
                keras.models.load_model(path)

    def test_member_above_the_size_limit_is_refused(self):
        path = self.archive(self.members())
        with mock.patch.object(safe_reading, "MAX_CONFIG_BYTES", 10):
            with self.assertRaisesRegex(UnsafeFileError, "'config.json'.*limit of 10"):
                keras.models.load_model(path)

    def test_member_inflating_beyond_its_declared_size_is_refused(self):
        members = self.members()
        path = self.archive(members, zipfile.ZIP_DEFLATED)
        data = bytearray(open(path, "rb").read())
        true_size = len(members["config.json"])
        forged = struct.pack("<I", 20)
        for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            start = 0
            while (start := data.find(signature, start)) >= 0:
                if struct.unpack_from("<I", data, start + offset)[0] == true_size:
                    data[start + offset:start + offset + 4] = forged  # declares 20 bytes
                start += 4
        with open(path, "wb") as f:
            f.write(data)
        with self.assertRaisesRegex(FileFormatError, "config.json|corrupt|CRC"):
            keras.models.load_model(path)

    def test_streamed_read_stops_at_the_cap_whatever_the_header_says(self):
        path = self.archive({"m": bytes(3 << 20)})
        with zipfile.ZipFile(path) as zf:
            zf.getinfo("m").file_size = 10  # a header that lies (zipfile trusts it)
            with mock.patch.object(safe_reading, "READ_PIECE_BYTES", 4):
                with self.assertRaisesRegex(safe_reading.FileFormatError, "'m'"):
                    safe_reading.read_member(zf, "m", 1 << 30, "evil.keras")

    def test_lambda_layer_is_refused_and_its_code_never_read(self):
        """A Lambda layer's function (marshalled bytecode, base64 in config.json, as
        Keras writes it) is code: refused by name, whatever it holds, as Keras does in
        safe mode; nothing is built. The same for a config given to model_from_json."""
        members = self.members()
        config = json.loads(members["config.json"])
        lam = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
               "config": {"name": "lam", "trainable": True, "dtype": "float32",
                          "function": {"class_name": "__lambda__", "config": {
                              "code": "4wEAAAAAAAAA", "defaults": None, "closure": None}},
                          "arguments": {}}, "build_config": {"input_shape": [None, 2]}}
        config["config"]["layers"].append(lam)
        members["config.json"] = json.dumps(config)
        with mock.patch("marshal.loads", side_effect=AssertionError("code unmarshalled")):
            with self.assertRaisesRegex(ValueError, "Lambda layer \\('lam'\\).*never runs "
                                                    "code from a file"):
                keras.models.load_model(self.archive(members))
            with self.assertRaisesRegex(ValueError, "Lambda layer"):
                keras.models.model_from_json(json.dumps(config))

    def test_config_declaring_huge_layers_is_refused_before_allocating(self):
        members = self.members()
        config = json.loads(members["config.json"])
        dense = config["config"]["layers"][-1]["config"]
        dense["units"] = 1 << 28  # a 3 GiB kernel declared in a file of a few KB
        members["config.json"] = json.dumps(config)
        with mock.patch("kerasmini.initializers.GlorotUniform.__call__",
                        side_effect=AssertionError("weights were allocated")):
            with self.assertRaisesRegex(ValueError, "dense.*kernel.*refusing to allocate"):
                keras.models.load_model(self.archive(members))


class SafeReadingApi(unittest.TestCase):
    def test_plain_file_reads_through_every_helper(self):
        buffer = io.BytesIO()
        with h5py.File(buffer, "w") as f:
            f["a/b/c"] = np.arange(4.0)
        with safe_reading.open_h5(buffer, "buffer") as f:
            group = safe_reading.h5_group(f, "a/b", "buffer")
            self.assertIsNone(safe_reading.h5_group(f, "a/x", "buffer"))
            dataset = safe_reading.h5_dataset(group, "c", "buffer")
            np.testing.assert_array_equal(
                safe_reading.read_dataset(dataset, "buffer", (4,)), np.arange(4.0))
            with self.assertRaisesRegex(FileFormatError, "'/a/b/c'.*should be a group"):
                safe_reading.h5_group(f, "a/b/c", "buffer")
            with self.assertRaisesRegex(FileFormatError, "'/a/b'.*should be a dataset"):
                safe_reading.h5_dataset(f["a"], "b", "buffer")
