"""Legacy HDF5 model files written by tf.keras (`model.save("m.h5")`, Keras 3's legacy
writer) load in kerasmini with the same predictions, Sequential and functional, for
every layer family of conformance/models/test_models.py."""
import os
import tempfile
import unittest
import warnings

import numpy as np
from parameterized import parameterized

import kerasmini
from conformance.models import tf_keras
from conformance.models.test_models import MODELS, random_weights

keras = tf_keras()


class LegacyH5FromTfKerasTest(unittest.TestCase):
    @parameterized.expand(MODELS)
    def test_h5_from_tf_keras_loads_and_predicts_the_same(self, name, build, shape):
        tf = build(keras)
        tf.set_weights(random_weights(tf, seed=4))
        x = np.random.default_rng(6).random((7, *shape)).astype("float32")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, f"{name}.h5")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "HDF5 is legacy": that is the point
                tf.save(path)
            km = kerasmini.models.load_model(path)
        self.assertEqual(type(km).__name__, type(tf).__name__)
        self.assertEqual([layer.name for layer in km.layers],
                         [layer.name for layer in tf.layers])
        for a, b in zip(km.weights, tf.weights):
            np.testing.assert_array_equal(a.numpy(), np.asarray(b), err_msg=b.path)
        np.testing.assert_allclose(km.predict(x, verbose=0), tf.predict(x, verbose=0),
                                   rtol=1e-5, atol=1e-5, err_msg=name)
