"""layers.Lambda in kerasmini and tf.keras side by side: for several functions, the same
model in both libraries (tf.keras's weights copied) gives the same summary, the same
saved layer config, the same outputs and the same weight gradients; both are checked
against a float64 NumPy reference (outputs, and gradients by central differences). Files
move both ways: tf.keras loads kerasmini's Lambda (a Python lambda's bytecode with
safe_mode=False, a named function with custom_objects or the registry), kerasmini loads
tf.keras's named-function Lambda with custom_objects or its registry."""
import json
import os
import tempfile
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from conformance.models import tf_keras
from conformance.models.test_models import summary_text

keras = tf_keras()  # fails loudly here without TensorFlow
import tensorflow as tf  # noqa: E402 (after the check above)

LIBS = {"kerasmini": kerasmini, "tf.keras": keras}
RTOL, ATOL = 1e-5, 1e-5  # float32 outputs of O(1)
GRAD_RTOL, GRAD_ATOL = 1e-4, 1e-4  # float32 gradients summed over a batch of 6


def scale_shift(x, scale, shift):
    return x * scale + shift


def gated(x, training=None):
    return x * 2.0 if training else x


def double_plus_one(x):  # plain arithmetic: runs on NumPy arrays and tf tensors alike
    return x * 2.0 + 1.0


SHARED_LAMBDA = lambda x: x * 0.5 - 1.0  # noqa: E731 (one code object for both files)


def halve_plus(x):
    return x * 0.5 + 1.0


for _lib in LIBS.values():  # the same function registered in both libraries
    _lib.saving.register_keras_serializable(package="LambdaConformance")(halve_plus)


def softmax64(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


# name -> (Lambda arguments for a library, float64 NumPy reference of the function;
# predict runs without training, the gradients with training=True)
CASES = {
    "tanh_plus_mean": (lambda lib: dict(function=lambda x: lib.ops.tanh(x) + lib.ops.mean(
        x, axis=-1, keepdims=True)), lambda x: np.tanh(x) + x.mean(-1, keepdims=True)),
    "square_slice_and_softmax": (lambda lib: dict(function=lambda x: lib.ops.concatenate(
        [x[:, :2] ** 2, lib.ops.softmax(x)], axis=-1)),
        lambda x: np.concatenate([x[:, :2] ** 2, softmax64(x)], -1)),
    "arguments": (lambda lib: dict(function=scale_shift,
                                   arguments={"scale": -1.5, "shift": 0.25}),
                  lambda x: x * -1.5 + 0.25),
    "training_argument": (lambda lib: dict(function=gated), gated),
    "output_shape_tuple": (lambda lib: dict(function=lambda x: lib.ops.reshape(
        x, (-1, 2, 3))[:, 0, :] * 3.0, output_shape=(3,)),
        lambda x: x.reshape(-1, 2, 3)[:, 0, :] * 3.0),
    "output_shape_function": (lambda lib: dict(function=lambda x: lib.ops.maximum(x, 0.0),
                                               output_shape=lambda shape: shape),
                              lambda x: np.maximum(x, 0.0)),
}


def build(lib, case):
    """Input(5) -> Dense(6) -> Lambda -> Dense(3), every name fixed."""
    inputs = lib.Input((5,), name="x")
    hidden = lib.layers.Dense(6, name="hidden")(inputs)
    mapped = lib.layers.Lambda(name="fn", **CASES[case][0](lib))(hidden)
    outputs = lib.layers.Dense(3, name="head")(mapped)
    return lib.Model(inputs, outputs, name=f"lambda_{case}")


def twins(case, seed=0):
    km, tf_model = build(kerasmini, case), build(keras, case)
    rng = np.random.default_rng(seed)
    weights = [(rng.standard_normal(w.shape) * 0.5).astype("float32")
               for w in tf_model.get_weights()]
    tf_model.set_weights(weights)
    km.set_weights(weights)
    return km, tf_model, [w.astype("float64") for w in weights]


def reference(case, weights, x, training=False):
    """The model in float64 NumPy."""
    k1, b1, k2, b2 = weights
    function = CASES[case][1]
    hidden = x @ k1 + b1
    mapped = function(hidden, training=training) if function is gated else function(hidden)
    return mapped @ k2 + b2


def km_gradients(model, x, seed):
    with kerasmini.GradientTape() as tape:
        loss = kerasmini.ops.sum(model(x, training=True) * seed)
    return [np.asarray(g) for g in tape.gradient(loss, model.trainable_weights)]


def tf_gradients(model, x, seed):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x, training=True) * seed)
    return [g.numpy() for g in tape.gradient(loss, model.trainable_weights)]


def reference_gradients(case, weights, x, seed, step=1e-6):
    """Central differences of sum(reference * seed) in float64, entry by entry."""
    gradients = []
    for index, weight in enumerate(weights):
        gradient = np.zeros_like(weight)
        for position in np.ndindex(weight.shape):
            values = []
            for sign in (1.0, -1.0):
                shifted = [w.copy() for w in weights]
                shifted[index][position] += sign * step
                values.append(np.sum(reference(case, shifted, x, training=True) * seed))
            gradient[position] = (values[0] - values[1]) / (2 * step)
        gradients.append(gradient)
    return gradients


def plain_json(config):
    return json.loads(json.dumps(config))


class LambdaConformanceTest(unittest.TestCase):
    @parameterized.expand(sorted(CASES))
    def test_summary_outputs_and_gradients(self, case):
        km, tf_model, weights = twins(case)
        for line_length in (None, 100):
            self.assertEqual(summary_text(km, line_length), summary_text(tf_model, line_length),
                             f"{case}: summary differs")
        rng = np.random.default_rng(1)
        x = rng.standard_normal((6, 5)).astype("float32")
        expected = reference(case, weights, x.astype("float64"))
        km_out = km.predict(x, verbose=0)
        np.testing.assert_allclose(km_out, tf_model.predict(x, verbose=0), RTOL, ATOL,
                                   err_msg=f"{case}: kerasmini vs tf.keras")
        np.testing.assert_allclose(km_out, expected, RTOL, ATOL,
                                   err_msg=f"{case}: kerasmini vs float64 reference")
        seed = rng.standard_normal(expected.shape).astype("float32")
        expected_grads = reference_gradients(case, weights, x.astype("float64"), seed)
        for name, km_g, tf_g, ref_g in zip(("hidden kernel", "hidden bias", "head kernel",
                                            "head bias"), km_gradients(km, x, seed),
                                           tf_gradients(tf_model, x, seed), expected_grads):
            np.testing.assert_allclose(km_g, tf_g, GRAD_RTOL, GRAD_ATOL,
                                       err_msg=f"{case}: {name} gradient vs tf.keras")
            np.testing.assert_allclose(km_g, ref_g, GRAD_RTOL, GRAD_ATOL,
                                       err_msg=f"{case}: {name} gradient vs reference")

    def test_sequential_summary_and_config(self):
        """In a Sequential, with the output shape found (a mean over an axis) and given."""
        models = [lib.Sequential([
            lib.Input((4, 5)),
            lib.layers.Lambda(lambda x, lib=lib: lib.ops.mean(x, axis=1), name="pool"),
            lib.layers.Lambda(double_plus_one, output_shape=(5,), name="affine"),
            lib.layers.Dense(2, name="head")], name="seq") for lib in LIBS.values()]
        for line_length in (None, 90):
            self.assertEqual(*[summary_text(m, line_length) for m in models])
        configs = [plain_json(m.get_config()["layers"][2]) for m in models]
        self.assertEqual(*configs)

    @parameterized.expand([("python_lambda", SHARED_LAMBDA, {}),
                           ("named", double_plus_one, {"output_shape": (6,)}),
                           ("registered", halve_plus, {"arguments": {}})])
    def test_layer_config_is_keras_s(self, _, function, options):
        configs = []
        for lib in LIBS.values():
            inputs = lib.Input((6,), name="x")
            model = lib.Model(inputs, lib.layers.Lambda(function, name="fn", **options)(
                inputs), name="m")
            configs.append(plain_json(model.get_config()["layers"][1]))
        self.assertEqual(*configs)

    def roundtrip(self, saver, loader, function, extension=".keras", **load_options):
        """Save Input -> Dense -> Lambda(function) -> Dense with `saver` (a .keras
        archive or a legacy .h5 file), load it with `loader`; the predictions agree."""
        inputs = saver.Input((5,))
        outputs = saver.layers.Dense(3)(saver.layers.Lambda(function, name="fn")(
            saver.layers.Dense(4)(inputs)))
        model = saver.Model(inputs, outputs)
        x = np.random.default_rng(2).standard_normal((4, 5)).astype("float32")
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "m" + extension)
            model.save(path)
            loaded = loader.models.load_model(path, **load_options)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                                   RTOL, ATOL)
        return loaded

    @parameterized.expand([(".keras",), (".h5",)])
    def test_tf_keras_loads_kerasmini_s_python_lambda_with_safe_mode_off(self, extension):
        self.roundtrip(kerasmini, keras, SHARED_LAMBDA, extension, safe_mode=False)
        with self.assertRaisesRegex(ValueError, "Lambda"):  # and refuses it in safe mode
            self.roundtrip(kerasmini, keras, SHARED_LAMBDA, extension)

    @parameterized.expand([(".keras",), (".h5",)])
    def test_named_functions_load_both_ways(self, extension):
        for saver, loader in ((kerasmini, keras), (keras, kerasmini)):
            loaded = self.roundtrip(saver, loader, double_plus_one, extension,
                                    custom_objects={"double_plus_one": double_plus_one})
            self.assertIs(loaded.get_layer("fn").function, double_plus_one)
            loaded = self.roundtrip(saver, loader, halve_plus, extension)  # registered
            self.assertIs(loaded.get_layer("fn").function, halve_plus)

    def test_kerasmini_refuses_an_unnamed_function_from_tf_keras(self):
        with self.assertRaisesRegex(ValueError, "double_plus_one"):
            self.roundtrip(keras, kerasmini, double_plus_one)


if __name__ == "__main__":
    unittest.main()
