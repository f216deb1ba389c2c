"""A user's own layer, written as for Keras 3 (add_weight by keyword, arithmetic on the
weights, no compute_output_shape), works eagerly, in Sequential/functional models and
under fit, with gradients for every weight (against a hand-derived SGD step)."""
import numpy as np
import pytest

import kerasmini as keras
from kerasmini import ops


class Affine(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones",
                                 regularizer="l2", name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")
        self.scale = self.add_weight()  # Keras's defaults: shape (), glorot_uniform

    def call(self, inputs):
        return (ops.matmul(inputs, self.w) + self.b) * self.scale


def test_add_weight_by_keyword_with_keras_defaults():
    layer = Affine(2)
    layer.build((None, 3))
    assert [v.name for v in layer.weights] == ["w", "variable", "variable_1"]
    np.testing.assert_array_equal(layer.w.numpy(), np.ones((3, 2), "float32"))
    assert layer.scale.shape == () and layer.scale.dtype == "float32"
    assert isinstance(layer.w.regularizer, keras.regularizers.L2)
    with pytest.raises(NotImplementedError, match="aggregation='sum'"):
        layer.add_weight(shape=(1,), aggregation="sum")


def test_build_called_directly_builds_and_the_first_call_keeps_the_weights():
    """As Keras's build wrapper: `layer.build(shape)` then `set_weights` then a call
    computes with the weights set (kerasmini used to build again at the first call,
    replacing them with new random ones: found by `kerasmini check` on ViT's class
    token, whose float64 twin is built this way)."""
    layer = Affine(2)
    layer.build((None, 3))
    assert layer.built
    w = np.arange(6, dtype="float32").reshape(3, 2)
    layer.set_weights([w, np.ones(2, "float32"), np.float32(2.0)])
    x = np.ones((1, 3), "float32")
    np.testing.assert_array_equal(layer(x), (x @ w + 1) * 2)
    assert [v.name for v in layer.weights] == ["w", "variable", "variable_1"]


def test_output_shape_found_by_calling_it():
    inputs = keras.Input((None, 3))
    outputs = Affine(4)(inputs)
    assert outputs.shape == (None, None, 4)  # the unknown length stays unknown
    model = keras.Model(inputs, outputs)
    assert model.predict(np.ones((2, 5, 3), "float32"), verbose=0).shape == (2, 5, 4)


def test_fit_moves_every_weight_by_its_gradient():
    x = np.array([[1.0, 2.0], [0.5, -1.0]], "float32")
    y = np.array([[1.0], [0.0]], "float32")
    layer = Affine(1)
    model = keras.Sequential([keras.Input((2,)), layer])
    layer.scale.assign(np.float32(0.5))
    model.compile(keras.optimizers.SGD(0.1), "mse")
    w, b, s = (v.numpy().astype("float64") for v in layer.weights)
    model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    z = x @ w + b                      # loss = mean((z s - y)^2) + 0.01 sum(w^2)
    d = 2 * (z * s - y) / len(x)       # dloss / d(output)
    lr = float(np.float32(0.1))
    np.testing.assert_allclose(layer.w.numpy(), w - lr * (x.T @ (d * s) + 0.02 * w),
                               rtol=1e-5)
    np.testing.assert_allclose(layer.b.numpy(), b - lr * np.sum(d * s, axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.scale.numpy(), s - lr * np.sum(d * z), rtol=1e-5)


def test_variable_arithmetic_is_recorded():
    a = keras.Variable(np.float32(3.0))
    with keras.GradientTape(persistent=True) as tape:
        y = a * a                      # Variable * Variable
        z = 2.0 - a / np.float32(4.0) + np.ones((1, 2), "float32") @ (a * np.ones((2, 1),
                                                                               "float32"))
    assert float(tape.gradient(y, a)) == 6.0
    assert float(tape.gradient(z, a)) == pytest.approx(-0.25 + 2.0)


def test_an_input_reaching_only_add_loss_has_a_gradient():
    """A layer passing z_mean on and adding a KL term of z_log_var: z_log_var's branch
    gets its gradient from the added loss (the layer's check counts add_loss terms)."""
    class KLPassThrough(keras.layers.Layer):
        def call(self, inputs):
            z_mean, z_log_var = inputs
            self.add_loss(ops.mean(ops.exp(z_log_var) - z_log_var))
            return z_mean

    inputs = keras.Input((3,))
    log_var = keras.layers.Dense(2, name="log_var")
    outputs = KLPassThrough()([keras.layers.Dense(2)(inputs), log_var(inputs)])
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    with keras.GradientTape() as tape:
        model(x, training=True)
        loss = sum(model.losses)
    kernel_grad, bias_grad = tape.gradient(loss, log_var.trainable_weights)
    # d/db mean(exp(v) - v) = (exp(v) - 1) / n for v = x W + b
    v = x @ log_var.kernel.numpy() + log_var.bias.numpy()
    np.testing.assert_allclose(bias_grad, np.sum(np.exp(v) - 1, axis=0) / v.size, rtol=1e-5)


class Shifted(keras.layers.Layer):
    """call(x, y): two positional tensors."""

    def call(self, x, y):
        return x * 2 + y


class Scaled(keras.layers.Layer):
    """call(x, other=None): a tensor by keyword, a weight made by build()."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x, other=None):
        return x * self.w + other


def test_a_layer_called_with_several_tensors_in_a_graph_runs_saves_and_loads(tmp_path):
    """Keras 3 takes `layer(a, b)` and `layer(x, other=y)` for a call(x, y): the node
    records every tensor argument, the shapes come from calling it on zeros, and the
    saved file calls it again as it was called."""
    a, b = keras.Input((3,)), keras.Input((3,))
    y = Scaled(name="scaled")(Shifted(name="shifted")(a, b), other=b)
    model = keras.Model([a, b], y)
    assert y.shape == (None, 3)
    model.get_layer("scaled").w.assign(np.array([1.0, -2.0, 0.5], "float32"))
    rng = np.random.default_rng(0)
    x = [rng.standard_normal((4, 3)).astype("float32") for _ in range(2)]
    expected = (x[0] * 2 + x[1]) * np.array([1.0, -2.0, 0.5], "float32") + x[1]
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)
    path = str(tmp_path / "several.keras")
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={"Shifted": Shifted,
                                                           "Scaled": Scaled})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)
    np.testing.assert_array_equal(Shifted()(x[0], x[1]), x[0] * 2 + x[1])  # eagerly
