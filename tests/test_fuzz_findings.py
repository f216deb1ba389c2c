"""What the file fuzzer (tests/file_fuzz.py) found, one small file per finding, built
here: each was a crash of the wrong class (zipfile's RuntimeError, zlib.error, h5py's
UnicodeEncodeError, OverflowError, MemoryError) before its fix, and is now a
FileFormatError / ValueError naming what is wrong, from every reader."""
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest
import zipfile

import numpy as np

import kerasmini as keras
from kerasmini import layers
from kerasmini.inspection.reader import inspect_file
from kerasmini.saving.safe_reading import FileFormatError, open_h5
from tests.file_fuzz import write_tf2_h5
from tests.file_mutants import _patch_headers, h5_edit, zip_bytes, zip_members


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def small():
    return keras.Sequential([keras.Input((3,)), layers.Dense(2, name="d")])


class FuzzFindings(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def write(self, name, data):
        path = os.path.join(self.dir.name, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def keras_bytes(self, model=None):
        path = os.path.join(self.dir.name, "good.keras")
        (model or small()).save(path)
        with open(path, "rb") as f:
            return f.read()

    def assert_every_reader_refuses(self, path, pattern, readers=("load_model", "inspect",
                                                                  "load_weights")):
        model = small()
        before = [w.copy() for w in model.get_weights()]
        calls = {"load_model": lambda: keras.models.load_model(path),
                 "inspect": lambda: inspect_file(path),
                 "load_weights": lambda: model.load_weights(path)}
        for reader in readers:
            with self.subTest(reader=reader):
                with self.assertRaisesRegex(ValueError, pattern):
                    calls[reader]()
        for a, b in zip(model.get_weights(), before):
            np.testing.assert_array_equal(a, b)

    def test_an_encrypted_member_is_refused_by_name(self):
        data = _patch_headers(self.keras_bytes(), "config.json", 8, "<H", 0x1)
        self.assert_every_reader_refuses(self.write("m.keras", data),
                                         "'config.json' .* is encrypted")

    def test_an_unknown_compression_method_is_refused_by_name(self):
        data = _patch_headers(self.keras_bytes(), "model.weights.h5", 10, "<H", 99)
        self.assert_every_reader_refuses(self.write("m.keras", data),
                                         "'model.weights.h5' .* compressed with method 99")

    def test_a_corrupt_compressed_stream_is_a_file_format_error(self):
        members = zip_members(self.keras_bytes())
        data = bytearray(zip_bytes(members, zipfile.ZIP_DEFLATED))
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
            info = zf.getinfo("model.weights.h5")
        start = info.header_offset + 30 + len(info.filename)
        data[start:start + 64] = b"\xff" * 64  # zlib: invalid block type
        self.assert_every_reader_refuses(self.write("m.keras", bytes(data)),
                                         "'model.weights.h5' .* is corrupt")

    def test_a_bad_crc_is_a_file_format_error(self):
        data = _patch_headers(self.keras_bytes(), "model.weights.h5", 16, "<I", 0xDEADBEEF)
        self.assert_every_reader_refuses(self.write("m.keras", data),
                                         "'model.weights.h5' .* corrupt.*CRC")

    def test_a_layer_name_hdf5_cannot_encode_is_refused(self):
        path = os.path.join(self.dir.name, "legacy.h5")
        write_tf2_h5(path, small())
        with open(path, "rb") as f:
            data = f.read()

        for value in (np.array([b"\xff\xfe"]), b"\xff\xfe"):  # a list, or one name
            def undecodable(f):
                f["model_weights"].attrs["layer_names"] = value
            path = self.write("bad.h5", h5_edit(data, undecodable))
            with self.subTest(value=value):
                self.assert_every_reader_refuses(path, "'layer_names'.* not UTF-8|"
                                                       "names an object.*cannot be looked up")

    def test_a_global_heap_libhdf5_would_loop_on_is_refused_before_it_is_read(self):
        """A free-space object of size 0 in a global heap (where the `name` attributes'
        strings live): libhdf5 loops forever on it, in C, out of reach of any alarm.
        The bytes are checked before h5py opens the file; inspect, the one reader that
        reads those attributes, is run in a subprocess so that a regression fails
        instead of hanging the suite."""
        path = os.path.join(self.dir.name, "m.weights.h5")
        small().save_weights(path)
        with open(path, "rb") as f:
            data = bytearray(f.read())
        start = data.find(b"GCOL\x01\x00\x00\x00")
        at = start + 16
        while int.from_bytes(data[at:at + 2], "little"):  # to the free-space object
            at += 16 + (int.from_bytes(data[at + 8:at + 16], "little") + 7) // 8 * 8
        data[at + 8:at + 16] = bytes(8)
        path = self.write("loop.weights.h5", bytes(data))
        with self.assertRaisesRegex(FileFormatError, "global heap .* never ends"):
            open_h5(path, path)
        code = ("import sys; from kerasmini.inspection.reader import inspect_file\n"
                "try: inspect_file(sys.argv[1])\n"
                "except ValueError as e: print(type(e).__name__, e)")
        done = subprocess.run([sys.executable, "-c", code, path], capture_output=True,
                              text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": ROOT})
        self.assertRegex(done.stdout, "FileFormatError .* never ends")

    def test_configs_tf_keras_refuses_are_refused(self):
        """Found by comparing with tf.keras (conformance/file_fuzz.py): values kerasmini
        did not use and so accepted in silence, where tf.keras's load fails."""
        def dense_layer(c):
            return c["config"]["layers"][2]

        def lstm_node(c):
            return c["config"]["layers"][1]["inbound_nodes"][0]

        edits = {
            "build_config not a dict": lambda c: dense_layer(c).update(build_config="x"),
            "build_config shape of another rank": lambda c: dense_layer(c).update(
                build_config={"input_shape": [None]}),
            "build_config size 2.5": lambda c: dense_layer(c).update(
                build_config={"input_shape": [None, 2.5]}),
            "initializer of module null (a __main__ class)": lambda c: dense_layer(c)[
                "config"]["kernel_initializer"].update(module=None),
            "dtype policy of module null": lambda c: dense_layer(c)["config"][
                "dtype"].update(module=None),
            "dtype policy config with another key": lambda c: dense_layer(c)["config"][
                "dtype"]["config"].update(fuzz=1),
            "dtype policy of another class": lambda c: dense_layer(c)["config"][
                "dtype"].update(class_name="LSTM"),
            "dtype policy registered under a list": lambda c: dense_layer(c)["config"][
                "dtype"].update(registered_name=[[1]]),
            "a call keyword the layer does not take, null": lambda c: lstm_node(c)[
                "kwargs"].update(MASK=None),
            "a saved tensor of dtype NaN": lambda c: dense_layer(c)["inbound_nodes"][0][
                "args"][0]["config"].update(dtype=float("nan")),
        }
        x = keras.Input((5, 3))
        model = keras.Model(x, layers.Dense(2)(layers.LSTM(4)(x)))
        for name, edit in edits.items():
            config = json.loads(model.to_json())
            edit(config)
            # what a layer's constructor refuses inside from_config is a TypeError, as
            # Keras's Operation.from_config wraps it; checks before it stay ValueErrors
            expected = TypeError if name.startswith("initializer") else ValueError
            with self.subTest(name):
                with self.assertRaises(expected):
                    keras.models.model_from_json(json.dumps(config))
        keras.models.model_from_json(model.to_json())  # unedited, it loads

    def test_inspect_describes_a_legacy_weights_only_file(self):
        """tf.keras 2.x's save_weights() file (layer_names at the root, no model_config),
        which load_weights reads, was refused by inspect as 'no model'."""
        path = os.path.join(self.dir.name, "w.h5")
        write_tf2_h5(path, small(), with_config=False)
        report = inspect_file(path)
        self.assertIn("weights", report.kind)
        self.assertEqual([(layer.path, layer.params) for layer in report.layers], [("d", 8)])
        self.assertEqual(report.problems, [])

    def test_weight_sizes_beyond_int64_are_refused_before_allocating(self):
        """units = 2**62 on 4 inputs: 2**64 elements, which NumPy's int64 product wraps to
        0 (it passed the allocation check and then failed in np.zeros); 2**70 overflowed
        NumPy's conversion. Both are now counted exactly and refused."""
        for units in (2**62, 2**70):
            members = zip_members(self.keras_bytes())
            config = json.loads(members["config.json"])
            config["config"]["layers"][-1]["config"]["units"] = units
            members["config.json"] = json.dumps(config).encode()
            path = self.write(f"huge{units}.keras", zip_bytes(members))
            with self.subTest(units=units):
                self.assert_every_reader_refuses(path, "Not allowed: the weight 'd/kernel'",
                                                 readers=("load_model",))


if __name__ == "__main__":
    unittest.main()
