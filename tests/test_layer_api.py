"""The Layer API a Keras user touches, on Conv2D, MaxPool2D and Dense."""
import subprocess
import sys
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from kerasmini import config, layers


def _conv():
    return layers.Conv2D(4, 3)


class NamingTest(unittest.TestCase):
    def test_auto_names_count_per_class(self):
        names = [layers.Conv2D(1, 1).name for _ in range(3)]
        base = names[0]
        self.assertRegex(base, r"^conv2d(_\d+)?$")
        suffix = 0 if base == "conv2d" else int(base.rsplit("_", 1)[1])
        self.assertEqual(names[1:], [f"conv2d_{suffix + 1}", f"conv2d_{suffix + 2}"])
        self.assertRegex(layers.Dense(1).name, r"^dense(_\d+)?$")

    def test_name_honoured(self):
        layer = layers.Dense(2, name="head")
        layer.build((None, 3))
        self.assertEqual(layer.name, "head")
        self.assertEqual(layer.kernel.path, "head/kernel")
        self.assertEqual(layer.kernel.name, "kernel")


class DtypeTest(unittest.TestCase):
    @parameterized.expand([("float16",), ("float32",), ("float64",)])
    def test_inputs_cast_to_layer_dtype(self, dtype):
        layer = layers.Conv2D(2, 3, dtype=dtype)
        y = layer(np.ones((1, 5, 5, 1), dtype="int32"))
        self.assertEqual(y.dtype, np.dtype(dtype))
        self.assertEqual(layer.kernel.dtype, dtype)

    def test_default_follows_floatx(self):
        config.set_floatx("float64")
        try:
            self.assertEqual(layers.Dense(1).dtype, "float64")
        finally:
            config.set_floatx("float32")
        self.assertEqual(layers.Dense(1).dtype, "float32")

    def test_bad_dtype(self):
        with self.assertRaisesRegex(ValueError, "dtype=int7"):
            layers.Dense(1, dtype="int7")


class BuildAndWeightsTest(unittest.TestCase):
    def test_build_on_first_call(self):
        layer = _conv()
        self.assertFalse(layer.built)
        self.assertEqual(layer.weights, [])
        layer(np.zeros((1, 5, 5, 2)))
        self.assertTrue(layer.built)
        self.assertEqual([w.name for w in layer.weights], ["kernel", "bias"])
        self.assertEqual(layer.kernel.shape, (3, 3, 2, 4))
        self.assertEqual(layer.bias.shape, (4,))
        self.assertEqual(layer.count_params(), 3 * 3 * 2 * 4 + 4)

    def test_trainable_false_moves_weights(self):
        layer = layers.Dense(3, trainable=False)
        layer.build((None, 2))
        self.assertEqual(layer.trainable_weights, [])
        self.assertEqual([w.name for w in layer.non_trainable_weights], ["kernel", "bias"])
        layer.trainable = True
        self.assertEqual(len(layer.trainable_weights), 2)

    def test_count_params_before_build(self):
        with self.assertRaisesRegex(ValueError, "isn't built"):
            _conv().count_params()

    def test_get_set_weights_round_trip(self):
        layer = _conv()
        layer.build((None, 6, 6, 3))
        new = [np.full((3, 3, 3, 4), 0.5), np.arange(4.0)]
        layer.set_weights(new)
        for got, want in zip(layer.get_weights(), new):
            np.testing.assert_array_equal(got, want)
            self.assertEqual(got.dtype, np.float32)

    def test_variable_api(self):
        layer = layers.Dense(2)
        layer.build((None, 3))
        kernel = layer.kernel
        kernel.assign(np.ones((3, 2)))
        values = kernel.numpy()
        values[:] = 7  # a copy: the variable is unchanged
        np.testing.assert_array_equal(kernel.numpy(), np.ones((3, 2)))
        self.assertEqual((kernel.shape, kernel.dtype), ((3, 2), "float32"))
        self.assertIsInstance(kernel, kerasmini.Variable)
        with self.assertRaisesRegex(ValueError, "shape"):
            kernel.assign(np.ones((2, 2)))

    def test_use_bias_false(self):
        layer = layers.Conv2D(2, 1, use_bias=False)
        layer.build((None, 4, 4, 3))
        self.assertIsNone(layer.bias)
        self.assertEqual(len(layer.weights), 1)


class OutputShapeTest(unittest.TestCase):
    @parameterized.expand([
        (dict(filters=5, kernel_size=3, strides=2), (None, 8, 16, 3), (None, 3, 7, 5)),
        (dict(filters=5, kernel_size=3, strides=2, padding="same"), (None, None, 16, 3),
         (None, None, 8, 5)),
        (dict(filters=2, kernel_size=3, data_format="channels_first"), (4, 3, None, 9),
         (4, 2, None, 7)),
        (dict(filters=2, kernel_size=3, dilation_rate=2), (1, 9, 9, 1), (1, 5, 5, 2)),
    ])
    def test_conv2d(self, args, input_shape, expected):
        self.assertEqual(layers.Conv2D(**args).compute_output_shape(input_shape), expected)

    def test_pool_and_dense(self):
        self.assertEqual(layers.MaxPool2D(3, 2, "same").compute_output_shape(
            (None, 7, None, 4)), (None, 4, None, 4))
        self.assertEqual(layers.Dense(6).compute_output_shape((None, 2, 3)), (None, 2, 6))


class ConfigTest(unittest.TestCase):
    @parameterized.expand([
        (layers.Conv2D, dict(filters=3, kernel_size=(1, 3), strides=2, padding="SAME",
                             activation="relu", use_bias=False, groups=1,
                             kernel_regularizer="l2", kernel_constraint="non_neg",
                             data_format="channels_first", name="c")),
        (layers.MaxPooling2D, dict(pool_size=3, strides=(1, 2), padding="same")),
        (layers.Dense, dict(units=4, activation="softmax", bias_initializer="ones",
                            activity_regularizer="l1", dtype="float64")),
    ])
    def test_round_trip(self, cls, args):
        layer = cls(**args)
        config_dict = layer.get_config()
        clone = cls.from_config(config_dict)
        self.assertEqual(clone.get_config(), config_dict)
        self.assertEqual(type(clone), cls)

    def test_conv2d_keys_match_keras(self):
        keys = ["name", "trainable", "dtype", "filters", "kernel_size", "strides", "padding",
                "data_format", "dilation_rate", "groups", "activation", "use_bias",
                "kernel_initializer", "bias_initializer", "kernel_regularizer",
                "bias_regularizer", "activity_regularizer", "kernel_constraint",
                "bias_constraint"]
        self.assertEqual(list(layers.Conv2D(1, 1).get_config()), keys)

    def test_normalized_values(self):
        cfg = layers.Conv2D(2, 3, padding="Same").get_config()
        self.assertEqual((cfg["kernel_size"], cfg["strides"], cfg["padding"]),
                         ((3, 3), (1, 1), "same"))
        self.assertEqual(cfg["activation"], "linear")
        self.assertEqual(cfg["kernel_initializer"]["class_name"], "GlorotUniform")


class LossesTest(unittest.TestCase):
    def test_weight_and_activity_regularizers(self):
        layer = layers.Dense(2, kernel_regularizer=kerasmini.regularizers.L2(0.5),
                             activity_regularizer=kerasmini.regularizers.L1(0.1),
                             kernel_initializer="ones")
        x = np.ones((4, 3), "float32")
        y = layer(x)
        activity, kernel_penalty = layer.losses
        self.assertAlmostEqual(float(kernel_penalty), 0.5 * 6, places=5)
        self.assertAlmostEqual(float(activity), 0.1 * np.abs(y).sum() / 4, places=5)


class ImportTest(unittest.TestCase):
    def test_import_is_light(self):
        code = ("import sys, time; t = time.perf_counter(); import kerasmini; "
                "print(time.perf_counter() - t, 'tensorflow' in sys.modules)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout.split()
        self.assertEqual(out[1], "False")
