"""Hostile files audited as a class: every reader (load_model for .keras and legacy .h5,
load_weights, model_from_json, the inspect CLI, the check CLI's tf.keras side) against
code named in configs, configs of the wrong shape, containers that lie, and saves that
fail or meet a symbolic link. Each file is built here with zipfile / h5py.

Every refusal must be a ValueError or TypeError naming the value, raised before a weight
changes or a file is written (test_file_safety.py holds the earlier attacks).
"""
import json
import os
import subprocess
import tempfile
import unittest
import warnings
import zipfile
from unittest import mock

import h5py
import numpy as np

import kerasmini as keras
from kerasmini import layers
from kerasmini.check import twins
from kerasmini.inspection.reader import inspect_file
from kerasmini.models.layer_configs import deserialize_layer
from kerasmini.saving import safe_reading
from kerasmini.saving.safe_reading import FileFormatError, UnsafeFileError


def sequential():
    return keras.Sequential([keras.Input((3,)), layers.Dense(2, name="d")])


def functional():
    x = keras.Input((3,), name="x")
    return keras.Model(x, layers.Dense(2, name="d2")(layers.Dense(2, name="d1")(x)))


class HostileFileTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def archive(self, model, edit=None, extra=(), name="evil.keras"):
        """A .keras file of `model` whose config `edit(config)` changed (or replaced,
        if it returns something), plus `extra` (ZipInfo or name, bytes) members."""
        model.save(self.path("good.keras"))
        with zipfile.ZipFile(self.path("good.keras")) as zf:
            members = {n: zf.read(n) for n in zf.namelist()}
        config = json.loads(members["config.json"])
        if edit is not None:
            config = edit(config) or config
        members["config.json"] = config if isinstance(config, str) else json.dumps(config)
        with zipfile.ZipFile(self.path(name), "w") as zf, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns of a duplicate name
            for member, data in [*members.items(), *extra]:
                zf.writestr(member, data)
        return self.path(name)

    def refused(self, path, pattern, exception=ValueError):
        with self.assertRaisesRegex(exception, pattern):
            keras.models.load_model(path)

    # ----- code and foreign names in configs ---------------------------------------------
    def test_configs_naming_code_run_nothing_and_name_it(self):
        """Names of callables anywhere a Keras object goes (activation, initializer,
        regularizer, constraint, loss, optimizer, metric, dtype) are refused by name;
        nothing they name is called."""
        foreign = [{"module": "os", "class_name": "system", "config": {"command": "x"}},
                   {"module": "builtins", "class_name": "function", "config": "eval",
                    "registered_name": "function"},
                   {"module": "subprocess", "class_name": "Popen", "config": {"args": "x"}},
                   {"module": "numpy", "class_name": "load", "config": {}},
                   {"module": "keras.activations", "class_name": "__class__", "config": {}},
                   "os.system", "__import__", "__class__", "get"]

        def dense(key, value):
            def edit(config):
                config["config"]["layers"][1]["config"][key] = value
            return edit

        def compiled(key, value):
            def edit(config):
                config["compile_config"] = {"optimizer": "adam", "loss": "mse", key: value}
            return edit

        with mock.patch("os.system", side_effect=AssertionError("ran")), \
                mock.patch.object(subprocess, "Popen", side_effect=AssertionError("ran")), \
                mock.patch("numpy.load", side_effect=AssertionError("ran")):
            for value in foreign:
                name = value if isinstance(value, str) else value["class_name"]
                for key in ("activation", "kernel_initializer", "kernel_regularizer",
                            "kernel_constraint"):
                    with self.subTest(key=key, value=value):
                        # the constructor's ValueError, wrapped by from_config (Keras's)
                        self.refused(self.archive(sequential(), dense(key, value)),
                                     f"identifier: .*{name}", TypeError)
                # a compile config naming a class outside keras: Keras's 'Could not locate'
                foreign_module = isinstance(value, dict) and not value["module"].startswith(
                    "keras")
                for key in ("optimizer", "loss"):
                    with self.subTest(key=key, value=value):
                        self.refused(self.archive(sequential(), compiled(key, value)),
                                     *((f"Could not locate .*'{name if name != 'function' else value['config']}'",
                                        TypeError) if foreign_module else
                                       (f"{key} identifier: .*{name}",)))
            self.refused(self.archive(sequential(), dense("dtype", foreign[0])),
                         "`dtype` of Dense must be a dtype name or a DTypePolicy")

    def test_flags_and_sizes_of_the_wrong_type_are_refused_not_coerced(self):
        """bool('no') is True: a flag must be a bool, and a bool is not a size."""
        for key, value in [("use_bias", "yes"), ("use_bias", 1), ("trainable", "no")]:
            def edit(config, key=key, value=value):
                config["config"]["layers"][1]["config"][key] = value
            with self.subTest(key=key, value=value):
                self.refused(self.archive(sequential(), edit),
                             f"`{key}` of Dense must be a bool. Received: {key}={value!r}",
                             TypeError)  # a layer's constructor refusal, as from_config's

        def epsilon(config):
            config["config"]["layers"][1] = {"module": "keras.layers",
                                             "class_name": "BatchNormalization",
                                             "config": {"name": "bn", "epsilon": True}}
        self.refused(self.archive(sequential(), epsilon),
                     "`epsilon` of BatchNormalization must be a number, not a bool",
                     TypeError)
        objects = [("loss", {"class_name": "BinaryCrossentropy",
                             "config": {"from_logits": "yes"}}, "`from_logits`"),
                   ("optimizer", {"class_name": "Adam", "config": {"amsgrad": 1}},
                    "`amsgrad`"),
                   ("optimizer", {"class_name": "Adam", "config": {"learning_rate": True}},
                    "`learning_rate` of Adam must be a number, not a bool")]
        for key, value, pattern in objects:
            compile_config = {"optimizer": "adam", "loss": "mse", key: value}
            with self.subTest(key=key, value=value):
                self.refused(self.archive(sequential(), lambda c: c.update(
                    compile_config=compile_config)), pattern)

    # ----- the shape of configs ----------------------------------------------------------
    def test_functional_graphs_that_lie_are_refused_by_name(self):
        def history(config, layer, value):
            config["config"]["layers"][layer]["inbound_nodes"][0]["args"][0]["config"][
                "keras_history"] = value

        cases = [
            (lambda c: history(c, 1, ["d1", 0, 0]), "loops or refers to calls that never "
                                                    r"happen \(layers waiting: \['d1', 'd2'\]"),
            (lambda c: history(c, 1, ["d2", 0, 0]), "loops or refers to calls"),
            (lambda c: history(c, 1, ["x", -1, 0]), r"\['x', -1, 0\]: node and tensor "
                                                    "indices must be non-negative ints"),
            (lambda c: history(c, 1, ["x", True, 0]), "non-negative ints. Received: True"),
            (lambda c: history(c, 1, ["x", "0", 0]), "non-negative ints. Received: '0'"),
            (lambda c: history(c, 1, ["x", 0, 7]), "output 7 of call 0 of layer 'x', "
                                                   "which has 1 outputs"),
            (lambda c: history(c, 1, ["x"]), "needs 'keras_history'"),
            (lambda c: history(c, 1, ["nope", 0, 0]), "layer 'nope' it does not define"),
            (lambda c: c["config"]["layers"][2].update(name="d1"), "own name.*'d1'"),
            (lambda c: c["config"]["layers"][1].update(inbound_nodes="abc"),
             "inbound_nodes of layer 'd1' must be a list"),
            (lambda c: c["config"]["layers"][1].update(inbound_nodes=[{"args": 5}]),
             "inbound_nodes of layer 'd1' must be a list"),
            (lambda c: c["config"]["layers"][1]["inbound_nodes"][0].update(
                kwargs={"scale": 2}), "'d1' is called .* with scale=2, which kerasmini's "
                                      "Dense does not take"),
            (lambda c: c["config"]["layers"][1]["inbound_nodes"][0].update(
                kwargs={"training": "x"}), "with training=x"),
            (lambda c: c["config"]["layers"][2]["inbound_nodes"][0].update(
                kwargs={"foo": c["config"]["layers"][2]["inbound_nodes"][0]["args"][0]}),
             "'d2' is called .* with foo=.*Dense does not take"),
            (lambda c: c["config"].update(output_layers="abc"),
             "output_layers must be .* Received: abc"),
            (lambda c: c["config"].update(output_layers=[["d2", 3, 0]]),
             "call 3 of layer 'd2', which is never called"),
            (lambda c: c["config"].update(layers={"a": 1}), "'layers' of a functional"),
            (lambda c: c["config"]["layers"][1].update(class_name=["Dense"]),
             r"'class_name' must be a string .* class_name=\['Dense'\]"),
            (lambda c: c["config"]["layers"][1].update(registered_name=[1]),
             r"registered_name=\[1\]"),
        ]
        for edit, pattern in cases:
            with self.subTest(pattern=pattern):
                self.refused(self.archive(functional(), edit), pattern)

        def policy(config):
            config["config"]["layers"][0]["config"]["dtype"] = {"config": [1]}
        self.assertIn("x: shape [None, 3], ?", inspect_file(self.archive(
            functional(), policy)).inputs)  # inspect reports what it cannot read

    def test_deep_configs_are_a_value_error_not_a_recursion_error(self):
        deep = "[" * 300 + '["x", 0, 0]' + "]" * 300

        def edit(config):
            config["config"]["output_layers"] = "@"
            return json.dumps(config).replace('"@"', deep)
        path = self.archive(functional(), edit)
        self.refused(path, "nests its config more than 200 levels", FileFormatError)
        with self.assertRaisesRegex(FileFormatError, "nests its config more than 200"):
            inspect_file(path)
        with zipfile.ZipFile(path) as zf:
            text = zf.read("config.json").decode()
        with self.assertRaisesRegex(ValueError, "`json_string` argument nests its config"):
            keras.models.model_from_json(text)
        config = json.loads(text)  # given to deserialize_layer directly: no JSON limit
        nested = ["d2", 0, 0]
        for _ in range(5000):
            nested = [nested]
        config["config"]["output_layers"] = nested
        with self.assertRaisesRegex(ValueError, "nests too deeply"):
            deserialize_layer(config)

    def test_sequential_configs_of_the_wrong_shape(self):
        """build_input_shape is checked even where the InputLayer makes it redundant."""
        cases = [("layers", None, "needs 'layers': a list .* layers=None"),
                 ("layers", "abc", "needs 'layers'"),
                 ("build_input_shape", "abc", "Received: build_input_shape='abc'"),
                 ("build_input_shape", [None, -1], "Negative dimensions"),
                 ("build_input_shape", [None, True], "invalid dimension 'True'")]
        for key, value, pattern in cases:
            with self.subTest(key=key, value=value):
                self.refused(self.archive(sequential(),
                                          lambda c: c["config"].update({key: value})),
                             pattern)

    def test_compile_configs_of_the_wrong_shape(self):
        cases = [([1], TypeError, r"must be a dict .* compile_config=\[1\]"),
                 ("adam", TypeError, "must be a dict"),
                 ({"optimizer": "adam", "loss": "mse", "foo": 1}, TypeError,
                  r"unexpected keyword arguments \['foo'\]"),
                 ({"optimizer": "adam", "loss": "mse", "run_eagerly": "x"}, ValueError,
                  "run_eagerly='x'")]
        model = sequential()
        for value, exception, pattern in cases:
            with self.subTest(value=value):
                self.refused(self.archive(model, lambda c: c.update(compile_config=value)),
                             pattern, exception)

    # ----- containers --------------------------------------------------------------------
    def test_archives_with_ambiguous_or_escaping_members_are_refused_by_every_reader(self):
        link = zipfile.ZipInfo("assets/link")
        link.external_attr = 0o120777 << 16
        cases = [(("config.json", "{}"), r"two members named \['config.json'\]"),
                 (("../../evil", b"x"), "escapes the archive folder: '../../evil'"),
                 (("/etc/evil", b"x"), "absolute path: '/etc/evil'"),
                 ((link, b"/etc/passwd"), "'assets/link' .* is a symbolic link")]
        model = sequential()
        for extra, pattern in cases:
            with self.subTest(pattern=pattern):
                path = self.archive(model, extra=[extra])
                self.refused(path, pattern, UnsafeFileError)
                with self.assertRaisesRegex(UnsafeFileError, pattern):
                    model.load_weights(path)
                with self.assertRaisesRegex(UnsafeFileError, pattern):
                    inspect_file(path)
        with mock.patch.object(safe_reading, "MAX_MEMBERS", 3):
            path = self.archive(model, extra=[("assets/a", b"")])
            self.refused(path, "has 4 members", UnsafeFileError)

    def test_every_size_cap_admits_its_limit_and_refuses_one_above(self):
        """The caps are exact: a file at a limit is read, one byte or value above it is
        refused (a cap off by one either way is a mutant that survived)."""
        path = self.path("caps.zip")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("m", bytes(1000))
        read = safe_reading.read_member
        with zipfile.ZipFile(path) as zf:
            stored = zf.getinfo("m").compress_size
            self.assertEqual(len(read(zf, "m", 1000, "caps.zip")), 1000)
            with self.assertRaisesRegex(UnsafeFileError, "'m' .* limit of 999"):
                read(zf, "m", 999, "caps.zip")
            ratio = -(-1000 // stored)  # the least expansion that admits 1000 / stored
            for floor, expansion, refused in [(1000, 1, False), (999, 1, True),
                                              (0, ratio, False), (0, ratio - 1, True)]:
                with mock.patch.multiple(safe_reading, BOMB_FLOOR_BYTES=floor,
                                         MAX_ZIP_EXPANSION=expansion):
                    if refused:
                        with self.assertRaisesRegex(UnsafeFileError, "bomb"):
                            read(zf, "m", 1000, "caps.zip")
                    else:
                        self.assertEqual(len(read(zf, "m", 1000, "caps.zip")), 1000)
        h5 = self.path("caps.h5")
        with h5py.File(h5, "w") as f:
            f.attrs["a"] = np.zeros(10)  # 10 values, 80 bytes
            f.attrs["s"] = np.bytes_(b"x" * 100)  # 1 value, 100 bytes
            attribute = safe_reading.read_attribute
            self.assertEqual(len(attribute(f.attrs, "a", "caps.h5", max_bytes=80)), 10)
            self.assertEqual(len(attribute(f.attrs, "s", "caps.h5", max_bytes=100)), 100)
            for key, limit in (("a", 79), ("s", 99)):
                with self.assertRaisesRegex(UnsafeFileError, f"'{key}' .* {limit} bytes"):
                    attribute(f.attrs, key, "caps.h5", max_bytes=limit)
            with mock.patch.object(safe_reading, "MAX_ATTRIBUTE_ELEMENTS", 9):
                with self.assertRaisesRegex(UnsafeFileError, "'a' .* declares 10 values"):
                    attribute(f.attrs, "a", "caps.h5")

    def test_member_names_with_a_drive_are_absolute_and_short_names_are_fine(self):
        model = sequential()
        for name in ("C:evil", "c:/evil", "\\evil"):
            with self.subTest(name=name):
                self.refused(self.archive(model, extra=[(name, b"x")]),
                             "absolute path", UnsafeFileError)
        keras.models.load_model(self.archive(model, extra=[("a", b"x"), (":", b"")]))

    def test_overwrite_false_keeps_the_file_and_load_compiles_by_default(self):
        model = sequential()
        model.compile(optimizer="adam", loss="mse")
        for save, name in ((model.save, "m.keras"), (model.save_weights, "m.weights.h5")):
            path = self.path(name)
            save(path)
            before = open(path, "rb").read()
            with self.assertRaisesRegex(FileExistsError, "overwrite=False"):
                save(path, overwrite=False)
            self.assertEqual(open(path, "rb").read(), before)
        loaded = keras.models.load_model(self.path("m.keras"))
        self.assertEqual(type(loaded.optimizer).__name__, "Adam")
        self.assertIsNone(getattr(keras.models.load_model(self.path("m.keras"),
                                                          compile=False), "optimizer", None))
        self.assertIsNone(keras.saving.deserialize_keras_object(None))

    def test_hdf5_groups_and_attributes_are_counted_before_they_are_read(self):
        model = sequential()
        path = self.path("m.weights.h5")
        model.save_weights(path)
        with h5py.File(path, "a") as f:
            for i in range(20):
                f.create_group(f"layers/d/junk/{i}")
        with mock.patch.object(safe_reading, "MAX_H5_MEMBERS", 10):
            with self.assertRaisesRegex(UnsafeFileError, "'/layers/d/junk' .* has 20 "
                                                         "members"):
                inspect_file(path)
        legacy = self.path("m.h5")
        with h5py.File(legacy, "w") as f:
            f.attrs["model_config"] = json.dumps({"class_name": "Sequential",
                                                  "config": model.get_config()})
            f.create_group("model_weights").attrs["layer_names"] = [b"d"] * 50
        with mock.patch.object(safe_reading, "MAX_ATTRIBUTE_ELEMENTS", 20):
            for read in (keras.models.load_model, inspect_file):
                with self.assertRaisesRegex(UnsafeFileError, "attribute 'layer_names' .* "
                                                             "declares 50 values"):
                    read(legacy)
        for names in (np.arange(6).reshape(2, 3), np.arange(3)):  # not strings, or 2-D
            with h5py.File(legacy, "a") as f:
                del f["model_weights"].attrs["layer_names"]
                f["model_weights"].attrs["layer_names"] = names
            with self.assertRaisesRegex(FileFormatError, "'layer_names' .* must be a list "
                                                         "of strings"):
                keras.models.load_model(legacy)

    def test_weights_of_every_numeric_kind_load_and_unreadable_ones_change_nothing(self):
        """float16, big-endian, bool (an HDF5 enum), NaN and inf load as Keras loads them;
        a filter h5py lacks is refused before any weight changes."""
        model = sequential()
        path = self.path("m.weights.h5")
        kernel = np.array([[np.nan, np.inf], [-np.inf, 1], [2, 3]])
        for stored in (kernel.astype("<f2"), kernel.astype(">f4"), kernel.astype(">f8"),
                       kernel > 1):
            with self.subTest(dtype=stored.dtype):
                model.save_weights(path)
                with h5py.File(path, "a") as f:
                    del f["layers/dense/vars/0"]
                    f["layers/dense/vars"].create_dataset("0", data=stored)
                model.load_weights(path)
                np.testing.assert_array_equal(model.layers[0].kernel.numpy(),
                                              stored.astype("float32"))
        before = model.get_weights()
        with h5py.File(path, "a") as f:
            data = f["layers/dense/vars/1"][()]
            del f["layers/dense/vars/1"]
            f["layers/dense/vars"].create_dataset("1", data=data + 1, chunks=(2,),
                                                  compression="gzip")
        gzip_missing = lambda code: code != h5py.h5z.FILTER_DEFLATE  # noqa: E731
        with mock.patch.object(h5py.h5z, "filter_avail", side_effect=gzip_missing):
            with self.assertRaisesRegex(FileFormatError, "'/layers/dense/vars/1' .* HDF5 "
                                                         "filter 1 \\(deflate\\)"):
                model.load_weights(path)
        for a, b in zip(before, model.get_weights()):
            np.testing.assert_array_equal(a, b)

    def test_legacy_inbound_nodes_of_the_wrong_shape(self):
        path = self.path("m.h5")
        with h5py.File(path, "w") as f:
            config = {"class_name": "Functional", "config": {
                "name": "f", "layers": [{"class_name": "Dense", "name": "d", "config": {
                    "name": "d", "units": 2}, "inbound_nodes": [[5]]}],
                "input_layers": [], "output_layers": []}}
            f.attrs["model_config"] = json.dumps(config)
        for read in (keras.models.load_model, inspect_file):
            with self.assertRaisesRegex(FileFormatError, r"tf.keras 2.x inbound node must "
                                                         r"be .* Received: \[5\]"):
                read(path)

    def test_check_vets_the_file_tf_keras_loads_and_keeps_safe_mode(self):
        path = self.archive(sequential(), extra=[("../evil", b"x")])
        fake = mock.Mock()
        with self.assertRaisesRegex(UnsafeFileError, "escapes the archive"):
            twins._tf_load(fake, path)
        fake.models.load_model.assert_not_called()
        twins._tf_load(fake, self.path("good.keras"))
        fake.models.load_model.assert_called_once_with(self.path("good.keras"),
                                                       compile=False, safe_mode=True)

    # ----- writing -----------------------------------------------------------------------
    def test_save_through_a_symbolic_link_replaces_its_target_atomically(self):
        """As Keras's open(path, 'wb'): the link stays, its target gets the new file;
        a failing save leaves both as they were."""
        os.mkdir(self.path("runs"))
        target = self.path("runs/run1.keras")
        sequential().save(target)
        os.symlink(target, self.path("latest.keras"))
        model = functional()
        model.save(self.path("latest.keras"))
        self.assertTrue(os.path.islink(self.path("latest.keras")))
        self.assertEqual(keras.models.load_model(target).name, model.name)
        before = open(target, "rb").read()
        with mock.patch("kerasmini.saving.saving_lib._write_weights",
                        side_effect=RuntimeError("disk full")):
            with self.assertRaises(RuntimeError):
                sequential().save(self.path("latest.keras"))
        self.assertEqual(open(target, "rb").read(), before)
        self.assertEqual(sorted(os.listdir(self.path("runs"))), ["run1.keras"])
        self.assertTrue(os.path.islink(self.path("latest.keras")))
        os.symlink(self.path("loop.keras"), self.path("loop.keras"))
        with self.assertRaisesRegex(OSError, "Too many levels of symbolic links"):
            model.save(self.path("loop.keras"))  # as open() fails; the link stays
        self.assertTrue(os.path.islink(self.path("loop.keras")))
