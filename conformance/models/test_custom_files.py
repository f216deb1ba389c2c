""".keras files holding a user's own layer classes and subclassed models, moved both ways
between kerasmini and tf.keras: each library loads the other's file with its own classes
(custom_objects or the registry), the files' configs agree entry for entry, predictions
agree with the saving model and with a float64 NumPy reference, and a file whose class the
loader is not given fails the same way (TypeError naming the class) in both."""
import json
import os
import tempfile
import unittest
import zipfile

import numpy as np
from parameterized import parameterized

import kerasmini
from conformance.models import tf_keras

keras = tf_keras()  # fails loudly here without TensorFlow
LIBS = {"kerasmini": kerasmini, "tf.keras": keras}
ATOL = 1e-5  # float32: outputs are O(1)


def user_classes(lib):
    """The same user code written against either library."""

    class Scale(lib.layers.Layer):  # get_config written out
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer="glorot_uniform")

        def call(self, x):
            return lib.ops.matmul(x, self.w)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    class Shift(lib.layers.Layer):  # no get_config: saved from constructor arguments
        def __init__(self, by=0.5, **kw):  # not `**kwargs`: Keras then drops `name`
            super().__init__(**kw)
            self.by = by

        def call(self, x):
            return x + self.by

    class Net(lib.Model):  # subclassed, no get_config / from_config
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = lib.layers.Dense(units, activation="relu", name="hidden")
            self.head = Scale(2, name="head")

        def call(self, x):
            return self.head(self.hidden(x))

    class ConfiguredNet(Net):  # the same, with get_config
        def get_config(self):
            return {**super().get_config(), "units": self.units}

    class CustomModel(lib.Model):  # keras.io's "customizing fit": a functional model
        def train_step(self, data):
            return super().train_step(data)

    return {"Scale": Scale, "Shift": Shift, "Net": Net, "ConfiguredNet": ConfiguredNet,
            "CustomModel": CustomModel}


CLASSES = {name: user_classes(lib) for name, lib in LIBS.items()}
# each library's own registry: a subclass of ConfiguredNet, registered as
# 'Conformance>Registered' (registered once per process: this module is imported once)
REGISTERED = {name: lib.saving.register_keras_serializable("Conformance", "Registered")(
    type("Registered", (CLASSES[name]["ConfiguredNet"],), {"__module__": __name__}))
    for name, lib in LIBS.items()}


def build(lib_name, kind):
    lib, classes = LIBS[lib_name], CLASSES[lib_name]
    if kind == "sequential":
        return lib.Sequential([lib.Input((5,)), classes["Scale"](3, name="scale"),
                               classes["Shift"](0.25)], name="sequential")
    if kind == "CustomModel":
        inputs = lib.Input((5,), name="x")
        outputs = classes["Scale"](2, name="scale")(lib.layers.Dense(4, name="dense")(inputs))
        return classes[kind](inputs, outputs, name="custom")
    model = classes[kind](4, name="net")
    model(np.zeros((2, 5), "float32"))
    return model


def reference(model, kind, x):
    """float64 NumPy of the model's math, from its weights."""
    x = x.astype(np.float64)
    if kind == "sequential":
        (w,) = model.get_weights()
        return x @ w + 0.25
    kernel, bias, w = model.get_weights()
    if kind == "CustomModel":
        return (x @ kernel + bias) @ w
    return np.maximum(x @ kernel + bias, 0) @ w


def file_config(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))


def user_entries(config):
    """The entries of the user's classes, without Keras's object-sharing ids (a memory
    address, which only tells entries of one file apart)."""
    config = without_sharing_ids(config)
    own = config.get("module") in (None, __name__)
    if own and "layers" not in config["config"]:  # a subclassed model: its arguments
        return [{k: v for k, v in config.items() if k != "compile_config"}]
    # a graph (of the user's class, or Keras's): the user's entries in it; the built-in
    # layers' entries are test_models.py's
    top = [{k: v for k, v in config.items() if k not in ("compile_config", "config")}]
    return top * own + [e for e in config["config"]["layers"]
                        if e.get("module") in (None, __name__)]


def without_sharing_ids(value):
    if isinstance(value, dict):
        return {k: without_sharing_ids(v) for k, v in value.items()
                if k != "shared_object_id"}
    if isinstance(value, list):
        return [without_sharing_ids(v) for v in value]
    return value


class CustomFilesTest(unittest.TestCase):
    maxDiff = None

    @parameterized.expand([(a, b, kind) for a, b in (("kerasmini", "tf.keras"),
                                                      ("tf.keras", "kerasmini"))
                           for kind in ("sequential", "Net", "ConfiguredNet",
                                        "CustomModel")])
    def test_file_moves(self, saver, loader, kind):
        x = np.random.default_rng(0).standard_normal((6, 5)).astype("float32")
        model = build(saver, kind)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.keras")
            model.save(path)
            loaded = LIBS[loader].models.load_model(path, custom_objects=CLASSES[loader])
            twin = os.path.join(d, "twin.keras")  # the loader's own file of the same model
            loaded.save(twin)
            self.assertEqual(user_entries(file_config(twin)), user_entries(file_config(path)))
        self.assertEqual(type(loaded).__name__, type(model).__name__)
        expected = model.predict(x, verbose=0)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5, atol=ATOL)
        np.testing.assert_allclose(expected, reference(model, kind, x), rtol=1e-5, atol=ATOL)

    @parameterized.expand([("kerasmini", "tf.keras"), ("tf.keras", "kerasmini")])
    def test_registered_classes_load_without_custom_objects(self, saver, loader):
        x = np.random.default_rng(1).standard_normal((3, 5)).astype("float32")
        model = REGISTERED[saver](4, name="net")
        model(x)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.keras")
            model.save(path)
            self.assertEqual(file_config(path)["registered_name"], "Conformance>Registered")
            loaded = LIBS[loader].models.load_model(path)
        self.assertIs(type(loaded), REGISTERED[loader])
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                                   rtol=1e-5, atol=ATOL)

    @parameterized.expand([("Net",), ("ConfiguredNet",)])
    def test_subclassed_summary_before_and_after_building(self, kind):
        """Layers' output shapes from the input they were built on, "?" before."""
        texts = {}
        for name, lib in LIBS.items():
            lines = []
            unbuilt = CLASSES[name][kind](4, name="net")
            unbuilt.summary(print_fn=lines.append)
            build(name, kind).summary(print_fn=lines.append)
            texts[name] = "\n".join(lines)
        self.assertIn("(2, 4)", texts["tf.keras"])  # the case being compared is there
        self.assertEqual(texts["kerasmini"], texts["tf.keras"])

    @parameterized.expand([("kerasmini", "sequential"), ("tf.keras", "sequential"),
                           ("kerasmini", "Net"), ("tf.keras", "Net")])
    def test_class_not_given_is_a_type_error_in_both(self, saver, kind):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.keras")
            build(saver, kind).save(path)
            for lib in LIBS.values():
                name = "Scale" if kind == "sequential" else kind
                with self.assertRaisesRegex(TypeError, f"'{name}'"):
                    lib.models.load_model(path)

    def test_lambda_layer_file_is_refused_in_both(self):
        """tf.keras's file with a Lambda layer: both libraries refuse it with ValueError
        (Keras in its default safe mode; kerasmini always: it never runs a file's code),
        the .keras archive and the legacy .h5 alike; kerasmini's message says why."""
        inputs = keras.Input((3,))
        model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2.0, name="double")(
            keras.layers.Dense(2)(inputs)))
        with tempfile.TemporaryDirectory() as d:
            for name in ("m.keras", "m.h5"):
                path = os.path.join(d, name)
                model.save(path)
                with self.assertRaisesRegex(ValueError, "Lambda layer \\('double'\\).*"
                                                        "never runs code from a file"):
                    kerasmini.models.load_model(path)
            with self.assertRaisesRegex(ValueError, "Lambda"):
                keras.models.load_model(os.path.join(d, "m.keras"))


if __name__ == "__main__":
    unittest.main()
