"""keras.ops on KerasTensors, NumPy only: the graph nodes they record (shapes and dtypes
inferred with unknown sizes), a model built of them that runs, trains (its gradients
against central differences) and saves/loads as Keras's operation classes, and what a
file may not name."""
import json
import os
import tempfile
import unittest

import numpy as np

import kerasmini
from kerasmini import layers, ops
from kerasmini.models.layer_configs import UnsupportedLayerError, deserialize_layer
from tests.gradcheck import numeric_gradient


def ops_model():
    x = kerasmini.Input((4, 3), name="x")
    y = layers.Dense(3, name="d")(x)
    joined = ops.concatenate([ops.mean(y, axis=1), ops.std(y, axis=1),
                              ops.max(y, axis=1)], axis=-1)
    gated = ops.sigmoid(joined) * ops.tanh(ops.flip(joined, axis=1))
    out = ops.einsum("bi,bi->b", gated, ops.abs(joined)) + y[:, -1, 0]
    return kerasmini.Model(x, ops.expand_dims(out, -1) + y[..., 1:, 0], name="ops")


def reference(model, x, kernel=None):
    """The model's formula in NumPy (float64 for float64 x), with `kernel` if given."""
    saved_kernel, bias = model.get_layer("d").get_weights()
    kernel = saved_kernel if kernel is None else kernel
    y = x @ kernel + bias
    joined = np.concatenate([y.mean(1), y.std(1), y.max(1)], axis=-1)
    gated = 1 / (1 + np.exp(-joined)) * np.tanh(joined[:, ::-1])
    out = np.sum(gated * np.abs(joined), axis=1) + y[:, -1, 0]
    return out[:, None] + y[..., 1:, 0]


class SymbolicOpsTest(unittest.TestCase):
    def test_nodes_infer_shapes_and_dtypes(self):
        a = kerasmini.Input((None, 3))
        self.assertEqual(ops.mean(a, axis=1).shape, (None, 3))
        self.assertEqual(ops.reshape(a, (-1, 3)).shape, (None, 3))
        self.assertEqual(ops.argmax(a, axis=-1).dtype, "int32")
        self.assertEqual(ops.less(a, 0.5).dtype, "bool")
        self.assertEqual(ops.tile(a, (1, 2, 1)).shape, (None, None, 3))
        parts = ops.split(a, 3, axis=-1)
        self.assertEqual([p.shape for p in parts], [(None, None, 1)] * 3)
        values, indices = ops.top_k(a, 2)
        self.assertEqual((values.shape, indices.dtype), ((None, None, 2), "int32"))
        self.assertEqual(ops.matmul(a, ops.transpose(a, (0, 2, 1))).shape,
                         (None, None, None))

    def test_model_runs_as_the_numpy_formula(self):
        model = ops_model()
        x = np.random.default_rng(0).standard_normal((5, 4, 3)).astype("float32")
        np.testing.assert_allclose(model.predict(x, verbose=0),
                                   reference(model, x.astype("float64")), rtol=2e-5,
                                   atol=1e-5)
        self.assertEqual([type(layer).__name__ for layer in model.layers],
                         ["InputLayer", "Dense"])

    def test_model_gradients_and_training(self):
        model = ops_model()
        x = np.random.default_rng(1).standard_normal((6, 4, 3))
        kernel = model.get_layer("d").kernel
        with kerasmini.GradientTape() as tape:
            total = ops.sum(model(x.astype("float32")))
        grad = tape.gradient(total, kernel)

        wide = kernel.numpy().astype("float64")

        def loss():
            return float(np.sum(reference(model, x, wide)))
        np.testing.assert_allclose(grad, numeric_gradient(loss, wide), rtol=1e-4, atol=1e-4)
        model.compile(optimizer="adam", loss="mse")
        y = np.zeros((6, 1), "float32")
        history = model.fit(x.astype("float32"), y, epochs=5, verbose=0)
        self.assertLess(history.history["loss"][-1], history.history["loss"][0])

    def test_save_and_load_as_keras_operations(self):
        model = ops_model()
        x = np.random.default_rng(2).standard_normal((2, 4, 3)).astype("float32")
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "m.keras")
            model.save(path)
            loaded = kerasmini.models.load_model(path)
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
        saved = {layer["class_name"]: layer for layer in
                 json.loads(model.to_json())["config"]["layers"]}
        mean = saved["Mean"]
        self.assertEqual((mean["module"], mean["config"]),
                         ("keras.src.ops.numpy", {"name": mean["name"], "axis": 1,
                                                  "keepdims": False}))
        self.assertRegex(mean["name"], r"^mean(_\d+)?$")  # a counter per name, as Keras
        self.assertEqual(saved["Sigmoid"]["module"], "keras.src.ops.nn")
        self.assertEqual(saved["Einsum"]["config"]["subscripts"], "bi,bi->b")
        keys = [layer["inbound_nodes"][0]["args"][1] for layer in
                json.loads(model.to_json())["config"]["layers"]
                if layer["class_name"] == "GetItem"]
        everything = {"class_name": "__slice__", "config": {"start": None, "stop": None,
                                                            "step": None}}
        self.assertIn([everything, -1, 0], keys)  # y[:, -1, 0] as Keras saves it
        self.assertIn([{"class_name": "__ellipsis__", "config": {}},
                       {"class_name": "__slice__", "config": {"start": 1, "stop": None,
                                                              "step": None}}, 0], keys)

    def test_file_may_name_only_declared_operations_and_arguments(self):
        config = {"module": "keras.src.ops.numpy", "class_name": "Mean",
                  "config": {"name": "m", "axis": 1, "keepdims": False},
                  "registered_name": "Mean"}
        self.assertEqual(deserialize_layer(config).config, {"axis": 1, "keepdims": False})
        with self.assertRaisesRegex(TypeError, "takes the arguments"):  # from_config's
            deserialize_layer({**config, "config": {"name": "m", "eval": "os.system"}})
        with self.assertRaisesRegex(UnsupportedLayerError, "tensor operation 'Untaken'"):
            deserialize_layer({**config, "class_name": "Untaken",
                               "registered_name": "Untaken"})
        with self.assertRaisesRegex(UnsupportedLayerError, "Mean"):  # not its module
            deserialize_layer({**config, "module": "keras.src.ops.nn"})

    def test_rearrange_saves_its_pattern_and_sizes_and_takes_only_int_sizes(self):
        x = kerasmini.Input(batch_shape=(2, 4, 3))
        y = kerasmini.ops.rearrange(x, "b (h1 h) c -> b h (c h1)", h1=2)
        model = kerasmini.Model(x, y)
        config = json.loads(model.to_json())
        data = np.arange(24.0).reshape(2, 4, 3)
        rebuilt = kerasmini.models.model_from_json(json.dumps(config))
        np.testing.assert_array_equal(rebuilt.predict(data, verbose=0),
                                      model.predict(data, verbose=0))
        for layer in config["config"]["layers"]:
            if layer["class_name"] == "Rearrange":
                layer["inbound_nodes"][0]["kwargs"]["h1"] = "os.system"
        with self.assertRaisesRegex(ValueError, "h1=os.system"):
            kerasmini.models.model_from_json(json.dumps(config))

    def test_a_saved_slice_takes_only_ints(self):
        config = json.loads(ops_model().to_json())
        for layer in config["config"]["layers"]:
            if layer["class_name"] == "GetItem":
                layer["inbound_nodes"][0]["args"][1][0]["config"]["start"] = "os.system"
        with self.assertRaisesRegex(ValueError, "slice takes int or null"):
            kerasmini.models.model_from_json(json.dumps(config))
