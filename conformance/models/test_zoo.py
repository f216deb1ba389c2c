"""The zoo (conformance/models/zoo.py), both ways. For each architecture tf.keras saves
`.keras`, `.weights.h5` and the legacy `.h5`; kerasmini loads each (the user's layers as
custom_objects, Sampling from the registry) and predicts what tf.keras predicts; the
check behind `python -m kerasmini check` passes layer by layer (on the file itself when
the model has no unregistered custom layer); summaries are equal; kerasmini saves
`.keras` and `.weights.h5` and tf.keras reads them back with the same predictions. A few
models also fit one epoch (no dropout, shuffle=False) to tf.keras's loss.

Quick tier: QUICK only; the full tier (CI) runs all of them, about a second each.
"""
import os
import tempfile
import unittest
import warnings
import zlib

import numpy as np
from parameterized import parameterized

import kerasmini
from conformance.models import applications, zoo
from conformance.models.applications import as_numpy, randomize_batchnorm, relative_error
from conformance.test_fit import LOSS_FLOOR, WEIGHT_FLOOR
from kerasmini.check.api import check_model

keras = zoo.keras
KM_LAYERS = zoo.user_layers(kerasmini)
TF_OBJECTS = {k: v for k, v in zoo.TF_LAYERS.items() if k != "Sampling"}
KM_OBJECTS = {k: v for k, v in KM_LAYERS.items() if k != "Sampling"}  # found registered
# the models whose file `kerasmini check FILE` reads as is (nothing to pass by hand)
NO_CUSTOM = [n for n in zoo.ZOO if n not in ("vit", "transformer_tpe", "siamese_lambda")]
QUICK = ("unet_xception", "vit", "transformer_masked", "vae", "ticket_classifier", "tcn",
         "two_tower")  # two_tower: one of FITS, so the quick tier fits one model too
NAMES = QUICK if os.environ.get("KM_CONFORMANCE_TIER") == "quick" else list(zoo.ZOO)
# tf.keras 3.15 itself cannot write these as legacy .h5 (its random layers' seed
# generators do not pickle): the legacy file is not tried
LEGACY_H5_REFUSED_BY_TF = ("augmented",)
# name -> (loss, optimizer): the models that also fit an epoch in both libraries. SGD for
# those with an Embedding: tf.keras's Adam and RMSprop square Embedding's sparse gradient
# one occurrence at a time (a TensorFlow divergence, models/test_text_model.py), so
# their fits differ wherever a batch repeats a token (transformer_tpe's loss: 0.82 vs
# kerasmini's 0.76 after 3 Adam steps; the gradients themselves agree).
FITS = {"unet_concat": ("binary_crossentropy", "adam"), "wavenet": ("mse", "rmsprop"),
        "bigru_tagger": ("sparse_categorical_crossentropy", "sgd"),
        "transformer_tpe": ("sparse_categorical_crossentropy", "sgd"),
        "two_tower": ("binary_crossentropy", "sgd")}


def build(name):
    """tf.keras's model of `name`: seeded weights, random BatchNormalization statistics."""
    keras.utils.set_random_seed(zlib.crc32(name.encode()))
    model = zoo.ZOO[name]()
    randomize_batchnorm(model)
    return model


def sample(model, name, batch=3, seed=1):
    """Inputs in the model's structure; token ids end in padding (0) so masks matter."""
    x = applications.sample_input(model, name, batch=batch, seed=seed)
    if name == "transformer_masked":
        x[1] = np.broadcast_to(np.arange(10, dtype="int32"), x[1].shape).copy()
    for array in (x.values() if isinstance(x, dict) else x if isinstance(x, list) else [x]):
        if array.dtype.kind in "iu" and array.ndim == 2 and array.shape[1] > 3:
            array[:, -3:] = 0
            array[0, 1:] = 0
        elif array.ndim == 3 and name == "masked_lstm":
            array[:, -2:] = 0.0  # padded steps: all-zero rows
    return x


def predict(model, x):
    return as_numpy(model(x, training=False))


class ZooTest(unittest.TestCase):
    @parameterized.expand([(name,) for name in NAMES])
    def test_files_both_ways_and_check(self, name):
        tf_model = build(name)
        x = sample(tf_model, name)
        expected = predict(tf_model, x)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "tf.keras")
            tf_model.save(path)
            km_model = kerasmini.models.load_model(path, custom_objects=KM_OBJECTS)
            self.assert_close(km_model.predict(x, verbose=0), expected, name, "tf.keras -> "
                              "kerasmini (.keras)")
            self.assertEqual(applications.summary_text(km_model),
                             applications.summary_text(tf_model), f"{name}: summary()")
            self.assert_check_passes(name, path, km_model, tf_model, x)

            km_model.save(os.path.join(folder, "km.keras"))
            back = keras.models.load_model(os.path.join(folder, "km.keras"),
                                           custom_objects=TF_OBJECTS, safe_mode=False)
            self.assert_close(predict(back, x), expected, name,
                              "kerasmini -> tf.keras (.keras)")
            self.weights_both_ways(name, folder, tf_model, km_model, x, expected)
            self.legacy_h5(name, folder, tf_model, x, expected)

    def assert_close(self, got, expected, name, what):
        error, ok = relative_error(got, expected)
        self.assertTrue(ok, f"{name}: {what}: predictions differ by {error:.3g} of the "
                            "output's scale")

    def assert_check_passes(self, name, path, km_model, tf_model, x):
        """`python -m kerasmini check FILE` (the file as is, random inputs), or its API
        on the two models and the zoo's inputs (transformer_tpe's float token ids) when
        the file needs the user's classes: every node compared (masked calls, calls of
        several tensors, keras.ops operations included)."""
        result = (check_model(path, samples=4) if name in NO_CUSTOM
                  else check_model(km_model, x if isinstance(x, list) else [x],
                                   keras_model=tf_model))
        self.assertTrue(result.passed, f"{name}: kerasmini check:\n{result.table()}")

    def weights_both_ways(self, name, folder, tf_model, km_model, x, expected):
        tf_weights = os.path.join(folder, "tf.weights.h5")
        km_weights = os.path.join(folder, "km.weights.h5")
        tf_model.save_weights(tf_weights)
        km_model.set_weights([np.zeros_like(w) for w in km_model.get_weights()])
        km_model.load_weights(tf_weights)
        self.assert_close(km_model.predict(x, verbose=0), expected, name,
                          "tf.keras's .weights.h5 into kerasmini")
        km_model.save_weights(km_weights)
        fresh = zoo.ZOO[name]()
        fresh.load_weights(km_weights)
        self.assert_close(predict(fresh, x), expected, name,
                          "kerasmini's .weights.h5 into tf.keras")

    def legacy_h5(self, name, folder, tf_model, x, expected):
        legacy = os.path.join(folder, "tf.h5")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "HDF5 is legacy": that is the point
            if name in LEGACY_H5_REFUSED_BY_TF:
                with self.assertRaises(TypeError):
                    tf_model.save(legacy)
                return
            tf_model.save(legacy)
        model = kerasmini.models.load_model(legacy, custom_objects=KM_OBJECTS)
        self.assert_close(model.predict(x, verbose=0), expected, name,
                          "tf.keras's legacy .h5 into kerasmini")


def _no_dropout(model):
    for layer in model.layers:
        if hasattr(layer, "rate"):
            layer.rate = 0.0
        if hasattr(layer, "layers"):
            _no_dropout(layer)


class ZooFitTest(unittest.TestCase):
    @parameterized.expand([(name,) for name in FITS if name in NAMES])
    def test_one_epoch_same_loss(self, name):
        tf_model = build(name)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "tf.keras")
            tf_model.save(path)
            km_model = kerasmini.models.load_model(path, custom_objects=KM_OBJECTS)
        loss, optimizer = FITS[name]
        rng = np.random.default_rng(4)
        x = sample(tf_model, name, batch=24, seed=4)
        shape = (24, *tf_model.outputs[0].shape[1:])
        y = (rng.integers(0, shape[-1], shape[:-1]) if loss.startswith("sparse")
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
