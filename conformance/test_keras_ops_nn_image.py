"""keras.ops.nn and keras.ops.image beyond the ops table (conformance/test_keras_ops.py
runs their value, symbolic and gradient cases): elastic_transform with TensorFlow's
random field swapped in for kerasmini's draw, polar's complex values, and files: a
model of nn and image operations saved by tf.keras loads in kerasmini with the same
predictions, and kerasmini's file loads in tf.keras."""
import unittest
from unittest import mock

import numpy as np
from parameterized import parameterized

import kerasmini
from conformance import harness
from conformance.test_keras_ops import round_trip
from kerasmini.ops import image_elastic

tf, keras = harness.tf, harness.keras


def _tf_field(shape, seed, dtype):
    """Keras's draw for elastic_transform: a stateless normal field of its seed."""
    from keras.src.random.seed_generator import draw_seed
    return np.asarray(tf.random.stateless_normal(shape, seed=draw_seed(seed), dtype=dtype))


class ElasticTransformTest(unittest.TestCase):
    @parameterized.expand([
        ("bilinear_reflect", "float32", {}),
        ("nearest_constant_cf", "float32", {"interpolation": "nearest",
                                            "fill_mode": "constant", "fill_value": 0.5,
                                            "data_format": "channels_first"}),
        ("strong_wrap_float64", "float64", {"alpha": 35.0, "sigma": 2.0,
                                            "fill_mode": "wrap"}),
    ])
    def test_after_the_draw_as_tensorflow(self, _, dtype, kwargs):
        images = np.random.default_rng(5).random((2, 9, 11, 3)).astype(dtype)
        if kwargs.get("data_format") == "channels_first":
            images = np.ascontiguousarray(np.moveaxis(images, -1, 1))
        expected = np.asarray(keras.ops.image.elastic_transform(
            tf.constant(images), seed=7, **kwargs))
        with mock.patch.object(image_elastic, "displacement", _tf_field):
            got = kerasmini.ops.image.elastic_transform(images, seed=7, **kwargs)
        self.assertEqual(got.dtype, expected.dtype)
        np.testing.assert_allclose(got, expected, rtol=harness.RTOL[dtype],
                                   atol=harness.RTOL[dtype])

    def test_kerasmini_draw_is_seeded_and_moves_pixels(self):
        images = np.random.default_rng(6).random((1, 8, 8, 1)).astype("float32")
        first = kerasmini.ops.image.elastic_transform(images, seed=3)
        np.testing.assert_array_equal(first, kerasmini.ops.image.elastic_transform(
            images, seed=3))
        self.assertGreater(float(np.abs(first - images).max()), 0.05)


def test_polar_matches_keras():
    r = np.random.default_rng(1).random((3, 4)).astype("float32")
    angle = np.random.default_rng(2).standard_normal((3, 4)).astype("float32")
    expected = np.asarray(keras.ops.polar(r, angle))
    got = kerasmini.ops.polar(r, angle)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


def nn_image_model(library):
    """A functional model of keras.ops.nn and keras.ops.image calls (weights: a Conv2D)."""
    ops, image = library.ops, library.ops.image
    x = library.Input((8, 10, 3), name="x")
    y = library.layers.Conv2D(4, 3, padding="same", name="c")(x)
    y = image.resize(y, (6, 8), interpolation="lanczos3")
    y = ops.layer_normalization(ops.max_pool(y, 2, strides=1, padding="same"))
    patches = image.extract_patches(ops.depth_to_space(y, 2), 3, padding="same")
    pooled = ops.average_pool(patches, 2)
    blurred = image.gaussian_blur(image.crop_images(y, 1, 1, target_height=4,
                                                    target_width=5))
    hsv = image.rgb_to_hsv(ops.sigmoid(y[..., :3]))
    return library.Model(x, [pooled, ops.rms_normalization(blurred), hsv])


NAMES = {"Resize", "MaxPool", "LayerNorm", "ExtractPatches", "DepthToSpace", "AveragePool",
         "GaussianBlur", "CropImages", "RGBToHSV", "RMSNorm"}


class NnImageFilesTest(unittest.TestCase):
    def _check(self, got, expected, names):
        self.assertTrue(NAMES <= names, names - NAMES)
        for a, b in zip(got, expected):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)

    def test_tf_keras_file_loads_in_kerasmini(self):
        self._check(*round_trip(keras, kerasmini, 3, nn_image_model, (2, 8, 10, 3)))

    def test_kerasmini_file_loads_in_tf_keras(self):
        self._check(*round_trip(kerasmini, keras, 4, nn_image_model, (2, 8, 10, 3)))
