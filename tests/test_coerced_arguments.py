"""Arguments that used to be coerced (int(), tuple(), float()) or crash unclearly now raise
the class tf.keras raises for them (checked by running tf.keras 3.15 on each case), with a
message naming the argument and the value; and legal Keras arguments are accepted."""
import os
import tempfile
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini as keras
from kerasmini import layers

ONES = np.ones((1, 2), "float32")


def dense_model():
    return keras.Sequential([keras.Input((2,)), layers.Dense(1)])


def string_model():
    x = keras.Input((5,))
    return keras.Model(x, layers.Dense(1)(x))


# (case, call, exception class, fragment of the message)
REFUSED = [
    ("reshape_string", lambda: layers.Reshape("12"), ValueError, "target_shape='12'"),
    ("reshape_float", lambda: layers.Reshape((2.5,)), ValueError, r"target_shape=\(2.5,\)"),
    ("concatenate_float_axis", lambda: layers.Concatenate(axis=1.9), TypeError, "axis=1.9"),
    ("concatenate_string_axis", lambda: layers.Concatenate(axis="1"), TypeError, "axis='1'"),
    ("softmax_float_axis", lambda: layers.Softmax(axis=1.5), TypeError, "axis=1.5"),
    ("softmax_string_axes", lambda: layers.Softmax(axis=("1",)), TypeError, "axis='1'"),
    ("batchnorm_float_axis", lambda: layers.BatchNormalization(axis=1.5), TypeError,
     "axis=1.5"),
    ("batchnorm_string_momentum", lambda: layers.BatchNormalization(momentum="0.9"),
     TypeError, "momentum='0.9'"),
    ("batchnorm_string_epsilon", lambda: layers.BatchNormalization(epsilon="0.1"),
     TypeError, "epsilon='0.1'"),
    ("elu_string_alpha", lambda: layers.ELU(alpha="1"), TypeError, "alpha='1'"),
    ("elu_none_alpha", lambda: layers.ELU(alpha=None), ValueError, "alpha=None"),
    ("input_float_dim", lambda: keras.Input(shape=(2.5,)), ValueError, "'2.5'.*shape="),
    ("input_string_dim", lambda: keras.Input(shape=("2",)), ValueError, "'2'.*shape="),
    ("input_bare_int", lambda: keras.Input(shape=2), ValueError, "shape=2"),
    ("input_negative_dim", lambda: keras.Input(shape=(-1,)), ValueError, "Negative"),
    ("input_float_batch", lambda: keras.Input((2,), batch_size=2.5), ValueError,
     "'2.5'.*batch_shape="),
    ("layer_input_shape_float", lambda: layers.Dense(2, input_shape=(2.5,)), ValueError,
     "input_shape="),
    ("predict_float_batch", lambda: dense_model().predict(np.ones((4, 2)), batch_size=2.5),
     TypeError, "batch_size=2.5"),
    ("predict_string_batch", lambda: dense_model().predict(np.ones((4, 2)), batch_size="2"),
     TypeError, "batch_size='2'"),
    ("predict_list_of_numbers", lambda: keras.Sequential(
        [keras.Input((5,)), layers.Dense(1)]).predict([[1, 2, 3, 4, 5]]), ValueError,
     "Unrecognized data type: x="),
    ("dropout_string_noise_shape", lambda: layers.Dropout(0.5, noise_shape="12"),
     ValueError, "noise_shape='12'"),
    ("dropout_float_noise_shape", lambda: layers.Dropout(0.5, noise_shape=(1.5,)),
     ValueError, "noise_shape="),
    ("dropout_float_seed", lambda: layers.Dropout(0.5, seed=1.5), ValueError, "seed=1.5"),
    ("rescaling_none_scale", lambda: layers.Rescaling(scale=None), ValueError, "scale=None"),
    ("rescaling_none_offset", lambda: layers.Rescaling(1.0, offset=None), ValueError,
     "offset=None"),
    ("rescaling_string_scale", lambda: layers.Rescaling(scale="2"), ValueError, "scale='2'"),
    ("functional_string_input", lambda: string_model().predict(np.array([["1"] * 5])),
     ValueError, "dtype=<U1"),
    ("functional_string_call", lambda: string_model()(np.array([["1"] * 5])), ValueError,
     "dtype=<U1"),
    ("conv_filters_none", lambda: layers.Conv2D(None, 3), ValueError, "filters=None"),
    ("conv_build_wrong_rank", lambda: layers.Conv2D(2, 3).build((None, 5, 5)), ValueError,
     r"input_shape=\(None, 5, 5\)"),
    ("conv_zero_channels", lambda: layers.Conv2D(2, 1)(np.ones((1, 2, 2, 0), "float32")),
     ValueError, r"input_shape=\(1, 2, 2, 0\)"),
    ("load_model_bytes", lambda: keras.models.load_model(b"path.keras"), ValueError,
     "filepath=b'path.keras'"),
]


class RefusedTest(unittest.TestCase):
    @parameterized.expand(REFUSED)
    def test_raises_naming_argument_and_value(self, _, call, exception, fragment):
        with self.assertRaisesRegex(exception, fragment) as caught:
            call()
        self.assertIs(type(caught.exception), exception)


class AcceptedTest(unittest.TestCase):
    @parameterized.expand([("numpy_type", np.float64, "float64"),
                           ("numpy_dtype", np.dtype("float16"), "float16"),
                           ("python_float", float, "float32"),
                           ("policy_without_config", {"class_name": "DTypePolicy",
                                                      "config": None}, "float32")])
    def test_legal_dtype(self, _, dtype, expected):
        layer = layers.Dense(1, dtype=dtype)
        self.assertEqual(layer.dtype, expected)
        self.assertEqual(layer(ONES).dtype, np.dtype(expected))

    def test_integer_like_arguments_still_work(self):
        np.testing.assert_array_equal(layers.Reshape([2, -1])(np.ones((1, 4))).shape, (1, 2, 2))
        self.assertEqual(layers.Concatenate(axis=np.int64(1)).axis, 1)
        self.assertEqual(layers.BatchNormalization(axis=[1]).axis, 1)  # Keras 2 configs
        self.assertEqual(keras.Input((np.int64(2), None)).shape, (None, 2, None))
        out = dense_model().predict(np.ones((5, 2)), batch_size=np.int64(2), verbose=0)
        self.assertEqual(out.shape, (5, 1))

    def test_layer_with_an_array_initializer_saves(self):
        model = keras.Sequential([keras.Input((3,)), layers.Dense(
            2, kernel_initializer=np.ones((3, 2)))])
        with tempfile.TemporaryDirectory() as folder:
            model.save(os.path.join(folder, "m.keras"))  # written by name, as Keras does
            self.assertEqual(model.layers[0].get_config()["kernel_initializer"]["config"],
                             "initialize_fn")


class MalformedModelConfigsTest(unittest.TestCase):
    """A functional config that is cyclic, in an older form, or malformed in any other
    way is the loader's ValueError, never an AttributeError or a RecursionError."""

    def config(self):
        from kerasmini.models.layer_configs import serialize_layer
        x = keras.Input((3,), name="inp")
        y = layers.Dense(2, name="d2")(layers.Dense(2, name="d1")(x))
        return serialize_layer(keras.Model(x, y))

    def assert_refused(self, config):
        from kerasmini.models.layer_configs import deserialize_layer
        with self.assertRaises(ValueError) as caught:
            deserialize_layer(config)
        self.assertIs(type(caught.exception), ValueError)

    def test_cyclic_graph(self):
        config = self.config()
        for layer in config["config"]["layers"]:
            if layer["name"] == "d1":  # d1 now takes d2's output, which needs d1's
                layer["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["d2", 0, 0]
        self.assert_refused(config)

    def test_older_node_form(self):
        config = self.config()
        for layer in config["config"]["layers"]:
            if layer.get("inbound_nodes"):
                history = layer["inbound_nodes"][0]["args"][0]["config"]["keras_history"]
                layer["inbound_nodes"] = [[[*history, {}]]]  # Keras 2's [[name, i, j, {}]]
        self.assert_refused(config)

    def test_nodes_not_a_list(self):
        config = self.config()
        config["config"]["layers"][1]["inbound_nodes"] = "x"
        self.assert_refused(config)

    def test_nested_too_deep_for_json(self):
        import zipfile
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "deep.keras")
            with zipfile.ZipFile(path, "w") as archive:
                archive.writestr("config.json", "[" * 100000 + "]" * 100000)
                archive.writestr("model.weights.h5", b"")
            with self.assertRaisesRegex(ValueError, "config.json"):
                keras.models.load_model(path)
