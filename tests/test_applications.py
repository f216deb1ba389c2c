"""kerasmini.applications without TensorFlow: preprocess_input against per-pixel loops,
decode_predictions against a sort, weights from a path (.weights.h5 and Keras 2's .h5,
the ImageNet files' format) and from Keras's download cache, the input_tensor route and
the errors. The models themselves are compared with tf.keras's in conformance/."""
import json
import os
import tempfile
import unittest
from unittest import mock

import h5py
import numpy as np

import kerasmini
from kerasmini import applications, layers
from kerasmini.applications import imagenet_utils

CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
TORCH = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))


def preprocess_loop(x, mode, channels_first):
    """Keras's preprocessing pixel by pixel, in float64 (the obviously-correct form)."""
    x = np.asarray(x, np.float64)
    images = x.reshape((-1,) + x.shape[-3:])
    out = np.empty_like(images)
    for n, image in enumerate(images):
        for index in np.ndindex(image.shape):
            c = index[0] if channels_first else index[-1]
            value = image[index]
            if mode == "tf":
                out[n][index] = value / 127.5 - 1
            elif mode == "torch":
                out[n][index] = (value / 255 - TORCH[0][c]) / TORCH[1][c]
            else:  # caffe: channel c of the output is channel 2 - c of the input
                source = list(index)
                source[0 if channels_first else -1] = 2 - c
                out[n][index] = image[tuple(source)] - CAFFE_MEAN_BGR[c]
    return out.reshape(x.shape)


def small_model(**kwargs):
    """A cheap application: MobileNetV3Small, minimalistic, 32x32, no top."""
    return applications.MobileNetV3Small(input_shape=(32, 32, 3), minimalistic=True,
                                         include_top=False, **kwargs)


def write_keras2_weights(model, path):
    """A weights file in Keras 2's save_weights layout (as the ImageNet files are):
    root attribute layer_names, per layer a group listing weight_names."""
    with h5py.File(path, "w") as f:
        with_weights = [layer for layer in model.layers if layer.weights]
        f.attrs["layer_names"] = [layer.name.encode() for layer in with_weights]
        for layer in with_weights:
            group = f.create_group(layer.name)
            names = [f"{layer.name}/{w.name}:0" for w in layer.weights]
            group.attrs["weight_names"] = [n.encode() for n in names]
            for name, weight in zip(names, layer.weights):
                group.create_dataset(name, data=np.asarray(weight.value))


class PreprocessInputTest(unittest.TestCase):
    def test_modes_layouts_ranks_against_loops(self):
        rng = np.random.default_rng(0)
        for mode in ("caffe", "tf", "torch"):
            for shape, data_format in (((2, 3, 4, 3), "channels_last"),
                                       ((3, 4, 3), "channels_last"),
                                       ((2, 3, 3, 4), "channels_first"),
                                       ((3, 2, 5), "channels_first")):
                x = rng.random(shape) * 255
                got = imagenet_utils.preprocess_input(x.copy(), data_format, mode)
                expected = preprocess_loop(x, mode, data_format == "channels_first")
                np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12,
                                           err_msg=f"{mode} {shape} {data_format}")

    def test_integers_become_floatx_and_floats_change_in_place(self):
        pixels = np.arange(24, dtype="uint8").reshape(2, 2, 2, 3)
        out = applications.resnet_v2.preprocess_input(pixels)
        self.assertEqual(out.dtype, np.float32)
        np.testing.assert_array_equal(pixels, np.arange(24).reshape(2, 2, 2, 3))
        floats = pixels.astype("float32")
        out = applications.densenet.preprocess_input(floats)
        self.assertEqual(out.dtype, np.float32)
        np.testing.assert_array_equal(floats, out)  # Keras writes over a float input

    def test_in_model_families_leave_input_alone(self):
        x = np.full((1, 2, 2, 3), 200.0, "float32")
        for family in (applications.efficientnet, applications.mobilenet_v3):
            self.assertIs(family.preprocess_input(x), x)

    def test_bad_mode_and_data_format(self):
        x = np.zeros((1, 2, 2, 3), "float32")
        for kwargs, text in ((dict(mode="keras"), "mode=keras"),
                             (dict(data_format="nhwc"), "data_format=nhwc")):
            with self.assertRaises(ValueError) as caught:
                imagenet_utils.preprocess_input(x, **kwargs)
            self.assertIn(text, str(caught.exception))


class DecodePredictionsTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)
        patches = [mock.patch.dict(os.environ, {"KERAS_HOME": self.folder.name}),
                   mock.patch.object(imagenet_utils, "_class_index", None)]
        for patch in patches:
            patch.start()
            self.addCleanup(patch.stop)

    def test_without_the_class_index_says_where_to_put_it(self):
        with self.assertRaises(FileNotFoundError) as caught:
            applications.vgg16.decode_predictions(np.zeros((1, 1000)))
        message = str(caught.exception)
        self.assertIn(os.path.join(self.folder.name, "models",
                                   "imagenet_class_index.json"), message)
        self.assertIn("does not download", message)

    def test_top_classes_against_a_sort(self):
        os.makedirs(os.path.join(self.folder.name, "models"))
        index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
        with open(os.path.join(self.folder.name, "models",
                               "imagenet_class_index.json"), "w") as f:
            json.dump(index, f)
        preds = np.random.default_rng(1).random((3, 1000)).astype("float32")
        got = applications.resnet.decode_predictions(preds, top=4)
        for row, result in zip(preds, got):
            best = sorted(range(1000), key=lambda i: -row[i])[:4]
            self.assertEqual(result, [(f"n{i:08d}", f"class_{i}", row[i]) for i in best])

    def test_bad_shape(self):
        with self.assertRaises(ValueError) as caught:
            imagenet_utils.decode_predictions(np.zeros((2, 10)))
        self.assertIn("(2, 10)", str(caught.exception))


class WeightsTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)

    def assert_same_weights(self, a, b):
        self.assertEqual(len(a.weights), len(b.weights))
        for x, y in zip(a.get_weights(), b.get_weights()):
            np.testing.assert_array_equal(x, y)

    def test_weights_file_paths(self):
        source = small_model(weights=None)
        source.set_weights([np.random.default_rng(i).random(w.shape).astype(w.dtype)
                            for i, w in enumerate(source.get_weights())])
        new_format = os.path.join(self.folder.name, "w.weights.h5")
        source.save_weights(new_format)
        self.assert_same_weights(small_model(weights=new_format), source)
        keras2 = os.path.join(self.folder.name, "w.h5")
        write_keras2_weights(source, keras2)
        self.assert_same_weights(small_model(weights=keras2), source)

    def test_imagenet_reads_keras_cache_only(self):
        with mock.patch.dict(os.environ, {"KERAS_HOME": self.folder.name}):
            with self.assertRaises(FileNotFoundError) as caught, \
                    self.assertWarns(UserWarning):  # ImageNet's weights are for 224x224
                small_model(weights="imagenet")
            message = str(caught.exception)
            self.assertIn("weights_mobilenet_v3_small_minimalistic_224_1.0_float_no_top_v2"
                          ".h5", message)
            self.assertIn("weights='/path/to/file.h5'", message)
            source = small_model(weights=None)
            os.makedirs(os.path.join(self.folder.name, "models"))
            write_keras2_weights(source, os.path.join(
                self.folder.name, "models",
                "weights_mobilenet_v3_small_minimalistic_224_1.0_float_no_top_v2.h5"))
            with self.assertWarns(UserWarning):
                model = small_model(weights="imagenet")
        self.assert_same_weights(model, source)


class ArgumentsTest(unittest.TestCase):
    def test_input_tensor_keeps_its_predecessors(self):
        images = kerasmini.Input((32, 32, 3))
        scaled = layers.Rescaling(1 / 255)(images)
        model = applications.ResNet50V2(weights=None, include_top=False,
                                        input_tensor=scaled, pooling="avg")
        self.assertIs(model.inputs[0], images)
        x = np.random.default_rng(2).random((1, 32, 32, 3)).astype("float32") * 255
        self.assertEqual(model.predict(x, verbose=0).shape, (1, 2048))

    def test_array_input_tensor_refused(self):
        with self.assertRaises(ValueError) as caught:
            applications.VGG16(weights=None, input_tensor=np.zeros((1, 32, 32, 3)))
        self.assertIn("input_tensor", str(caught.exception))

    def test_unknown_pooling_refused(self):
        """Keras ignores it in silence; kerasmini names it."""
        with self.assertRaises(ValueError) as caught:
            small_model(weights=None, pooling="mean")
        self.assertIn("pooling='mean'", str(caught.exception))

    def test_builders_and_modules_listed(self):
        for name in applications.BUILDERS:
            self.assertTrue(callable(getattr(applications, name)), name)
        for name in applications.MODULES:
            self.assertTrue(callable(getattr(applications, name).decode_predictions), name)
        with self.assertRaises(AttributeError):
            applications.VGG17
