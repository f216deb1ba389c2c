"""What test_zoo.py and test_zoo2.py do to each architecture of their zoo, once.

`ZooChecks` is a mixin for a unittest.TestCase whose class attributes say which zoo:
ZOO (name -> tf.keras builder), KM_OBJECTS / TF_OBJECTS (custom_objects for each
library), NO_CUSTOM (the models whose file `kerasmini check FILE` reads as is),
CHECK_WITH_SAMPLE (those check runs on the zoo's inputs, not its random ones) and
LEGACY_H5_REFUSED_BY_TF.

For each architecture tf.keras saves `.keras`, `.weights.h5` and the legacy `.h5`;
kerasmini loads each and predicts what tf.keras predicts; the check behind `python -m
kerasmini check` passes node by node; summaries are equal; kerasmini saves `.keras` and `.weights.h5` and tf.keras
reads them back with the same predictions. `fit_one_epoch` fits both libraries one epoch
(no dropout, shuffle=False) and compares the logs.
"""
import os
import tempfile
import warnings
import zlib

import numpy as np

import kerasmini
from conformance.models import applications, tf_keras
from conformance.models.applications import (UNKNOWN_SIZE, as_numpy, randomize_batchnorm,
                                             relative_error)
from conformance.test_fit import LOSS_FLOOR, WEIGHT_FLOOR
from kerasmini.check.api import check_model

keras = tf_keras()

def predict(model, x):
    return as_numpy(model(x, training=False))


def _no_dropout(model):
    for layer in model.layers:
        if hasattr(layer, "rate"):
            layer.rate = 0.0
        if hasattr(layer, "drop_prob"):  # keras.io's StochasticDepth
            layer.drop_prob = 0.0
        if hasattr(layer, "layers"):
            _no_dropout(layer)


class ZooChecks:
    ZOO, KM_OBJECTS, TF_OBJECTS = {}, {}, {}
    NO_CUSTOM, LEGACY_H5_REFUSED_BY_TF, CHECK_WITH_SAMPLE, CHECK_FAILS_ON = (), (), (), {}

    def build(self, name):
        """tf.keras's model of `name`: seeded weights, random BatchNormalization
        statistics."""
        keras.utils.set_random_seed(zlib.crc32(name.encode()))
        model = self.ZOO[name]()
        randomize_batchnorm(model)
        return model

    def sample(self, model, name, batch=3, seed=1):
        """Inputs in the model's structure; token ids end in padding (0) so masks
        matter."""
        x = self.sample_input(model, name, batch, seed)
        for array in (x.values() if isinstance(x, dict) else x if isinstance(x, list)
                      else [x]):
            if array.dtype.kind in "iu" and array.ndim == 2 and array.shape[1] > 3:
                array[:, -3:] = 0
                array[0, 1:] = 0
        return x

    def sample_input(self, model, name, batch, seed):
        """Random inputs in the model's structure, before padding is written in."""
        return applications.sample_input(model, name, batch=batch, seed=seed)

    def check_files_both_ways(self, name):
        tf_model = self.build(name)
        x = self.sample(tf_model, name)
        expected = predict(tf_model, x)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "tf.keras")
            tf_model.save(path)
            km_model = kerasmini.models.load_model(path, custom_objects=self.KM_OBJECTS)
            self.assert_close(km_model.predict(x, verbose=0), expected, name,
                              "tf.keras -> kerasmini (.keras)")
            self.assertEqual(applications.summary_text(km_model),
                             applications.summary_text(tf_model), f"{name}: summary()")
            self.assert_check_passes(name, path, km_model, tf_model, x)

            km_model.save(os.path.join(folder, "km.keras"))
            back = keras.models.load_model(os.path.join(folder, "km.keras"),
                                           custom_objects=self.TF_OBJECTS, safe_mode=False)
            self.assert_close(predict(back, x), expected, name,
                              "kerasmini -> tf.keras (.keras)")
            self.weights_both_ways(name, folder, tf_model, km_model, x, expected)
            self.legacy_h5(name, folder, tf_model, x, expected)

    def assert_close(self, got, expected, name, what):
        error, ok = relative_error(got, expected)
        self.assertTrue(ok, f"{name}: {what}: predictions differ by {error:.3g} of the "
                            "output's scale")

    def assert_check_passes(self, name, path, km_model, tf_model, x):
        """`python -m kerasmini check FILE` (the file as is, random inputs unless
        CHECK_WITH_SAMPLE), or its API on the two models and the zoo's inputs when the
        file needs the user's classes: every node compared (masked calls, calls of
        several tensors, keras.ops operations included). CHECK_FAILS_ON: where check
        itself cannot run the tf.keras side, every layer call compared in one pass."""
        if name in self.CHECK_FAILS_ON:
            layer, error, ok = applications._worst_layer(tf_model, km_model, x)
            self.assertTrue(ok, f"{name}: layer '{layer}' differs by {error:.3g}")
            return
        if name in self.NO_CUSTOM:
            own = ({"inputs": self.input_list(km_model, x)} if name in self.CHECK_WITH_SAMPLE
                   else {})
            result = check_model(path, samples=4, dim_size=UNKNOWN_SIZE, **own)
        else:
            result = check_model(km_model, self.input_list(km_model, x),
                                 keras_model=tf_model)
        self.assertTrue(result.passed, f"{name}: kerasmini check:\n{result.table()}")

    @staticmethod
    def input_list(model, x):
        """x as one array per model input, in the model's input order."""
        if isinstance(x, dict):
            return [x[tensor.name] for tensor in model.inputs]
        return x if isinstance(x, list) else [x]

    def weights_both_ways(self, name, folder, tf_model, km_model, x, expected):
        tf_weights = os.path.join(folder, "tf.weights.h5")
        km_weights = os.path.join(folder, "km.weights.h5")
        tf_model.save_weights(tf_weights)
        km_model.set_weights([np.zeros_like(w) for w in km_model.get_weights()])
        km_model.load_weights(tf_weights)
        self.assert_close(km_model.predict(x, verbose=0), expected, name,
                          "tf.keras's .weights.h5 into kerasmini")
        km_model.save_weights(km_weights)
        fresh = self.ZOO[name]()
        fresh.load_weights(km_weights)
        self.assert_close(predict(fresh, x), expected, name,
                          "kerasmini's .weights.h5 into tf.keras")

    def legacy_h5(self, name, folder, tf_model, x, expected):
        legacy = os.path.join(folder, "tf.h5")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "HDF5 is legacy": that is the point
            if name in self.LEGACY_H5_REFUSED_BY_TF:
                with self.assertRaises(TypeError):
                    tf_model.save(legacy)
                return
            tf_model.save(legacy)
        model = kerasmini.models.load_model(legacy, custom_objects=self.KM_OBJECTS)
        self.assert_close(model.predict(x, verbose=0), expected, name,
                          "tf.keras's legacy .h5 into kerasmini")

    def fit_one_epoch(self, name, loss, optimizer):
        """One epoch (three batches of 8) in both libraries from the same file: the same
        log keys, the same loss within test_fit.LOSS_FLOOR, accuracy within one flip,
        then the same predictions."""
        tf_model = self.build(name)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "tf.keras")
            tf_model.save(path)
            km_model = kerasmini.models.load_model(path, custom_objects=self.KM_OBJECTS)
        rng = np.random.default_rng(4)
        x = self.sample(tf_model, name, batch=24, seed=4)
        shape = (24, *tf_model.outputs[0].shape[1:])
        y = (rng.integers(0, shape[-1], shape[:-1]) if loss.startswith("sparse")
             else np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], shape[:-1])]
             if loss.startswith("categorical")  # one-hot: on rows not summing to 1
             # tf.keras's gradient is softmax - y (TensorFlow's fused kernel), not the
             # loss's (kerasmini's): softmax * sum(y) - y
             else rng.random(shape).round().astype("float32"))
        metrics = ["accuracy"] if "crossentropy" in loss else []
        histories = []
        for model in (tf_model, km_model):
            _no_dropout(model)
            # tf.keras eagerly: tracing a tf.function costs seconds, three steps do not
            model.compile(optimizer=optimizer, loss=loss, metrics=metrics,
                          **({"run_eagerly": True} if model is tf_model else {}))
            history = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
            histories.append({key: values[0] for key, values in history.history.items()})
        tf_logs, km_logs = histories
        self.assertEqual(sorted(km_logs), sorted(tf_logs), name)
        tf_loss, km_loss = tf_logs["loss"], km_logs["loss"]
        self.assertLessEqual(abs(km_loss - tf_loss), LOSS_FLOOR * abs(tf_loss),
                             f"{name}: one epoch's loss, kerasmini {km_loss!r}, tf.keras "
                             f"{tf_loss!r}")
        if metrics:  # argmax hits: one may flip on a tie within rounding
            self.assertLessEqual(abs(km_logs["accuracy"] - tf_logs["accuracy"]),
                                 1 / y.size + 1e-6, f"{name}: accuracy {km_logs} vs "
                                                    f"tf.keras {tf_logs}")
        self.assert_same_predictions(name, tf_model, km_model, x)

    def assert_same_predictions(self, name, tf_model, km_model, x):
        """After the epoch the two models still predict the same, within the suite's
        training tolerance (test_fit.WEIGHT_FLOOR of the output's scale)."""
        error, _ = relative_error(km_model.predict(x, verbose=0), predict(tf_model, x))
        self.assertLessEqual(error, WEIGHT_FLOOR, f"{name}: predictions after one epoch "
                                                  f"differ by {error:.3g} of their scale")
