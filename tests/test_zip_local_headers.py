"""A .keras archive's local headers against its central directory (saving/safe_reading.py,
_check_local_header): zipfile reads by the directory, streaming tools by the local
headers, so every field they share must agree; the ways an honest writer leaves a local
field unset (a data descriptor, ZIP64 markers) must still load."""
import io
import os
import struct
import tempfile
import unittest
import zipfile

import numpy as np
from parameterized import parameterized

import kerasmini as keras
from kerasmini import layers
from kerasmini.saving.safe_reading import FileFormatError, UnsafeFileError
from tests.file_mutants import zip_bytes, zip_members
from tests.hostile_mutants import _data_descriptors, zip64_bytes

# Offsets in a local file header: flags, method, (crc, stored size, size).
FLAGS, METHOD, CRC, STORED, SIZE = 6, 8, 14, 18, 22


def model():
    net = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="d")])
    net.set_weights([np.arange(w.size, dtype="float32").reshape(w.shape) / 5
                     for w in net.get_weights()])
    return net


class LocalHeaders(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "m.keras")
            model().save(path)
            with open(path, "rb") as f:
                cls.members = zip_members(f.read())

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def write(self, data):
        path = os.path.join(self.dir.name, "m.keras")
        with open(path, "wb") as f:
            f.write(data)
        return path

    def assert_loads(self, data):
        net = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="d")])
        net.load_weights(self.write(data))
        for a, b in zip(net.get_weights(), model().get_weights()):
            np.testing.assert_array_equal(a, b)

    def assert_refused(self, data, pattern, error=UnsafeFileError):
        net = model()
        before = [w.copy() for w in net.get_weights()]
        with self.assertRaisesRegex(error, pattern):
            net.load_weights(self.write(data))
        for a, b in zip(net.get_weights(), before):
            np.testing.assert_array_equal(a, b)

    def header_of(self, data, name="config.json"):
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
            return zf.getinfo(name).header_offset

    @parameterized.expand([
        ("stored", lambda m: zip_bytes(m)),
        ("deflated", lambda m: zip_bytes(m, zipfile.ZIP_DEFLATED)),
        ("data descriptors", _data_descriptors),  # flag 0x8: local sizes are zeros
        ("zip64", zip64_bytes),
    ])
    def test_honest_archives_of_every_layout_load(self, _, write):
        self.assert_loads(write(self.members))

    @parameterized.expand([("crc", CRC), ("stored size", STORED), ("size", SIZE)])
    def test_each_local_field_disagreeing_is_refused(self, what, offset):
        for name in ("config.json", "model.weights.h5"):
            data = bytearray(zip_bytes(self.members))
            at = self.header_of(data, name)
            value = struct.unpack_from("<I", data, at + offset)[0]
            struct.pack_into("<I", data, at + offset, value + 1)
            with self.subTest(name=name):
                self.assert_refused(bytes(data), f"local header of the member '{name}'.*"
                                    f"the central directory says method 0")

    @parameterized.expand([("stored size", STORED), ("size", SIZE)])
    def test_a_zip64_marker_in_either_size_defers_to_the_directory(self, _, offset):
        """0xFFFFFFFF in one local size field means 'in the ZIP64 extra field': the
        other fields are not compared (the central directory and zipfile decide)."""
        data = bytearray(zip_bytes(self.members))
        at = self.header_of(data)
        struct.pack_into("<I", data, at + offset, 0xFFFFFFFF)
        self.assert_loads(bytes(data))
        struct.pack_into("<H", data, at + METHOD, 8)  # the method is compared still
        self.assert_refused(bytes(data), "says method 8")

    def test_a_data_descriptor_flag_skips_the_sizes_but_not_the_method(self):
        data = bytearray(zip_bytes(self.members))
        at = self.header_of(data)
        struct.pack_into("<H", data, at + FLAGS, 0x8)
        struct.pack_into("<III", data, at + CRC, 0, 0, 0)  # as a streaming writer leaves
        self.assert_loads(bytes(data))
        struct.pack_into("<H", data, at + METHOD, 12)
        self.assert_refused(bytes(data), "says method 12")

    def test_no_local_header_where_the_directory_points_is_refused(self):
        data = bytearray(zip_bytes(self.members))
        at = self.header_of(data)
        data[at:at + 4] = b"PK\x01\x02"
        self.assert_refused(bytes(data), "'config.json'.* has no local header",
                            FileFormatError)


if __name__ == "__main__":
    unittest.main()
