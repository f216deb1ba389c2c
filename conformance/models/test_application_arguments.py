"""kerasmini.applications against tf.keras on what is not a model: each family's
preprocess_input (every mode, layout, rank and dtype; the in-place change of a float
input too), and the argument errors of the builders, decode_predictions and
imagenet_utils.preprocess_input, which must raise tf.keras's exception class; each
builder's signature (argument names and defaults)."""
import inspect
import os
import tempfile
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from conformance.models import tf_keras

keras = tf_keras()

FAMILIES = ("vgg16", "vgg19", "resnet", "resnet50", "resnet_v2", "mobilenet",
            "mobilenet_v2", "mobilenet_v3", "densenet", "efficientnet", "efficientnet_v2",
            "inception_v3", "xception", "inception_resnet_v2", "convnext", "nasnet")


def _images(dtype, shape, seed=0):
    return (np.random.default_rng(seed).random(shape) * 255).astype(dtype)


PREPROCESS = [(family, dtype, shape, data_format)
              for family in FAMILIES for dtype in ("float32", "float64", "uint8")
              for shape, data_format in (((2, 5, 4, 3), "channels_last"),
                                         ((5, 4, 3), "channels_last"),
                                         ((2, 3, 5, 4), "channels_first"),
                                         ((3, 5, 4), "channels_first"))]


def _with_input_tensor(library, builder, shape, **kwargs):
    return getattr(library.applications, builder)(
        input_tensor=library.Input(shape), **kwargs)


def _channels_first(library, builder, **kwargs):
    library.config.set_image_data_format("channels_first")
    try:
        return getattr(library.applications, builder)(**kwargs)
    finally:
        library.config.set_image_data_format("channels_last")


# name -> (builder or a function of the library, keyword arguments)
ERRORS = {
    "weights_missing_file": ("VGG16", dict(weights="/no/such/weights.h5")),
    "imagenet_classes": ("ResNet50", dict(weights="imagenet", classes=10)),
    "imagenet_top_shape": ("ResNet50V2", dict(weights="imagenet", input_shape=(64, 64, 3))),
    "imagenet_channels": ("DenseNet121", dict(weights="imagenet", include_top=False,
                                              input_shape=(64, 64, 1))),
    "too_small": ("VGG19", dict(weights=None, include_top=False, input_shape=(16, 40, 3))),
    "two_dims": ("ResNet50", dict(weights=None, input_shape=(32, 32))),
    "top_needs_static_shape": ("DenseNet121", dict(weights=None,
                                                   input_shape=(None, None, 3))),
    "mobilenet_imagenet_alpha": ("MobileNet", dict(weights="imagenet", alpha=0.3)),
    "mobilenet_imagenet_depth": ("MobileNet", dict(weights="imagenet", depth_multiplier=2)),
    "mobilenet_v2_imagenet_alpha": ("MobileNetV2", dict(weights="imagenet", alpha=0.2)),
    "mobilenet_v2_too_small": ("MobileNetV2", dict(weights=None, input_shape=(20, 20, 3))),
    "mobilenet_v2_tensor_shape": (
        lambda library: _with_input_tensor(library, "MobileNetV2", (32, 40, 3),
                                           weights=None, input_shape=(32, 32, 3)), {}),
    "mobilenet_v3_too_small": ("MobileNetV3Small", dict(weights=None,
                                                        input_shape=(16, 64, 3))),
    "mobilenet_v3_imagenet_alpha": ("MobileNetV3Large", dict(weights="imagenet",
                                                             alpha=0.5)),
    "mobilenet_v3_imagenet_minimalistic": ("MobileNetV3Small", dict(
        weights="imagenet", alpha=0.75, minimalistic=True)),
    "efficientnet_too_small": ("EfficientNetB0", dict(weights=None, include_top=False,
                                                      input_shape=(31, 64, 3))),
    "nasnet_channels_first": (lambda library: _channels_first(
        library, "NASNetMobile", weights=None, input_shape=(3, 32, 32)), {}),
    "nasnet_imagenet_classes": ("NASNetLarge", dict(weights="imagenet", classes=7)),
    "nasnet_imagenet_unknown_size": ("NASNetMobile", dict(
        weights="imagenet", include_top=False, input_shape=(None, None, 3))),
    "nasnet_too_small": ("NASNetMobile", dict(weights=None, include_top=False,
                                              input_shape=(31, 40, 3))),
}


class PreprocessInputTest(unittest.TestCase):
    @parameterized.expand(PREPROCESS)
    def test_same_values_as_tf_keras(self, family, dtype, shape, data_format):
        x = _images(dtype, shape)
        ours, theirs = x.copy(), x.copy()
        got = getattr(kerasmini.applications, family).preprocess_input(ours, data_format)
        expected = getattr(keras.applications, family).preprocess_input(theirs,
                                                                        data_format)
        expected = np.asarray(expected)
        self.assertEqual(got.dtype, expected.dtype, f"{family} {dtype}")
        np.testing.assert_array_equal(got, expected, f"{family} {dtype} {data_format}")
        # a float input is changed in place exactly as Keras changes it
        np.testing.assert_array_equal(ours, theirs, f"{family}: the input after the call")

    @parameterized.expand([("mode", dict(mode="keras")), ("data_format",
                                                          dict(data_format="nhwc"))])
    def test_bad_argument(self, _, kwargs):
        x = _images("float32", (1, 4, 4, 3))
        with self.assertRaises(ValueError) as theirs:
            keras.applications.imagenet_utils.preprocess_input(x.copy(), **kwargs)
        with self.assertRaises(type(theirs.exception)) as ours:
            kerasmini.applications.imagenet_utils.preprocess_input(x.copy(), **kwargs)
        self.assertIn(str(list(kwargs.values())[0]), str(ours.exception))


class BuilderErrorsTest(unittest.TestCase):
    @parameterized.expand([(name,) for name in ERRORS])
    def test_same_exception_class(self, name):
        builder, kwargs = ERRORS[name]

        def run(library):
            if callable(builder):
                return builder(library)
            return getattr(library.applications, builder)(**kwargs)

        with self.assertRaises(Exception) as theirs:
            run(keras)
        with self.assertRaises(Exception) as ours:
            run(kerasmini)
        self.assertIs(type(ours.exception), type(theirs.exception),
                      f"{name}: kerasmini raised {ours.exception!r}; tf.keras "
                      f"{theirs.exception!r}")

    def test_classifier_activation_with_weights_file(self):
        """A weights path that exists, with a classifier activation other than softmax
        or None: refused before any weight is read."""
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "w.weights.h5")
            open(path, "wb").close()
            kwargs = dict(weights=path, input_shape=(32, 32, 3), alpha=0.35, classes=4,
                          classifier_activation="relu")
            with self.assertRaises(ValueError):
                keras.applications.MobileNetV2(**kwargs)
            with self.assertRaises(ValueError) as ours:
                kerasmini.applications.MobileNetV2(**kwargs)
            self.assertIn("classifier_activation=relu", str(ours.exception))

    def test_decode_predictions_shape(self):
        preds = np.zeros((2, 10), "float32")
        with self.assertRaises(ValueError):
            keras.applications.imagenet_utils.decode_predictions(preds)
        with self.assertRaises(ValueError) as ours:
            kerasmini.applications.imagenet_utils.decode_predictions(preds)
        self.assertIn("(2, 10)", str(ours.exception))


class SignaturesTest(unittest.TestCase):
    @parameterized.expand([(name,) for name in kerasmini.applications.BUILDERS])
    def test_same_arguments_and_defaults(self, name):
        ours = inspect.signature(getattr(kerasmini.applications, name))
        theirs = inspect.signature(getattr(keras.applications, name))
        self.assertEqual(ours, theirs, name)
