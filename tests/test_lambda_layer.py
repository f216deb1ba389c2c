"""layers.Lambda, NumPy only: what the call passes the function, output shapes (given,
a function of the input shape, or found by calling it), masks, gradients through the
ops inside (against central differences), configs, and files: a named function loads
when the user names it, a Python lambda's bytecode never does."""
import json
import os
import tempfile

import numpy as np
import pytest

import kerasmini as keras
from kerasmini import layers, ops
from kerasmini.autodiff import NoGradientError


def scaled(x, factor=1.0, training=None):
    return x * (factor if training else -factor)


def halve(x):
    return x * 0.5


@keras.saving.register_keras_serializable(package="LambdaTest")
def swish_shift(x):
    return x * ops.sigmoid(x) + 1.0


def test_call_passes_arguments_and_training_as_keras():
    layer = layers.Lambda(scaled, arguments={"factor": 3.0})
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(layer(x, training=True), 3 * x)
    np.testing.assert_array_equal(layer(x), -3 * x)  # training=None reaches the function
    assert layer.built and layer.count_params() == 0


def test_integer_input_keeps_its_dtype_float_input_is_cast():
    ids = np.array([[1, 2]], "int64")
    assert layers.Lambda(lambda t: t)(ids).dtype == np.int64
    assert layers.Lambda(lambda t: t)(np.ones((1, 2), "float64")).dtype == np.float32


@pytest.mark.parametrize("function, input_shape, expected", [
    (lambda x: ops.mean(x, axis=1), (None, 4, 5), (None, 5)),
    (lambda x: ops.reshape(x, (-1, 2, 10)), (None, 4, 5), (None, 2, 10)),
    (lambda x: ops.squeeze(x, axis=-1), (None, 7, 1), (None, 7)),  # batch never probed as 1
    (lambda x: x[:, :2] * 2.0, (None, 4), (None, 2)),
    (lambda xs: ops.concatenate(xs, axis=-1), [(None, 3), (None, 2)], (None, 5)),
    (lambda x: [x, ops.sum(x, axis=-1)], (None, 3), [(None, 3), (None,)]),
])
def test_output_shape_found_by_calling_the_function(function, input_shape, expected):
    assert layers.Lambda(function).compute_output_shape(input_shape) == expected


def test_output_shape_given_as_tuple_list_or_function():
    assert layers.Lambda(halve, output_shape=(3, 2)).compute_output_shape((None, 6)) == \
        (None, 3, 2)
    assert layers.Lambda(halve, output_shape=[3]).compute_output_shape((8, 6)) == (8, 3)
    assert layers.Lambda(halve, output_shape=[(3,), (4, 1)]).compute_output_shape(
        (None, 6)) == [(None, 3), (None, 4, 1)]
    assert layers.Lambda(halve, output_shape=lambda s: (s[0], 1)).compute_output_shape(
        (5, 6)) == (5, 1)


def test_shape_that_cannot_be_found_asks_for_output_shape():
    layer = layers.Lambda(lambda x: ops.reshape(x, (3, 3)))  # fits no batch of 4 values
    with pytest.raises(NotImplementedError, match="specify the `output_shape`"):
        layer(keras.Input((4,)))


@pytest.mark.parametrize("arguments, match", [
    (dict(function=3), "`function`.*Received: function=3"),
    (dict(function=halve, arguments=[1]), "`arguments`.*Received: arguments=\\[1\\]"),
    (dict(function=halve, output_shape="3"), "`output_shape`.*Received: output_shape='3'"),
])
def test_bad_arguments_name_the_argument(arguments, match):
    with pytest.raises(TypeError, match=match):
        layers.Lambda(**arguments)


def test_an_eager_call_raises_the_function_s_own_error():
    layer = layers.Lambda(lambda x: ops.reshape(x, (3, 3)))
    with pytest.raises(ValueError, match="reshape|size"):
        layer(np.zeros((2, 2), "float32"))


def test_sequential_and_functional_models_record_one_lambda_node():
    model = keras.Sequential([keras.Input((4, 5)), layers.Lambda(lambda x: ops.mean(x, 1)),
                              layers.Dense(2)])
    assert [type(layer).__name__ for layer in model.layers] == ["Lambda", "Dense"]
    assert model.compute_output_shape((None, 4, 5)) == (None, 2)
    x = np.random.default_rng(0).random((3, 4, 5)).astype("float32")
    dense = model.layers[1]
    expected = x.mean(1) @ dense.kernel.numpy() + dense.bias.numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_mask_given_as_function_or_value():
    inputs = keras.Input((None,), dtype="int32")
    embedded = layers.Embedding(5, 3, mask_zero=True)(inputs)
    kept = layers.Lambda(lambda x: x * 2.0, mask=lambda x, mask: mask)(embedded)
    assert kept._keras_mask is not None
    dropped = layers.Lambda(lambda x: x * 2.0)
    with pytest.warns(UserWarning, match="does not support masking"):
        assert dropped(embedded)._keras_mask is None
    fixed = np.array([[True, False]])
    assert layers.Lambda(halve, mask=fixed).compute_mask(None, None) is fixed


def test_function_taking_mask_receives_it():
    def zero_masked(x, mask=None):
        return x * ops.expand_dims(ops.cast(mask, x.dtype), -1)
    inputs = keras.Input((None,), dtype="int32")
    embedding = layers.Embedding(5, 3, mask_zero=True)
    with pytest.warns(UserWarning, match="does not support masking"):  # as Keras warns:
        outputs = layers.Lambda(zero_masked, output_shape=(None, 3))(  # no `mask=` given
            embedding(inputs))
    model = keras.Model(inputs, outputs)
    out = model.predict(np.array([[1, 0, 2]]), verbose=0)
    table = embedding.embeddings.numpy()
    np.testing.assert_allclose(out[0], [table[1], np.zeros(3), table[2]], rtol=1e-6)


def _loss_and_kernel_gradient(model, x, seed):
    with keras.GradientTape() as tape:
        loss = ops.sum(model(x) * seed)
    return float(loss), tape.gradient(loss, model.layers[0].kernel)


@pytest.mark.parametrize("function", [
    lambda x: ops.tanh(x) * 2.0 + ops.mean(x, axis=-1, keepdims=True),
    lambda x: ops.concatenate([x[:, :1] ** 2, ops.softmax(x)], axis=-1),
    lambda x: np.exp(x) * x,  # NumPy ufuncs on the tape's arrays are recorded too
])
def test_gradient_flows_through_the_function_as_central_differences(function):
    rng = np.random.default_rng(1)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, dtype="float64"),
                              layers.Lambda(function, dtype="float64")])
    x = rng.standard_normal((5, 4))
    seed = rng.standard_normal(model(x).shape)
    _, gradient = _loss_and_kernel_gradient(model, x, seed)
    kernel = model.layers[0].kernel
    base, numeric, step = kernel.numpy(), np.zeros_like(kernel.numpy()), 1e-6
    for index in np.ndindex(base.shape):
        values = []
        for sign in (1, -1):
            shifted = base.copy()
            shifted[index] += sign * step
            kernel.assign(shifted)
            values.append(np.sum(model(x) * seed))
        numeric[index] = (values[0] - values[1]) / (2 * step)
    kernel.assign(base)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-8)


def test_arithmetic_the_tape_cannot_see_is_an_error_naming_the_layer():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3),
                              layers.Lambda(lambda x: np.asarray(x) * 2.0, name="detached")])
    with pytest.raises(NoGradientError, match="'detached' \\(Lambda\\)"):
        _loss_and_kernel_gradient(model, np.ones((2, 4), "float32"), 1.0)


def test_fit_trains_through_the_lambda():
    rng = np.random.default_rng(2)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8),
                              layers.Lambda(lambda x: ops.relu(x) - 0.1), layers.Dense(1)])
    model.compile("adam", "mse")
    x, y = rng.random((64, 4)).astype("float32"), rng.random((64, 1)).astype("float32")
    losses = model.fit(x, y, epochs=5, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


# ----- configs and files ------------------------------------------------------------
def test_config_of_a_python_lambda_is_its_bytecode_as_keras_writes_it():
    factor = 3.0
    config = layers.Lambda(lambda x, s=2: x * factor * s, name="lam").get_config()
    function = config["function"]
    assert function["class_name"] == "__lambda__"
    assert function["config"]["defaults"] == (2,) and function["config"]["closure"] == (3.0,)
    assert isinstance(function["config"]["code"], str)  # base64 of marshal.dumps
    assert config["arguments"] == {} and "output_shape" not in config


def test_config_of_named_and_registered_functions():
    assert layers.Lambda(halve, output_shape=(3,)).get_config()["function"] == {
        "module": "builtins", "class_name": "function", "config": "halve",
        "registered_name": "function"}
    config = layers.Lambda(swish_shift, arguments={"k": 1}).get_config()
    assert config["function"]["config"] == "LambdaTest>swish_shift"
    assert config["arguments"] == {"k": 1}


def _saved_and_loaded(model, **load_options):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.keras")
        model.save(path)
        return keras.models.load_model(path, **load_options)


def _model_with(function, **options):
    return keras.Sequential([keras.Input((3,)), layers.Dense(2),
                             layers.Lambda(function, name="lam", **options)])


def test_registered_function_loads_and_predicts_the_same():
    model = _model_with(swish_shift, output_shape=(2,))
    loaded = _saved_and_loaded(model)
    x = np.random.default_rng(3).random((4, 3)).astype("float32")
    assert loaded.layers[1].function is swish_shift
    assert loaded.layers[1].compute_output_shape((None, 3)) == (None, 2)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_named_function_loads_only_when_given_as_custom_object():
    model = _model_with(scaled, arguments={"factor": 2.0})
    with pytest.raises(ValueError, match="lam.*scaled|scaled"):
        _saved_and_loaded(model)
    loaded = _saved_and_loaded(model, custom_objects={"scaled": scaled})
    assert loaded.layers[1].function is scaled and loaded.layers[1].arguments == {
        "factor": 2.0}


def test_builtin_activation_name_loads_as_kerasmini_s_activation():
    loaded = _saved_and_loaded(_model_with(keras.activations.relu))
    assert loaded.layers[1].function is keras.activations.relu


@pytest.mark.parametrize("key, options", [
    ("function", {"function": lambda x: x}),
    ("output_shape", {"function": halve, "output_shape": lambda s: s}),
    ("mask", {"function": halve, "mask": lambda x, m: m}),
])
def test_bytecode_is_refused_wherever_it_is_and_never_unmarshalled(key, options,
                                                                  monkeypatch):
    import marshal
    model = keras.Sequential([keras.Input((3,)), layers.Lambda(name="lam", **options)])
    config = json.loads(json.dumps(model.get_config()))
    monkeypatch.setattr(marshal, "loads", lambda *_: pytest.fail("unmarshalled"))
    refusal = f"Lambda layer \\('lam'\\) whose `{key}` is a Python lambda.*never runs code"
    with pytest.raises(ValueError, match=refusal):
        keras.Sequential.from_config(config)
    with pytest.raises(ValueError, match=refusal):
        layers.Lambda.from_config(config["layers"][-1]["config"])


def test_tf_keras_2_function_type_lambda_is_refused():
    config = {"name": "old", "function": ["4wEAAAAA", None, None], "function_type": "lambda",
              "arguments": {}}
    with pytest.raises(ValueError, match="'old'.*never runs code"):
        layers.Lambda.from_config(config)


def test_clone_model_remakes_the_lambda_around_the_same_function():
    """tf.keras's clone_model goes through the config and refuses a Python lambda;
    kerasmini's clones in memory."""
    function = lambda x: x * 2.0  # noqa: E731
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2),
                              layers.Lambda(function, name="lam", arguments={})])
    clone = keras.models.clone_model(model)
    assert clone.layers[1] is not model.layers[1] and clone.layers[1].function is function
    assert clone.layers[1].name == "lam"
    x = np.ones((2, 3), "float32")
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))
