"""Dtype policies and mixed precision (NumPy only): the policies' names and errors, a
mixed_float16 layer's dtypes and values against a float64 loop reference, gradients to
float32 master weights, and LossScaleOptimizer's dynamic scale step by step."""
import numpy as np
import pytest

import kerasmini as keras
from kerasmini import dtype_policies, layers, mixed_precision
from kerasmini.autodiff import GradientTape
from kerasmini.optimizers import SGD, Adam, LossScaleOptimizer

F16_EPS = float(np.finfo(np.float16).eps)  # 2**-10


@pytest.fixture(autouse=True)
def global_policy_restored():
    yield
    keras.backend.clear_session()  # forgets the policy set, as Keras's does


# ----- policies ---------------------------------------------------------------------
@pytest.mark.parametrize("name, compute, variable", [
    ("float32", "float32", "float32"), ("float16", "float16", "float16"),
    ("float64", "float64", "float64"), ("mixed_float16", "float16", "float32")])
def test_policy_names(name, compute, variable):
    policy = keras.DTypePolicy(name)
    assert (policy.name, policy.compute_dtype, policy.variable_dtype) == (name, compute,
                                                                        variable)
    assert repr(policy) == f'<DTypePolicy "{name}">'
    config = dtype_policies.serialize(policy)
    assert config == {"module": "keras", "class_name": "DTypePolicy",
                      "config": {"name": name}, "registered_name": None}
    assert dtype_policies.deserialize(config) == policy
    assert dtype_policies.get(name) == policy


def test_float_dtype_policy_is_an_alias():
    policy = dtype_policies.deserialize({"module": "keras", "class_name": "FloatDTypePolicy",
                                         "config": {"name": "float16"}})
    assert policy == keras.DTypePolicy("float16") and repr(policy) == '<DTypePolicy "float16">'
    assert mixed_precision.Policy is mixed_precision.DTypePolicy is keras.DTypePolicy


@pytest.mark.parametrize("name, error, words", [
    ("bfloat16", NotImplementedError, "'bfloat16'"),
    ("mixed_bfloat16", NotImplementedError, "'mixed_bfloat16'"),
    ("int8_from_float32", NotImplementedError, "policy=int8_from_float32"),
    ("float17", ValueError, "'float17'")])
def test_unsupported_policies_are_refused_by_name(name, error, words):
    with pytest.raises(error, match=words):
        dtype_policies.get(name)
    with pytest.raises(error, match=words):
        layers.Dense(2, dtype=name)


def test_policies_equal_by_name_and_never_another_kind_of_object():
    policy = dtype_policies.DTypePolicy("mixed_float16")
    assert policy == dtype_policies.DTypePolicy("mixed_float16")
    assert policy != dtype_policies.DTypePolicy("float16")
    for other in ("mixed_float16", None, 16):
        assert not policy == other and policy != other


def test_a_dtype_object_is_read_by_its_name():
    """As Keras: anything with a dtype `name` (a TensorFlow or JAX dtype object)."""

    class ForeignDType:
        name = "float16"
    assert dtype_policies.get(ForeignDType()).name == "float16"


def test_a_policy_name_must_be_a_string():
    with pytest.raises(TypeError, match="name=16"):
        keras.DTypePolicy(16)
    with pytest.raises(ValueError, match="dtype=16"):  # Keras's error for a layer
        layers.Dense(2, dtype=16)


@pytest.mark.parametrize("name", ["QuantizedDTypePolicy", "Int4DTypePolicy",
                                  "DTypePolicyMap", "GPTQDTypePolicy"])
def test_quantized_policy_classes_are_refused(name):
    with pytest.raises(NotImplementedError, match=f"keras.dtype_policies.{name}"):
        getattr(dtype_policies, name)("int8", "float32")
    with pytest.raises(NotImplementedError, match=name):  # and in a file's config
        dtype_policies.deserialize({"class_name": name, "config": {"mode": "int8"}})


def test_global_policy_follows_floatx_until_set_and_clear_session_forgets_it():
    assert keras.config.dtype_policy() == keras.DTypePolicy("float32")
    keras.config.set_floatx("float64")
    try:
        assert layers.Dense(2).dtype_policy.name == "float64"
    finally:
        keras.config.set_floatx("float32")
    mixed_precision.set_global_policy("mixed_float16")
    assert mixed_precision.global_policy() is keras.config.dtype_policy()
    assert layers.Dense(2).dtype_policy.name == "mixed_float16"
    assert layers.Dense(2, dtype="float32").dtype_policy.name == "float32"
    keras.backend.clear_session()
    assert layers.Dense(2).dtype_policy.name == "float32"
    with pytest.raises(ValueError, match="policy=3"):
        keras.config.set_dtype_policy(3)


# ----- layers -----------------------------------------------------------------------
def _dense_reference(x, kernel, bias):
    """Dense in float64 from float16-rounded operands, a loop over outputs."""
    x16, k16, b16 = (np.asarray(a, np.float16).astype(np.float64) for a in (x, kernel, bias))
    out = np.zeros((x.shape[0], kernel.shape[1]))
    for j in range(kernel.shape[1]):
        out[:, j] = (x16 * k16[:, j]).sum(axis=1) + b16[j]
    return out


def test_mixed_dense_keeps_float32_weights_and_computes_in_float16():
    rng = np.random.default_rng(0)
    layer = layers.Dense(5, dtype="mixed_float16", bias_initializer="random_normal")
    x = rng.standard_normal((7, 9)).astype("float32")
    y = layer(x)
    assert (layer.dtype, layer.variable_dtype, layer.compute_dtype) == ("float32",
                                                                       "float32", "float16")
    assert [w.dtype for w in layer.weights] == ["float32", "float32"]
    assert y.dtype == np.float16
    kernel, bias = layer.get_weights()
    expected = _dense_reference(x, kernel, bias)
    # float16 products summed in float16: 9 terms, each rounding at most eps / 2
    np.testing.assert_allclose(y, expected, rtol=0, atol=10 * F16_EPS * np.abs(expected).max())
    assert layer.get_config()["dtype"]["config"] == {"name": "mixed_float16"}
    assert layers.Dense.from_config(layer.get_config()).dtype_policy == layer.dtype_policy


def test_last_layer_in_float32_under_a_mixed_global_policy():
    mixed_precision.set_global_policy("mixed_float16")
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3),
                              layers.Activation("softmax", dtype="float32")])
    out = model.predict(np.ones((2, 4), "float32"), verbose=0)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.sum(axis=1), 1, rtol=1e-6)
    assert model.layers[0](np.ones((2, 4), "float32")).dtype == np.float16


def test_gradients_reach_float32_master_weights():
    rng = np.random.default_rng(1)
    layer = layers.Dense(3, dtype="mixed_float16")
    x = rng.standard_normal((4, 6)).astype("float32")
    with GradientTape() as tape:
        loss = (layer(x).astype("float32") ** 2).sum()
    grad_kernel, grad_bias = tape.gradient(loss, layer.trainable_weights)
    assert grad_kernel.dtype == np.float32 and grad_bias.dtype == np.float32
    kernel, bias = layer.get_weights()
    y = _dense_reference(x, kernel, bias)  # d(sum y^2)/dK = x^T 2y
    expected = np.asarray(x, np.float16).astype(np.float64).T @ (2 * y)
    np.testing.assert_allclose(grad_kernel, expected, rtol=0,
                               atol=20 * F16_EPS * np.abs(expected).max())
    np.testing.assert_allclose(grad_bias, (2 * y).sum(axis=0), rtol=0,
                               atol=20 * F16_EPS * np.abs(2 * y).sum(axis=0).max())


def test_autocast_false_weight_is_read_in_its_own_dtype():
    class Scale(layers.Layer):
        def build(self, shape):
            self.cast = self.add_weight((), "ones", name="cast")
            self.kept = self.add_weight((), "ones", name="kept", autocast=False)

        def call(self, x):
            return x * self.cast, x * self.kept

    cast, kept = Scale(dtype="mixed_float16")(np.ones(3, "float32"))
    assert cast.dtype == np.float16 and kept.dtype == np.float32


# ----- LossScaleOptimizer -----------------------------------------------------------
def _variable(value):
    return keras.Variable(np.asarray(value, "float32"))


def test_a_non_finite_gradient_skips_the_step_and_halves_the_scale():
    v = _variable([1.0, 2.0])
    optimizer = LossScaleOptimizer(SGD(0.5), initial_scale=8.0)
    optimizer.apply([np.array([1.0, np.inf], "float32")], [v])
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    assert optimizer.dynamic_scale.numpy() == 4.0 and optimizer.iterations.numpy() == 0
    optimizer.apply([np.array([4.0, np.nan], "float32")], [v])
    assert optimizer.dynamic_scale.numpy() == 2.0
    optimizer.apply([np.array([4.0, 8.0], "float32")], [v])  # divided by 2, then SGD
    np.testing.assert_array_equal(v.numpy(), [1.0 - 0.5 * 2.0, 2.0 - 0.5 * 4.0])
    assert optimizer.iterations.numpy() == 1 and optimizer.step_counter.numpy() == 1


def test_the_scale_doubles_after_dynamic_growth_steps_finite_steps():
    v = _variable([1.0])
    optimizer = LossScaleOptimizer(SGD(0.1), initial_scale=4.0, dynamic_growth_steps=3)
    scales = []
    for _ in range(7):
        optimizer.apply([np.ones(1, "float32")], [v])
        scales.append(float(optimizer.dynamic_scale.numpy()))
    assert scales == [4.0, 4.0, 8.0, 8.0, 8.0, 16.0, 16.0]


def test_unscaled_steps_equal_the_inner_optimizers_own():
    rng = np.random.default_rng(2)
    grads = [rng.standard_normal(5).astype("float32") for _ in range(4)]
    plain, scaled = _variable(np.ones(5)), _variable(np.ones(5))
    reference, wrapped = Adam(0.01), LossScaleOptimizer(Adam(0.01), initial_scale=64.0)
    for g in grads:
        reference.apply([g], [plain])
        wrapped.apply([g * 64.0], [scaled])  # powers of two: exact
    np.testing.assert_array_equal(scaled.numpy(), plain.numpy())
    assert [v.path for v in wrapped.variables][:4] == [
        "loss_scale_optimizer/iteration", "loss_scale_optimizer/learning_rate",
        "loss_scale_optimizer/step_counter", "loss_scale_optimizer/dynamic_scale"]


def test_config_round_trip_and_refused_arguments():
    optimizer = LossScaleOptimizer(SGD(0.25), initial_scale=16.0, dynamic_growth_steps=5)
    config = keras.optimizers.serialize(optimizer)
    assert config["config"]["inner_optimizer"]["class_name"] == "SGD"
    again = keras.optimizers.deserialize(config)
    assert (type(again.inner_optimizer), again.initial_scale,
            again.dynamic_growth_steps) == (SGD, 16.0, 5)
    with pytest.raises(ValueError, match="dynamic=False"):
        LossScaleOptimizer(SGD(), dynamic=False)
    with pytest.raises(ValueError, match="`clipnorm`"):
        LossScaleOptimizer(SGD(), clipnorm=1.0)
    with pytest.raises(ValueError, match="`foo`"):
        LossScaleOptimizer(SGD(), foo=1)
    assert mixed_precision.LossScaleOptimizer is LossScaleOptimizer


def test_compile_wraps_the_optimizer_under_mixed_float16_only():
    mixed_precision.set_global_policy("mixed_float16")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1, dtype="float32")])
    model.compile(Adam(0.1), "mse")
    assert isinstance(model.optimizer, LossScaleOptimizer)
    assert model.get_compile_config()["optimizer"]["class_name"] == "Adam"  # as Keras
    model.compile(Adam(0.1), "mse", auto_scale_loss=False)
    assert isinstance(model.optimizer, Adam)
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile(Adam(0.1), "mse")
    assert isinstance(model.optimizer, Adam)


def test_fit_scales_the_loss_it_differentiates():
    """fit multiplies the loss by loss_scale_factor before the gradient and the optimizer
    divides it out: with a power of two the trajectory is exactly the unscaled one."""
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((16, 3)).astype("float32"), rng.standard_normal((16, 1))
    weights = []
    for factor in (None, 1024.0):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
        model.compile(SGD(0.1, loss_scale_factor=factor), "mse")
        model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_a_mixed_subclassed_model_reads_its_own_weights_in_float16():
    mixed_precision.set_global_policy("mixed_float16")

    class Scaled(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2, dtype="float32")
            self.scale = self.add_weight((), "ones", name="scale")

        def call(self, x):
            return self.scale.value, self.dense(x)

    scale, dense = Scaled()(np.ones((1, 3), "float32"))
    assert scale.dtype == np.float16  # Keras's model-level AutocastScope
    assert dense.dtype == np.float32  # a float32 layer inside opens its own scope


def test_symbolic_outputs_carry_the_compute_dtype():
    mixed_precision.set_global_policy("mixed_float16")
    inputs = keras.Input((3,))
    hidden = layers.Dense(2)(inputs)
    outputs = layers.Activation("linear", dtype="float32")(hidden)
    assert (inputs.dtype, hidden.dtype, outputs.dtype) == ("float32", "float16", "float32")
    model = keras.Model(inputs, outputs)
    assert model.predict(np.ones((1, 3), "float32"), verbose=0).dtype == np.float32
