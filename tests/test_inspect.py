"""python -m kerasmini inspect: what a file holds, what does not load, and hostile files
refused with a clear error and nothing written."""
import contextlib
import io
import json
import os
import stat
import tempfile
import unittest
import zipfile
from unittest import mock

import h5py

import kerasmini
from kerasmini.inspection.cli import main
from kerasmini.saving import safe_reading
from tests.file_fuzz import write_tf2_h5


def run(path):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([path])
    return status, out.getvalue(), err.getvalue()


def small_model():
    L = kerasmini.layers
    return kerasmini.Sequential([kerasmini.Input((6, 6, 2)), L.Conv2D(3, 3, name="conv"),
                                 L.BatchNormalization(center=False, name="bn"),
                                 L.Flatten(name="flat"), L.Dense(4, name="dense")],
                                name="small")


def rewrite(source, target, members=None, config=None, extra=()):
    """Copy a .keras archive, replacing members or the config, adding `extra` infos."""
    with zipfile.ZipFile(source) as zf:
        data = {name: zf.read(name) for name in zf.namelist()}
    if config is not None:
        data["config.json"] = config if isinstance(config, bytes) else json.dumps(config)
    data.update(members or {})
    with zipfile.ZipFile(target, "w") as zf:
        for name, value in data.items():
            zf.writestr(name, value)
        for info, value in extra:
            zf.writestr(info, value)


class InspectTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.dir = self.folder.name
        self.keras = os.path.join(self.dir, "small.keras")
        small_model().save(self.keras)
        with zipfile.ZipFile(self.keras) as zf:
            self.config = json.loads(zf.read("config.json"))

    def tearDown(self):
        self.folder.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_a_loadable_archive(self):
        status, out, _ = run(self.keras)
        self.assertEqual(status, 0, out)
        self.assertIn("metadata: keras_version", out)
        self.assertIn("model.weights.h5", out)
        self.assertRegex(out, r"conv +Conv2D +filters=3, kernel_size=\[3, 3\] +kernel "
                              r"\(3, 3, 2, 3\) float32, bias \(3,\) float32 +57")
        self.assertIn("gamma (3,) float32, moving_mean (3,) float32, moving_variance", out)
        self.assertIn(f"total params: {small_model().count_params():,}", out)
        self.assertIn("optimizer state: none stored", out)
        self.assertTrue(out.rstrip().endswith("verdict: loads in kerasmini"))

    def test_nested_model_rows_and_inputs(self):
        L = kerasmini.layers
        x = kerasmini.Input((6, 6, 2), name="img")
        model = kerasmini.Model(x, L.Dense(2, name="out")(small_model()(x)), name="outer")
        path = self.path("nested.keras")
        model.save(path)
        status, out, _ = run(path)
        self.assertEqual(status, 0, out)
        self.assertIn("inputs: img: shape [None, 6, 6, 2], float32\n", out)
        self.assertRegex(out, r"small/conv +Conv2D")
        self.assertIn(f"total params: {model.count_params():,}", out)

    def test_recurrent_layers_and_mask_operations(self):
        """A held layer's weights (Bidirectional's two LSTM cells) count with the layer
        that holds them; the mask operation NotEqual is a known class."""
        L = kerasmini.layers
        ids = kerasmini.Input((5,), dtype="int32")
        x = L.Embedding(9, 3, mask_zero=True, name="emb")(ids)
        x = L.Bidirectional(L.LSTM(2), name="bi")(x)
        model = kerasmini.Model(ids, L.Dense(1, name="out")(x))
        path = self.path("text.keras")
        model.save(path)
        status, out, _ = run(path)
        self.assertEqual(status, 0, out)
        self.assertRegex(out, r"not_equal(_\d+)? +NotEqual")  # numbered per process
        self.assertRegex(out, r"bi +Bidirectional .* 96\n")
        self.assertRegex(out, r"emb +Embedding +- +embeddings \(9, 3\) float32")
        self.assertIn(f"total params: {model.count_params():,}", out)
        self.assertTrue(out.rstrip().endswith("verdict: loads in kerasmini"))

    def test_weights_file_and_legacy_h5(self):
        weights = self.path("small.weights.h5")
        small_model().save_weights(weights)
        status, out, _ = run(weights)
        self.assertEqual(status, 0, out)
        self.assertIn("weights only", out)
        legacy = self.path("legacy.h5")
        write_tf2_h5(legacy, small_model())
        status, out, _ = run(legacy)
        self.assertEqual(status, 0, out)
        self.assertIn("keras_version 2.15.0", out)
        self.assertIn("kernel (3, 3, 2, 3) float32", out)

    def test_what_does_not_load_is_listed_exactly(self):
        config = json.loads(json.dumps(self.config))
        layers = config["config"]["layers"]
        layers.append({"module": "keras.layers", "class_name": "Lambda", "registered_name":
                       None, "config": {"name": "lam", "function": {
                           "class_name": "__lambda__", "config": {"code": "4wEAAA"}}}})
        for name, function in (("named", "halve"), ("relu", "relu")):  # relu: Keras's own
            layers.append({"module": "keras.layers", "class_name": "Lambda",
                           "registered_name": None, "config": {"name": name, "function": {
                               "module": "builtins", "class_name": "function",
                               "config": function, "registered_name": "function"}}})
        layers.append({"module": "keras.layers", "class_name": "TFSMLayer",
                       "registered_name": None, "config": {"name": "sm"}})
        layers.append({"module": "my_project.layers", "class_name": "Gate",
                       "registered_name": "Custom>Gate", "config": {"name": "gate"}})
        layers[1]["config"]["kernel_initializer"] = {
            "module": "my_project.init", "class_name": "MyInit", "config": {},
            "registered_name": "MyInit"}
        path = self.path("foreign.keras")
        rewrite(self.keras, path, config=config)
        status, out, _ = run(path)
        self.assertEqual(status, 1, out)
        problems = out.split("problem(s)):\n")[1].splitlines()
        self.assertEqual(problems, [
            "  - 'conv': object 'MyInit' from module 'my_project.init', outside Keras",
            "  - 'lam': Lambda layer with serialized Python code (never run by kerasmini)",
            "  - 'named': Lambda layer calling function 'halve': loads when that function "
            "is passed as custom_objects or registered",
            "  - 'sm': TFSMLayer (a TensorFlow SavedModel, not Keras layers)",
            "  - 'gate': custom class 'Custom>Gate' (module 'my_project.layers'): kerasmini "
            "has no such layer; pass it as custom_objects"])

    def hostile(self, name, **kwargs):
        path = self.path(name)
        rewrite(self.keras, path, **kwargs)
        before = sorted(os.listdir(self.dir))
        status, out, err = run(path)
        self.assertEqual(status, 2, out + err)
        self.assertEqual(out, "")
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertEqual(sorted(os.listdir(self.dir)), before)  # nothing written
        return err

    def test_hostile_member_names_and_links(self):
        self.assertIn("escapes the archive folder: '../evil.json'",
                      self.hostile("a.keras", members={"../evil.json": "{}"}))
        self.assertIn("absolute path: '/etc/evil'",
                      self.hostile("b.keras", members={"/etc/evil": "x"}))
        link = zipfile.ZipInfo("assets/link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        self.assertIn("symbolic link", self.hostile("c.keras", extra=[(link, "/etc/passwd")]))

    def test_hostile_contents(self):
        self.assertIn("is not valid JSON", self.hostile("d.keras", config=b"{not json"))
        self.assertIn("nests JSON too deeply",
                      self.hostile("e.keras", config=b"[" * 200000 + b"]" * 200000))
        with self.assertRaisesRegex(ValueError, "nests JSON too deeply"):  # and load_model
            kerasmini.models.load_model(self.path("e.keras"))
        nested = {"class_name": "Sequential", "config": {"name": "m0", "layers": []}}
        for i in range(100):
            nested = {"class_name": "Sequential", "config": {"name": f"m{i}",
                                                             "layers": [nested]}}
        self.assertIn("nests its config more than", self.hostile("f.keras", config=nested))
        with mock.patch.object(safe_reading, "MAX_CONFIG_DEPTH", 1000):  # inspect's own
            self.assertIn("nests models more than", self.hostile("f.keras", config=nested))
        self.assertIn("must hold a JSON object", self.hostile("g.keras", config=b"[1, 2]"))
        with mock.patch.object(safe_reading, "MAX_CONFIG_BYTES", 100):
            self.assertIn("more than the limit of 100", self.hostile("h.keras"))

    def test_hostile_hdf5(self):
        weights = io.BytesIO()
        with h5py.File(weights, "w") as f:
            f["layers/conv2d/vars/0"] = h5py.ExternalLink("/etc/secret.h5", "/data")
            f["layers/conv2d/vars"].attrs["name"] = "conv"
        err = self.hostile("i.keras", members={"model.weights.h5": weights.getvalue()})
        self.assertIn("ExternalLink", err)
        with mock.patch.object(h5py.Dataset, "__getitem__",
                               side_effect=AssertionError("a weight array was read")):
            self.assertEqual(run(self.keras)[0], 0)  # headers only
