"""Keras 3 tensor operations in functional graphs (`x + y`, `x * 0.5`): recorded, run,
shown by summary(), saved and loaded by (module, class name) from an explicit table."""
import json
import os
import tempfile
import unittest
import zipfile

import numpy as np

import kerasmini
from kerasmini import layers
from kerasmini.models.layer_configs import UnsupportedLayerError, deserialize_layer
from tests.helpers import assert_close, random_input


def hard_swish_model():
    x = kerasmini.Input((4, 3), name="x")
    y = layers.Dense(3, name="d")(x)
    gate = layers.ReLU(6.0, name="relu6")(y + 3.0) * (1.0 / 6.0)
    out = layers.Multiply(name="m")([y, gate])
    return kerasmini.Model(x, out - 1.0 / y.shape[-1] + 2.0 * out, name="ops")


def reference(model, x):
    kernel, bias = model.get_layer("d").get_weights()
    y = x @ kernel + bias
    out = y * np.minimum(np.maximum(y + 3.0, 0.0), 6.0) / 6.0
    return out - 1.0 / 3 + 2.0 * out


class OperationsTest(unittest.TestCase):
    def test_graph_runs_and_layers_leave_out_operations(self):
        model = hard_swish_model()
        x = random_input((5, 4, 3), "float32", 3)
        assert_close(model.predict(x, verbose=0), reference(model, x.astype("float64")),
                     "float32", "ops graph")
        self.assertEqual([type(layer).__name__ for layer in model.layers],
                         ["InputLayer", "Dense", "ReLU", "Multiply"])
        lines = []
        model.summary(print_fn=lines.append, line_length=120)
        for name in ("(Add)", "(Multiply)", "(Subtract)"):
            self.assertIn(name, lines[0])

    def test_save_and_load_keeps_operations_and_constants(self):
        model = hard_swish_model()
        x = random_input((2, 4, 3), "float32", 4)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "m.keras")
            model.save(path)
            config = json.loads(zipfile.ZipFile(path).read("config.json"))
            saved = {layer["name"]: layer for layer in config["config"]["layers"]}
            add = next(v for k, v in saved.items() if v["class_name"] == "Add")
            self.assertEqual((add["module"], add["registered_name"]),
                             ("keras.src.ops.numpy", "Add"))
            self.assertEqual(add["inbound_nodes"][0]["args"][1], 3.0)
            loaded = kerasmini.models.load_model(path)
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))

    def test_unknown_operation_is_named_as_an_operation(self):
        model = hard_swish_model()
        config = json.loads(model.to_json())
        for layer in config["config"]["layers"]:
            if layer["class_name"] == "Add":
                layer["class_name"] = layer["registered_name"] = "Untaken"
        with self.assertRaisesRegex(UnsupportedLayerError, "tensor operation 'Untaken'"):
            deserialize_layer(config)

    def test_add_layer_name_does_not_load_as_an_operation(self):
        config = {"module": "keras.src.ops.numpy", "class_name": "Dense",
                  "config": {"name": "c"}, "registered_name": "Dense"}
        with self.assertRaisesRegex(UnsupportedLayerError, "tensor operation"):
            deserialize_layer(config)

    def test_eager_operation_and_bad_argument(self):
        op = layers.operation.operation_class(kerasmini.ops.multiply.spec)()
        np.testing.assert_array_equal(op(np.ones((2, 2), "float32"), 3.0),
                                      np.full((2, 2), 3.0, "float32"))
        self.assertEqual(op(np.ones(2, "float32"), 3.0).dtype, np.float32)
        with self.assertRaisesRegex(TypeError, "'a'"):
            op(np.ones(2), "a")
