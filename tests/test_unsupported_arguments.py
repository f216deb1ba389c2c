"""Arguments kerasmini accepts only at their default raise a clear error otherwise, never
silently ignored: load_model(safe_mode, compile), load_weights(skip_mismatch),
predict(callbacks), save(zipped), save_model(**kwargs), summary(expand_nested)."""
import json
import os
import tempfile
import unittest
import warnings
import zipfile

import numpy as np

import kerasmini as keras
from kerasmini import layers


def small_model():
    return keras.Sequential([keras.Input((3,)), layers.Dense(2)])


class UnsupportedArgumentsTest(unittest.TestCase):
    def test_each_non_default_value_raises_naming_it(self):
        model = small_model()
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "m.keras")
            model.save(path)
            before = [w.copy() for w in model.get_weights()]
            cases = [
                (ValueError, "safe_mode=False",
                 lambda: keras.models.load_model(path, safe_mode=False)),
                (TypeError, "compile='yes'",
                 lambda: keras.models.load_model(path, compile="yes")),
                (ValueError, "skip_mismatch=True",
                 lambda: model.load_weights(path, skip_mismatch=True)),
                (ValueError, "callbacks=",
                 lambda: model.predict(np.ones((2, 3)), callbacks=[object()])),
                (ValueError, "zipped=False",
                 lambda: model.save(os.path.join(folder, "n.keras"), zipped=False)),
                (ValueError, "include_optimizer",
                 lambda: keras.models.save_model(model, os.path.join(folder, "n.keras"),
                                                 include_optimizer=False)),
            ]
            for error, words, call in cases:
                with self.subTest(words), self.assertRaisesRegex(error, words):
                    call()
            self.assertFalse(os.path.exists(os.path.join(folder, "n.keras")))
            for old, new in zip(before, model.get_weights()):
                np.testing.assert_array_equal(old, new)
            # the defaults and the values that ask for what kerasmini does still work
            loaded = keras.models.load_model(path, compile=False, safe_mode=True)
            np.testing.assert_array_equal(loaded.predict(np.ones((2, 3)), callbacks=[],
                                                         verbose=0),
                                          model.predict(np.ones((2, 3)), verbose=0))

    def test_a_training_configuration_is_restored(self):
        model = small_model()
        with tempfile.TemporaryDirectory() as folder:
            path, compiled = os.path.join(folder, "m.keras"), os.path.join(folder, "c.keras")
            model.save(path)
            with zipfile.ZipFile(path) as source, zipfile.ZipFile(compiled, "w") as target:
                for name in source.namelist():
                    data = source.read(name)
                    if name == "config.json":
                        config = json.loads(data)
                        config["compile_config"] = {"optimizer": "adam", "loss": "mse"}
                        data = json.dumps(config)
                    target.writestr(name, data)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                restored = keras.models.load_model(compiled)  # compiled, as Keras does
                bare = keras.models.load_model(compiled, compile=False)
                keras.models.load_model(path)  # nothing to restore: nothing to say
            self.assertEqual(type(restored.optimizer).__name__, "Adam")
            self.assertEqual(restored.loss, keras.losses.mean_squared_error)
            self.assertFalse(bare.compiled)

    def test_expand_nested_draws_or_refuses(self):
        flat = small_model()
        out = []
        flat.summary(print_fn=out.append, expand_nested=True)
        flat.summary(print_fn=out.append)
        self.assertEqual(out[0], out[1])  # nothing nested: the same table
        inner = small_model()
        outer = keras.Sequential([keras.Input((3,)), inner, layers.Dense(1)])
        with self.assertRaisesRegex(ValueError, "expand_nested=True"):
            outer.summary(print_fn=out.append, expand_nested=True)


if __name__ == "__main__":
    unittest.main()
