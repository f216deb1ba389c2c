"""Model-level promises the sweep found untested: save_model's default overwrite, the
cardinality check's message and its count without arrays, clone_model's refusals naming
the value, configs whose nodes carry no kwargs, get_layer's index bound, Sequential's
layer-by-layer path passing `training`, test_on_batch before compile, validation_freq as
a list holding epoch 1, a History of one's own."""
import numpy as np
import pytest

import kerasmini as keras
from kerasmini.models import batches


def _model(units=2):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units)])
    model.compile("sgd", "mse")
    return model


@pytest.mark.parametrize("save", ["keras.models.save_model", "Model.save"])
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_saving_onto_an_existing_file_replaces_it_by_default(tmp_path, save, suffix):
    path = str(tmp_path / f"m{suffix}")
    first, second = _model(), _model()
    second.set_weights([w + 1 for w in first.get_weights()])
    for model in (first, second):
        if save == "Model.save":
            model.save(path)
        else:
            keras.models.save_model(model, path)
    for a, b in zip(keras.models.load_model(path).get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_cardinality_message_lists_x_then_y_then_sample_weight():
    with pytest.raises(ValueError) as caught:
        batches.sample_count(np.zeros((3, 1)), np.zeros((4, 1)), np.zeros(5))
    assert "x sizes: [3], y sizes: [4], sample_weight sizes: [5]" in str(caught.value)
    with pytest.raises(ValueError, match="Argument `x` must have a batch dimension"):
        batches.sample_count(np.float32(1), np.float32(2))


def test_no_arrays_count_no_samples():
    assert batches.sample_count(None) == 0
    assert batches.sample_count([], None, {}) == 0


@pytest.mark.parametrize("argument,value", [("input_tensors", "a tensor"),
                                            ("call_function", "a function"),
                                            ("recursive", True)])
def test_clone_model_refusals_name_the_value_received(argument, value):
    model = _model()
    with pytest.raises(ValueError, match=f"Received: {argument}={value!r}"):
        keras.models.clone_model(model, **{argument: value})


def test_a_functional_config_whose_nodes_carry_no_kwargs_loads():
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4, activation="tanh")(inputs)
    model = keras.Model(inputs, keras.layers.Add()([keras.layers.Dense(4)(hidden), hidden]))
    config = model.get_config()
    for layer in config["layers"]:
        for node in layer["inbound_nodes"]:
            node.pop("kwargs", None)  # as some writers leave it out
    rebuilt = keras.Model.from_config(config)
    rebuilt.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(2, 3)).astype("float32")
    np.testing.assert_array_equal(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0))


def test_get_layer_by_index_past_the_end_is_a_value_error():
    model = _model()
    assert model.get_layer(index=0) is model.layers[0]
    with pytest.raises(ValueError, match="index 1 but model only has 1 layers"):
        model.get_layer(index=len(model.layers))


@pytest.mark.parametrize("inputs", [
    [], [keras.Input((30,))],  # no graph; a graph of another shape than the call's
    [keras.Input((50,), dtype="float32")]], ids=["unbuilt", "other_shape", "list_input"])
def test_sequential_called_layer_by_layer_passes_training(inputs):
    model = keras.Sequential(inputs + [keras.layers.Dropout(0.5, seed=1)])
    x = np.ones((4, 50), "float32")
    if inputs and inputs[0].shape[1] == 50:
        x = x.tolist()  # not an array: layer by layer too
    dropped = np.asarray(model(x, training=True))
    x = np.asarray(x, "float32")
    assert (dropped == 0).any() and set(np.unique(dropped)) <= {0.0, 2.0}
    np.testing.assert_array_equal(np.asarray(model(x, training=False)), x)


def test_test_on_batch_before_compile_names_the_method():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match=r"call `compile\(\)` before calling "
                                         r"`test_on_batch\(\)`"):
        model.test_on_batch(np.zeros((2, 3)), np.zeros((2, 2)))


def test_validation_freq_list_holding_the_first_epoch():
    model = _model()
    x = np.zeros((4, 3), "float32")
    history = model.fit(x, np.zeros((4, 2)), epochs=3, verbose=0, validation_data=(x, x[:, :2]),
                        validation_freq=[1, 3])
    assert len(history.history["val_loss"]) == 2


def test_fit_returns_the_history_passed_in():
    model = _model()
    mine = keras.callbacks.History()
    returned = model.fit(np.zeros((4, 3)), np.zeros((4, 2)), epochs=2, verbose=0,
                         callbacks=[mine])
    assert returned is mine and mine.epoch == [0, 1]


def test_an_input_no_output_depends_on_is_kept_as_keras_keeps_it():
    a, b = keras.Input((2,), name="a"), keras.Input((3,), name="b")
    model = keras.Model([a, b], keras.layers.Dense(1, kernel_initializer="ones", name="d")(a))
    assert [layer.name for layer in model.layers] == ["a", "b", "d"]
    out = model.predict([np.ones((2, 2)), np.ones((2, 3))], verbose=0)
    np.testing.assert_array_equal(out, np.full((2, 1), 2.0))


def test_a_generator_of_x_y_sample_weight_triples_weights_the_loss():
    x = np.arange(8, dtype="float32").reshape(4, 2) / 8
    y, weights = np.ones((4, 1), "float32"), np.array([1, 0, 2, 0], "float32")

    def batches(with_weights):
        while True:
            yield (x, y, weights) if with_weights else (x, y)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    weighted = model.evaluate(batches(True), steps=1, verbose=0)
    plain = model.evaluate(batches(False), steps=1, verbose=0)
    errors = (model.predict(x, verbose=0) - y)[:, 0] ** 2
    np.testing.assert_allclose(weighted, np.sum(errors * weights) / 4, rtol=1e-5)
    np.testing.assert_allclose(plain, np.mean(errors), rtol=1e-5)
    with pytest.raises(ValueError, match="found a tuple of 4 items"):
        model.evaluate(iter([(x, y, weights, weights)]), steps=1, verbose=0)


def test_a_metric_wrapping_a_function_takes_its_name():
    def twice_error(y_true, y_pred):
        return 2 * np.abs(y_true - y_pred)
    metric = keras.metrics.MeanMetricWrapper(twice_error)
    assert metric.name == "twice_error"
    metric.update_state(np.zeros((2, 1)), np.ones((2, 1)))
    assert float(metric.result()) == 2.0
