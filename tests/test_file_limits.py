"""Every size limit of saving/safe_reading.py at its documented value: an input exactly
at the limit passes that check, one unit above is refused, naming the limit.

The numbers are written here, not read from the module: a limit ten times larger (or a
`>` made `>=`) must fail a test, and tests that patch a limit to reach it cheaply
(tests/test_hostile_files.py) cannot see that. Where building a real file at the limit
would cost seconds (a 4 GiB member, 100,000 HDF5 members), the check is called with a
stand-in object that only answers what the check asks before it reads anything; each
stand-in then stops the reader with `Passed` right after the check."""
import io
import types
import unittest
import zipfile

import h5py
import numpy as np

from kerasmini.saving import safe_reading as safe
from kerasmini.saving.safe_reading import FileFormatError, UnsafeFileError

GiB, MiB = 1 << 30, 1 << 20


class Passed(Exception):
    """Raised by a stand-in once the check under test has let its input through."""


def _stop(*_, **__):
    raise Passed


class Archive:
    """A ZipFile's stand-in holding ZipInfos only (sizes as a central directory says);
    reading any member's bytes raises Passed."""

    def __init__(self, infos):
        self.infos = {info.filename: info for info in infos}
        self.fp = types.SimpleNamespace(seek=_stop)

    def getinfo(self, name):
        return self.infos[name]

    def infolist(self):
        return list(self.infos.values())


def member(name, size, stored=None):
    info = zipfile.ZipInfo(name)
    info.file_size, info.compress_size = size, size if stored is None else stored
    info.header_offset = 0
    return info


class ZipLimits(unittest.TestCase):
    def read(self, size, stored=None, max_bytes=None, name="model.weights.h5"):
        archive = Archive([member(name, size, stored)])
        safe.read_member(archive, name, max_bytes, "m.keras")

    def test_a_member_of_4_gib_passes_and_one_byte_more_is_refused(self):
        with self.assertRaises(Passed):
            self.read(4 * GiB, max_bytes=safe.MAX_MEMBER_BYTES)
        with self.assertRaisesRegex(UnsafeFileError, f"declares {4 * GiB + 1} bytes, more "
                                    f"than the limit of {4 * GiB}"):
            self.read(4 * GiB + 1, max_bytes=safe.MAX_MEMBER_BYTES)

    def test_a_config_member_of_64_mib_passes_and_one_byte_more_is_refused(self):
        with self.assertRaises(Passed):
            self.read(64 * MiB, max_bytes=safe.MAX_CONFIG_BYTES, name="config.json")
        with self.assertRaisesRegex(UnsafeFileError, f"more than the limit of {64 * MiB}"):
            self.read(64 * MiB + 1, max_bytes=safe.MAX_CONFIG_BYTES, name="config.json")

    def test_compression_up_to_100x_passes_above_the_1_mib_floor(self):
        with self.assertRaises(Passed):  # at the floor any ratio is harmless
            self.read(MiB, stored=1, max_bytes=GiB)
        with self.assertRaisesRegex(UnsafeFileError, "decompression bomb"):
            self.read(MiB + 1, stored=1, max_bytes=GiB)
        with self.assertRaises(Passed):  # exactly 100x
            self.read(2_000_000, stored=20_000, max_bytes=GiB)
        with self.assertRaisesRegex(UnsafeFileError, "declares 2000000 bytes but stores "
                                    "only 19999"):
            self.read(2_000_000, stored=19_999, max_bytes=GiB)

    def test_1000_members_pass_and_1001_are_refused(self):
        infos = [member(f"assets/{i}", 1) for i in range(1001)]
        self.assertEqual(len(safe.check_members(Archive(infos[:1000]), "m.keras")), 1000)
        with self.assertRaisesRegex(UnsafeFileError, "has 1001 members \\(limit 1000\\)"):
            safe.check_members(Archive(infos), "m.keras")


class JsonLimits(unittest.TestCase):
    @staticmethod
    def marked(count):
        """A JSON object holding `count` commas and brackets: '{', '[', count - 2 commas."""
        return '{"a": [' + "0," * (count - 2) + "0]}"

    def test_a_million_values_pass_and_one_more_is_refused(self):
        for text in (self.marked(1_000_000), self.marked(1_000_000).encode()):
            self.assertEqual(len(safe.parse_json_object(text, "config.json")["a"]), 999_999)
        with self.assertRaisesRegex(UnsafeFileError, "about 1000001 JSON values, more than "
                                    "the limit of 1000000"):
            safe.parse_json_object(self.marked(1_000_001), "config.json")

    def test_200_levels_pass_and_201_are_refused(self):
        def nested(levels):  # a dict holding lists, `levels` containers deep in all
            return '{"a": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"

        self.assertIn("a", safe.parse_json_object(nested(200), "config.json"))
        with self.assertRaisesRegex(FileFormatError, "more than 200 levels"):
            safe.parse_json_object(nested(201), "config.json")


def h5_file(**options):
    return h5py.File(io.BytesIO(), "w", **options)


class H5Limits(unittest.TestCase):
    def test_100000_group_members_pass_and_100001_are_refused(self):
        for count, passes in ((100_000, True), (100_001, False)):
            stand_in = type("Group", (), {"name": "/g", "__len__": lambda self, n=count: n,
                                          "__iter__": lambda self: iter(())})()
            if passes:
                self.assertEqual(safe.h5_items(stand_in, "m.h5"), [])
            else:
                with self.assertRaisesRegex(UnsafeFileError,
                                            "100001 members \\(limit 100000\\)"):
                    safe.h5_items(stand_in, "m.h5")

    def test_an_attribute_of_2_to_the_20_values_passes_and_one_more_is_refused(self):
        with h5_file(libver="latest") as f:  # dense attribute storage: no 64 KiB cap
            f.attrs["ok"] = np.zeros(1 << 20, np.uint8)
            f.attrs["big"] = np.zeros((1 << 20) + 1, np.uint8)
            self.assertEqual(safe.read_attribute(f.attrs, "ok", "m.h5").size, 1 << 20)
            with self.assertRaisesRegex(UnsafeFileError, f"declares {(1 << 20) + 1} values"
                                        f".*limit of {1 << 20} values and {64 * MiB} "
                                        "bytes"):
                safe.read_attribute(f.attrs, "big", "m.h5")

    def test_a_dataset_declaring_1000x_what_it_stores_passes_and_more_is_refused(self):
        with h5_file() as f:
            for name, length in (("ok", 2_000_000), ("bomb", 2_000_001)):
                d = f.create_dataset(name, (length,), np.uint8, chunks=(2000,))
                d[:2000] = 1  # one chunk stored: 2000 bytes
                self.assertEqual(d.id.get_storage_size(), 2000)
            safe.check_dataset(f["ok"], "m.h5")
            with self.assertRaisesRegex(UnsafeFileError, "declares 2000001 bytes but "
                                        "stores only 2000"):
                safe.check_dataset(f["bomb"], "m.h5")
            small = f.create_dataset("small", (MiB,), np.uint8, chunks=(MiB,))
            safe.check_dataset(small, "m.h5")  # nothing stored, at the floor: passes

    def test_100000_chunks_pass_and_100001_are_refused(self):
        plist = types.SimpleNamespace(get_nfilters=lambda: 1,
                                      get_filter=lambda i: (safe.DEFLATE, 0, (6,), b""))
        for count, passes in ((100_000, True), (100_001, False)):
            dataset = types.SimpleNamespace(
                name="/w", chunks=(1,), dtype=np.dtype("f4"),
                id=types.SimpleNamespace(get_create_plist=lambda: plist,
                                         get_num_chunks=lambda n=count: n,
                                         get_chunk_info=_stop))
            if passes:
                with self.assertRaises(Passed):
                    safe.check_chunks(dataset, "m.h5")
            else:
                with self.assertRaisesRegex(UnsafeFileError,
                                            "100001 chunks \\(limit 100000\\)"):
                    safe.check_chunks(dataset, "m.h5")

    def test_64_files_open_at_once_all_read_their_variable_length_attributes(self):
        files = []
        try:
            for i in range(64):
                buffer = io.BytesIO()
                with h5py.File(buffer, "w") as f:
                    f.attrs["name"] = f"file {i}"  # a variable-length string
                files.append(safe.open_h5(buffer, f"f{i}.h5"))
            for i, f in enumerate(files):
                self.assertEqual(safe.read_attribute(f.attrs, "name", "f.h5"), f"file {i}")
        finally:
            for f in files:
                f.close()


if __name__ == "__main__":
    unittest.main()
