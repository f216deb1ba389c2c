"""Saving a user's own layers and subclassed models as Keras does (module, class name,
registered name, config, build_config), loading them back with custom_objects or the
registry, and the refusals: an unknown class (TypeError naming it), a constructor that
cannot make a config, a build shape too large; a file naming a module imports nothing.
(The same files moved to and from tf.keras: conformance/models/test_custom_files.py.)"""
import json
import os
import sys
import tempfile
import unittest
import warnings
import zipfile

import numpy as np

import kerasmini
from kerasmini import layers
from kerasmini.object_registration import GLOBAL_CUSTOM_NAMES, GLOBAL_CUSTOM_OBJECTS


class Project(layers.Layer):
    """y = x @ w, with get_config written out."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units))

    def call(self, x):
        return kerasmini.ops.matmul(x, self.w)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class Shift(layers.Layer):
    """y = x + by; no get_config: saved from its constructor's arguments."""

    def __init__(self, by=0.5, **kw):  # not `**kwargs`: Keras leaves `name` out then
        super().__init__(**kw)
        self.by = by

    def call(self, x):
        return x + self.by


class Named(Shift):
    def __init__(self, by=0.5, **kwargs):  # `**kwargs`: `name` is kept
        super().__init__(by, **kwargs)


class Net(kerasmini.Model):
    """A subclassed model without get_config."""

    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = layers.Dense(units, activation="relu")
        self.head = Project(2)

    def call(self, x):
        return self.head(self.hidden(x))


class ConfiguredNet(Net):  # inherits __init__: ConfiguredNet(4) is not Model(inputs, ...)
    def get_config(self):
        return {**super().get_config(), "units": self.units}


class CustomModel(kerasmini.Model):  # a functional model of the user's class
    def train_step(self, data):
        return super().train_step(data)


X = np.random.default_rng(0).standard_normal((4, 5)).astype("float32")
CLASSES = {"Project": Project, "Shift": Shift, "Named": Named, "Net": Net,
           "ConfiguredNet": ConfiguredNet, "CustomModel": CustomModel}


def built(model):
    model(X[:2])
    return model


class SavingUsersClassesTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.folder.name, "m.keras")

    def tearDown(self):
        self.folder.cleanup()
        for cls in CLASSES.values():
            GLOBAL_CUSTOM_OBJECTS.pop(GLOBAL_CUSTOM_NAMES.pop(cls, None), None)

    def config(self):
        with zipfile.ZipFile(self.path) as archive:
            return json.loads(archive.read("config.json"))

    def rewrite_config(self, config):
        with zipfile.ZipFile(self.path) as archive:
            members = {n: archive.read(n) for n in archive.namelist()}
        members["config.json"] = json.dumps(config).encode()
        with zipfile.ZipFile(self.path, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)

    def assert_round_trip(self, model, **load_arguments):
        model.save(self.path)
        loaded = kerasmini.models.load_model(self.path, **load_arguments)
        self.assertIs(type(loaded), type(model))
        for saved, read in zip(model.get_weights(), loaded.get_weights(), strict=True):
            np.testing.assert_array_equal(read, saved)
        np.testing.assert_array_equal(loaded.predict(X, verbose=0),
                                      model.predict(X, verbose=0))
        return loaded

    def test_layers_in_a_sequential_written_as_keras_writes_them(self):
        model = kerasmini.Sequential([kerasmini.Input((5,)), Project(3, name="p"),
                                      Shift(0.25), Named(1.0, name="n")])
        self.assert_round_trip(model, custom_objects=CLASSES)
        project, shift, named = self.config()["config"]["layers"][1:]
        self.assertEqual(project["module"], __name__)
        self.assertEqual((project["class_name"], project["registered_name"]),
                         ("Project", "Project"))
        self.assertEqual(project["config"]["units"], 3)
        self.assertEqual(project["build_config"], {"input_shape": [None, 5]})
        self.assertEqual(shift["config"]["by"], 0.25)
        self.assertNotIn("name", shift["config"])
        self.assertEqual((named["config"]["name"], named["config"]["by"]), ("n", 1.0))

    def test_subclassed_models_by_custom_objects_and_by_registry(self):
        for cls in (Net, ConfiguredNet):
            with self.subTest(cls.__name__):
                model = built(cls(4, name="net"))
                self.assert_round_trip(model, custom_objects={cls.__name__: cls,
                                                              "Project": Project})
                config = self.config()
                self.assertEqual(config["build_config"], {"input_shape": [2, 5]})
                self.assertEqual(config["config"]["units"], 4)
                self.assertEqual(config["config"]["name"], "net")  # `**kwargs` takes it
                kerasmini.saving.register_keras_serializable(package="Tests")(cls)
                kerasmini.saving.register_keras_serializable(package="Tests")(Project)
                self.assert_round_trip(built(cls(4)))
                self.assertEqual(self.config()["registered_name"], f"Tests>{cls.__name__}")
                self.tearDown()
                self.setUp()

    def test_functional_model_of_a_users_class(self):
        inputs = kerasmini.Input((5,))
        outputs = Project(2, name="p")(layers.Dense(4)(inputs))
        self.assert_round_trip(CustomModel(inputs, outputs), custom_objects=CLASSES)
        config = self.config()
        self.assertEqual((config["class_name"], config["registered_name"]),
                         ("CustomModel", "CustomModel"))
        self.assertIn("layers", config["config"])
        kerasmini.saving.register_keras_serializable(package="Tests")(CustomModel)
        kerasmini.saving.register_keras_serializable(package="Tests")(Project)
        self.assert_round_trip(CustomModel(inputs, outputs))
        self.assertEqual(self.config()["registered_name"], "Tests>CustomModel")

    def test_unbuilt_subclassed_model_warns_and_loads_unbuilt(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            Net(3).save(self.path)
        self.assertIn("not yet been built", str(caught[0].message))
        self.assertNotIn("build_config", self.config())
        loaded = kerasmini.models.load_model(self.path, custom_objects=CLASSES)
        self.assertFalse(loaded.built)
        self.assertEqual(loaded(X).shape, (4, 2))

    def test_class_not_given_is_a_type_error_naming_it(self):
        built(Net(4)).save(self.path)
        with self.assertRaisesRegex(TypeError, "Could not locate class 'Net'.*"
                                    "custom_objects=\\{'Net': Net\\}.*register_keras_"):
            kerasmini.models.load_model(self.path)
        # the layers Net makes in __init__ are not in its config: Net alone loads it
        self.assertEqual(kerasmini.models.load_model(
            self.path, custom_objects={"Net": Net}).predict(X, verbose=0).shape, (4, 2))

    def test_constructor_arguments_that_make_no_config_are_refused(self):
        model = kerasmini.Sequential([kerasmini.Input((5,)), Shift(np.float32(0.5))])
        with self.assertRaisesRegex(NotImplementedError, "Shift.*get_config"):
            model.save(self.path)
        self.assertFalse(os.path.exists(self.path))

    def test_file_naming_a_module_imports_nothing(self):
        folder = self.folder.name
        with open(os.path.join(folder, "planted_module.py"), "w") as f:
            f.write("raise SystemExit('imported')\nclass Net: pass\n")
        built(Net(4)).save(self.path)
        config = self.config()
        config["module"] = "planted_module"
        self.rewrite_config(config)
        sys.path.insert(0, folder)
        try:
            with self.assertRaisesRegex(TypeError, "'Net'.*module 'planted_module'"):
                kerasmini.models.load_model(self.path)
        finally:
            sys.path.remove(folder)
        self.assertNotIn("planted_module", sys.modules)

    def test_build_config_checked_before_building(self):
        built(Net(4)).save(self.path)
        config = self.config()
        for shape, message in (([2, "5"], "list of sizes"), ([2, True], "list of sizes"),
                               ([1, 1 << 13, 1 << 13], "Not al")):
            config["build_config"] = {"input_shape": shape}
            self.rewrite_config(config)
            with self.assertRaisesRegex(ValueError, message):
                kerasmini.models.load_model(self.path, custom_objects=CLASSES)


if __name__ == "__main__":
    unittest.main()
