"""custom_objects and register_keras_serializable; legacy .h5 model files in tf.keras
2.x's layout, written here with h5py (files from tf.keras itself: conformance/)."""
import json
import os
import tempfile
import unittest
import warnings

import h5py
import numpy as np

import kerasmini
from kerasmini import layers
from kerasmini.models.layer_configs import UnsupportedLayerError
from kerasmini.object_registration import GLOBAL_CUSTOM_NAMES, GLOBAL_CUSTOM_OBJECTS
from tests.file_fuzz import write_tf2_h5


class Scale(layers.Layer):
    """A user's own layer: y = x * factor (a weight)."""

    def __init__(self, init=2.0, **kwargs):
        super().__init__(**kwargs)
        self.init = init

    def build(self, input_shape):
        self.factor = self.add_weight((input_shape[-1],), kerasmini.initializers.Constant(
            self.init), name="factor")

    def call(self, x):
        return x * self.factor.numpy()

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "init": self.init}


def scale_model():
    return kerasmini.Sequential([kerasmini.Input((3,)), layers.Dense(3, name="d"),
                                 Scale(3.0, name="s")])


class CustomObjectsTest(unittest.TestCase):
    def tearDown(self):
        for name in [n for n, c in GLOBAL_CUSTOM_OBJECTS.items() if c is Scale]:
            del GLOBAL_CUSTOM_OBJECTS[name]
        GLOBAL_CUSTOM_NAMES.pop(Scale, None)

    def test_registered_class_saves_and_loads_by_its_registered_name(self):
        kerasmini.saving.register_keras_serializable(package="Mine")(Scale)
        self.assertEqual(kerasmini.saving.get_registered_name(Scale), "Mine>Scale")
        model = scale_model()
        model.get_layer("s").factor.assign(np.array([1.0, -2.0, 0.5], "float32"))
        x = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.keras")
            model.save(path)
            loaded = kerasmini.models.load_model(path)
        self.assertIsInstance(loaded.get_layer("s"), Scale)
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
        config = json.loads(model.to_json())["config"]["layers"][-1]
        self.assertEqual(config["registered_name"], "Mine>Scale")
        with self.assertRaisesRegex(ValueError, "already been registered"):
            kerasmini.saving.register_keras_serializable(package="Mine")(Scale)

    def test_custom_objects_by_name_and_unregistered_error(self):
        kerasmini.saving.register_keras_serializable(package="Mine", name="S")(Scale)
        model = scale_model()
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.keras")
            model.save(path)
            self.tearDown()  # forget the registration: the file names 'Mine>S'
            # TypeError as Keras raises it, naming the class and how to provide it
            with self.assertRaisesRegex(TypeError, "Could not locate class 'Scale' "
                                        "\\(registered name 'Mine>S'.*custom_objects="):
                kerasmini.models.load_model(path)
            loaded = kerasmini.models.load_model(path, custom_objects={"Mine>S": Scale})
            self.assertIsInstance(loaded.get_layer("s"), Scale)
            np.testing.assert_array_equal(loaded.get_layer("s").factor.numpy(), [3, 3, 3])
            with self.assertRaisesRegex(UnsupportedLayerError, "subclass of kerasmini.layers"):
                kerasmini.models.load_model(path, custom_objects={"Mine>S": len})
            with self.assertRaisesRegex(TypeError, "custom_objects=\\['Scale'\\]"):
                kerasmini.models.load_model(path, custom_objects=["Scale"])


class RegisteredFunctionTest(unittest.TestCase):
    def test_a_registered_activation_is_found_by_its_registered_name(self):
        def cube(x):
            return x ** 3

        kerasmini.saving.register_keras_serializable(package="Mine")(cube)
        try:
            config = {"module": "builtins", "class_name": "function",
                      "config": "Mine>cube", "registered_name": "function"}
            dense = layers.Dense(2, activation=config)
            self.assertIs(dense.activation, cube)
        finally:
            GLOBAL_CUSTOM_OBJECTS.pop("Mine>cube")
            GLOBAL_CUSTOM_NAMES.pop(cube)
        with self.assertRaisesRegex(ValueError, "Could not interpret activation"):
            layers.Dense(2, activation=config)
        with self.assertRaisesRegex(ValueError, "Only classes and functions"):
            kerasmini.saving.register_keras_serializable()(3)


class LegacyH5Test(unittest.TestCase):
    def graph(self):
        x = kerasmini.Input((5, 5, 2), name="img")
        a = layers.Conv2D(3, 3, padding="same", name="a")(x)
        b = layers.BatchNormalization(name="bn")(layers.Conv2D(3, 1, name="b")(x))
        y = layers.Dense(2, name="out")(layers.Flatten(name="f")(layers.Add(name="add")([a, b])))
        model = kerasmini.Model(x, y)
        rng = np.random.default_rng(1)
        model.set_weights([rng.random(w.shape).astype("float32") + 0.5 for w in model.weights])
        return model

    def test_tf2_layout_functional_loads_with_its_weights(self):
        model = self.graph()
        x = np.random.default_rng(2).standard_normal((3, 5, 5, 2)).astype("float32")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.h5")
            write_tf2_h5(path, model)
            loaded = kerasmini.models.load_model(path)
            np.testing.assert_array_equal(loaded.predict(x, verbose=0),
                                          model.predict(x, verbose=0))
            with h5py.File(path, "r+") as f:  # one weight too few for 'out'
                g = f["model_weights/out"]
                g.attrs["weight_names"] = g.attrs["weight_names"][:1]
            with self.assertRaisesRegex(ValueError, "Layer 'out' expects 2 weights"):
                kerasmini.models.load_model(path)

    def test_tensor_operations_load_from_legacy_h5(self):
        """A legacy .h5 names classes without modules: `x + y` is class 'Add' like the
        Add layer (told apart by its config, which has no `trainable`), `ops.mean` and
        `x[:, 0]` are operations no layer is named after."""
        x = kerasmini.Input((4, 3))
        z = x + kerasmini.ops.mean(x, axis=-1, keepdims=True)
        y = layers.Dense(2, name="d")(layers.Add(name="add_layer")([z, z])[:, 0])
        model = kerasmini.Model(x, y)
        data = np.random.default_rng(3).standard_normal((2, 4, 3)).astype("float32")
        with tempfile.TemporaryDirectory() as d, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # HDF5 is legacy; no training config
            model.save(os.path.join(d, "ops.h5"))
            loaded = kerasmini.models.load_model(os.path.join(d, "ops.h5"))
        self.assertEqual(sorted(type(op).__name__ for op in loaded._operations),
                         ["Add", "Add", "Dense", "GetItem", "InputLayer", "Mean"])
        self.assertEqual([layer.name for layer in loaded.layers[1:]], ["add_layer", "d"])
        np.testing.assert_array_equal(loaded.predict(data, verbose=0),
                                      model.predict(data, verbose=0))

    def test_layer_exported_under_another_name(self):
        """keras.layers.GroupQueryAttention's class is GroupedQueryAttention: a legacy
        .h5 names it by its class (as tf.keras writes it), and loads back."""
        x = kerasmini.Input((4, 8))
        model = kerasmini.Model(x, layers.GroupQueryAttention(4, 2, 1)(x, x))
        data = np.random.default_rng(4).standard_normal((2, 4, 8)).astype("float32")
        with tempfile.TemporaryDirectory() as d, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # HDF5 is legacy; no training config
            path = os.path.join(d, "gqa.h5")
            model.save(path)
            with h5py.File(path, "r") as f:
                saved = json.loads(f.attrs["model_config"])["config"]["layers"]
            loaded = kerasmini.models.load_model(path)
        self.assertEqual(saved[1]["class_name"], "GroupedQueryAttention")
        np.testing.assert_array_equal(loaded.predict(data, verbose=0),
                                      model.predict(data, verbose=0))

    def test_nested_model_weights_in_legacy_order(self):
        """A backbone with BatchNormalization inside a model: its group lists every
        trainable weight before the moving statistics, not in `weights` order."""
        inner = self.graph()
        x = kerasmini.Input((5, 5, 2))
        model = kerasmini.Model(x, layers.Dense(3, name="head")(inner(x)))
        self.assertNotEqual([w.path for w in inner.weights],
                            [w.path for w in inner.trainable_weights
                             + inner.non_trainable_weights])  # the orders differ here
        data = np.random.default_rng(3).standard_normal((2, 5, 5, 2)).astype("float32")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "nested.h5")
            write_tf2_h5(path, model)
            loaded = kerasmini.models.load_model(path)
        for a, b in zip(loaded.weights, model.weights):
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=b.path)
        np.testing.assert_array_equal(loaded.predict(data, verbose=0),
                                      model.predict(data, verbose=0))

    def test_weights_only_and_linked_files_are_refused(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "w.h5")
            with h5py.File(path, "w") as f:
                f.create_dataset("x", data=np.zeros(3))
            with self.assertRaisesRegex(ValueError, "no `model_config` attribute"):
                kerasmini.models.load_model(path)
            path = os.path.join(d, "link.h5")
            write_tf2_h5(path, self.graph())
            with h5py.File(path, "r+") as f:
                del f["model_weights/out/out/bias:0"]
                f["model_weights/out/out/bias:0"] = h5py.ExternalLink("/etc/x.h5", "/b")
            with self.assertRaisesRegex(ValueError, "ExternalLink"):
                kerasmini.models.load_model(path)
