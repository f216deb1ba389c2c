"""What users' training scripts need beyond a single-output compile/fit, NumPy only:
subclassed models and composite layers, add_loss, losses written as plain functions,
several outputs with loss_weights, train_step overrides, frozen sub-models, data kerasmini
refuses. Expected values are computed here by hand (closed forms on tiny models)."""
import h5py
import numpy as np
import pytest

import kerasmini as keras
from kerasmini import ops

L = keras.layers


def _xy(n=6, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")


class TwoDense(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = L.Dense(4, activation="tanh")
        self.heads = [L.Dense(1, name="head")]
        self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

    def call(self, inputs, training=False):
        return self.heads[0](self.first(inputs)) * self.scale


def test_subclassed_model_tracks_layers_in_attributes_and_lists():
    model = TwoDense()
    model(np.zeros((1, 3), "float32"))
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dense"]
    shapes = [tuple(w.shape) for w in model.weights]
    assert shapes == [(), (3, 4), (4,), (4, 1), (1,)]  # own weight first, as Keras
    model.heads[0].trainable = False
    assert len(model.trainable_weights) == 3 and len(model.non_trainable_weights) == 2


def test_subclassed_model_one_sgd_step_by_hand():
    x, y = _xy()
    model = TwoDense()
    model(x[:1])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    scale, k1, b1, k2, b2 = model.get_weights()
    hidden = np.tanh(x @ k1 + b1)
    residual = (hidden @ k2 + b2) * scale - y
    loss = model.train_on_batch(x, y)
    np.testing.assert_allclose(loss, np.mean(residual ** 2), rtol=1e-5)
    grad_k2 = 2 / len(x) * hidden.T @ (residual * scale)
    np.testing.assert_allclose(model.get_weights()[3], k2 - 0.1 * grad_k2, rtol=1e-5,
                               atol=1e-7)


def test_trainable_reaches_nested_layers_and_back():
    base = keras.Sequential([keras.Input((3,)), L.Dense(2), L.BatchNormalization()])
    base.trainable = False
    assert not any(layer.trainable for layer in base.layers)
    base.trainable = True
    assert all(layer.trainable for layer in base.layers)


def test_a_layer_frozen_at_construction_stays_frozen_in_a_model():
    model = keras.Sequential([keras.Input((3,)), L.Dense(2, trainable=False), L.Dense(1)])
    assert [layer.trainable for layer in model.layers] == [False, True]
    assert len(model.trainable_weights) == 2


def test_frozen_batch_normalization_uses_moving_statistics_under_fit():
    x, y = _xy(8)
    base = keras.Sequential([keras.Input((3,)), L.BatchNormalization()])
    inputs = keras.Input((3,))
    model = keras.Model(inputs, L.Dense(1)(base(inputs)))
    base.trainable = False
    model.compile("sgd", "mse")
    moving = [w.copy() for w in base.get_weights()]
    model.fit(x, y, epochs=1, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(moving, base.get_weights()))


class Penalized(L.Layer):
    """A composite layer: its Dense's weights are its own, its add_loss joins fit's."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = L.Dense(1, kernel_initializer="ones", use_bias=False)

    def call(self, inputs):
        outputs = self.dense(inputs)
        self.add_loss(0.5 * ops.sum(ops.square(outputs)))
        return outputs


def test_add_loss_is_replaced_each_call_and_joins_the_gradient():
    x, y = _xy(4)
    layer = Penalized()
    model = keras.Sequential([keras.Input((3,)), layer])
    assert len(layer.weights) == 1 and len(model.trainable_weights) == 1
    model(x)
    model(x[:2])
    assert len(model.losses) == 1  # the last call's, not one per call
    np.testing.assert_allclose(model.losses[0], 0.5 * np.sum(x[:2].sum(1) ** 2), rtol=1e-5)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    kernel = model.get_weights()[0]
    out = x @ kernel
    model.train_on_batch(x, y)
    # d/dk [mean((xk - y)^2) + 0.5 sum((xk)^2)] = 2/N x^T (xk - y) + x^T xk
    grad = 2 / len(x) * x.T @ (out - y) + x.T @ out
    np.testing.assert_allclose(model.get_weights()[0], kernel - 0.01 * grad, rtol=1e-5)


def test_loss_written_with_ops_is_differentiated_by_the_tape():
    def half_squared(y_true, y_pred):
        return ops.mean(0.5 * ops.square(y_true - y_pred), axis=-1)

    class Cubic(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return ops.mean(ops.abs(y_true - y_pred) ** 3, axis=-1)

    y = np.array([[1.0], [2.0], [-1.0]], "float32")
    pred = np.array([[0.5], [2.5], [0.0]], "float32")
    weights = np.array([1.0, 2.0, 0.0], "float32")
    for loss, derivative in ((keras.losses.LossFunctionWrapper(half_squared),
                              lambda e: e),
                             (Cubic(), lambda e: 3 * e * np.abs(e))):
        with keras.GradientTape() as tape:
            watched = tape.watch(pred)
            value = loss(y, watched, sample_weight=weights)
        error = pred - y
        grad = tape.gradient(value, watched)
        np.testing.assert_allclose(grad, derivative(error) * weights[:, None] / 3,
                                   rtol=1e-6)


def _two_outputs():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, [L.Dense(1, name="a", kernel_initializer="ones")(inputs),
                                 L.Dense(2, name="b", kernel_initializer="ones")(inputs)])
    return model


def test_two_outputs_loss_weights_and_logs_by_hand():
    x, y = _xy()
    targets = {"a": y, "b": np.zeros((len(x), 2), "float32")}
    model = _two_outputs()
    model.compile("sgd", loss={"a": "mse", "b": "mae"}, loss_weights={"a": 2.0, "b": 0.5},
                  metrics={"b": ["mse"]})
    logs = model.test_on_batch(x, targets, return_dict=True)
    pred_a, pred_b = x.sum(1, keepdims=True), np.repeat(x.sum(1, keepdims=True), 2, 1)
    a_loss, b_loss = np.mean((pred_a - y) ** 2), np.mean(np.abs(pred_b))
    assert sorted(logs) == ["a_loss", "b_loss", "b_mse", "loss"]
    np.testing.assert_allclose([logs["a_loss"], logs["b_loss"], logs["b_mse"], logs["loss"]],
                               [a_loss, b_loss, np.mean(pred_b ** 2),
                                2 * a_loss + 0.5 * b_loss], rtol=1e-5)
    as_list = model.evaluate(x, [y, targets["b"]], verbose=0)  # Keras's order
    np.testing.assert_allclose(as_list, [logs["loss"], a_loss, b_loss, logs["b_mse"]],
                               rtol=1e-5)


def test_two_outputs_bad_structures_raise_naming_the_argument():
    x, y = _xy()
    model = _two_outputs()
    with pytest.raises(ValueError, match="loss_weights"):
        model.compile("sgd", loss="mse", loss_weights=[1.0])
    with pytest.raises(ValueError, match="unknown: \\['c'\\]"):
        model.compile("sgd", loss={"a": "mse", "c": "mse"})
    model.compile("sgd", loss=["mse", None])
    before = model.get_weights()
    with pytest.raises(ValueError, match="pass `y` as a list or a dict"):
        model.fit(x, y, verbose=0)
    with pytest.raises(ValueError, match="class_weight"):
        model.fit(x, [y, y], class_weight={0: 1.0}, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_train_step_override_and_functional_subclass():
    calls = []

    class Counting(keras.Model):
        def train_step(self, data):
            calls.append(len(data))
            x, y = data
            return {"batch": float(len(x))}

    inputs = keras.Input((3,))
    model = Counting(inputs, L.Dense(1)(inputs))
    assert isinstance(model, Counting) and len(model.weights) == 2
    model.compile("sgd", "mse")
    x, y = _xy(10)
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert calls == [2, 2, 2] and history.history == {"batch": [2.0]}


def test_dict_inputs_by_input_name():
    left, right = keras.Input((2,), name="left"), keras.Input((1,), name="right")
    model = keras.Model([left, right], L.Concatenate()([left, right]))
    x = np.arange(6, dtype="float32").reshape(2, 3)
    got = model.predict({"right": x[:, 2:], "left": x[:, :2]}, verbose=0)
    np.testing.assert_array_equal(got, x)
    with pytest.raises(ValueError, match="expects inputs named"):
        model.predict({"left": x[:, :2]}, verbose=0)


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.size, self.passes = x, y, size, 0

    def __len__(self):
        return -(-len(self.x) // self.size)

    def __getitem__(self, index):
        part = slice(index * self.size, (index + 1) * self.size)
        return self.x[part], self.y[part]

    def on_epoch_end(self):
        self.passes += 1


def test_py_dataset_trains_as_its_arrays_do():
    x, y = _xy(10)
    runs = []
    for data, kwargs in ((Batches(x, y, 4), {}), (x, {"batch_size": 4, "y": y})):
        model = keras.Sequential([keras.Input((3,)), L.Dense(1, kernel_initializer="ones")])
        model.compile("sgd", "mse")
        history = model.fit(data, epochs=2, shuffle=False, verbose=0, **kwargs)
        runs.append((history.history["loss"], model.get_weights()))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1][0], runs[1][1][0])
    dataset = Batches(x, y, 4)
    model.fit(dataset, epochs=3, verbose=0)  # shuffled batch order, every batch once
    # on_epoch_end: once as fit starts (Keras resets its iterator), then after each epoch
    assert dataset.passes == 4
    # batches of 3 vs 32 samples: the same sums, in another order (a float32 ulp of
    # the terms, which the shuffled fit's weights may make larger than the output)
    expected = model.predict(x, verbose=0)
    np.testing.assert_allclose(model.predict(Batches(x, y, 3), verbose=0), expected,
                               rtol=1e-6, atol=1e-6 * np.abs(x).max() * 3)


def test_generator_continues_across_epochs_and_runs_out_with_a_warning():
    x, y = _xy(12)
    served = []

    def batches():
        for start in range(0, 12, 4):
            served.append(start)
            yield x[start:start + 4], y[start:start + 4]

    model = keras.Sequential([keras.Input((3,)), L.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(batches(), steps_per_epoch=2, epochs=2, verbose=0)
    assert served == [0, 4, 8] and len(history.history["loss"]) == 2


def test_dataset_arguments_that_cannot_apply_raise():
    x, y = _xy()
    model = keras.Sequential([keras.Input((3,)), L.Dense(1)])
    model.compile("sgd", "mse")
    before = model.get_weights()
    for kwargs, match in (({"y": y}, "`y` is not supported"),
                          ({"sample_weight": y[:, 0]}, "`sample_weight` is not supported"),
                          ({"validation_split": 0.5}, "validation_split")):
        with pytest.raises(ValueError, match=match):
            model.fit(Batches(x, y, 2), verbose=0, **kwargs)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    with pytest.raises(NotImplementedError, match="workers=4"):
        Batches(x, y, 2, workers=4)


def test_callbacks_share_a_copy_of_the_logs():
    x, y = _xy()
    model = keras.Sequential([keras.Input((3,)), L.Dense(1)])
    model.compile("sgd", "mse")
    ends = []
    adds = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: logs.update(extra=1.0))
    sees = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: ends.append(sorted(logs)),
        on_train_end=lambda logs: ends.append(sorted(logs)))
    model.fit(x, y, epochs=1, verbose=0, callbacks=[adds, sees])
    assert ends == [["extra", "loss"], ["loss"]]


class Block(L.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = L.Dense(2)
        self.extra = [L.Dense(2), L.Dense(1)]

    def call(self, inputs):
        return self.extra[1](self.extra[0](self.inner(inputs)))


def test_weights_of_layers_inside_layers_are_saved_where_keras_puts_them(tmp_path):
    """A layer made of layers: each sublayer's weights under its attribute name (in a
    list, under its class key), as Keras 3's saving_lib walks them; a round trip
    restores every one."""
    model = keras.Sequential([keras.Input((3,)), Block(name="block")])
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    with h5py.File(path) as f:
        found = []
        f.visit(lambda name: found.append(name) if name.endswith("/vars/0") else None)
    assert sorted(found) == ["layers/block/extra/dense/vars/0",
                             "layers/block/extra/dense_1/vars/0",
                             "layers/block/inner/vars/0"]
    twin = keras.Sequential([keras.Input((3,)), Block(name="block")])
    twin.load_weights(path)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_py_dataset_hooks_run_as_keras_epoch_iterator_runs_them():
    """fit: on_epoch_end once at the start, then begin/end around every epoch, a
    partial pass (steps_per_epoch) included; evaluate: the same for its one epoch;
    predict: begin and end only."""
    x, y = _xy(8)
    calls = []

    class Logged(keras.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, index):
            calls.append(index)
            return x[2 * index:2 * index + 2], y[2 * index:2 * index + 2]

        def on_epoch_begin(self):
            calls.append("begin")

        def on_epoch_end(self):
            calls.append("end")

    model = keras.Sequential([keras.Input((3,)), L.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(Logged(), epochs=2, steps_per_epoch=2, shuffle=False, verbose=0)
    assert calls == ["end", "begin", 0, 1, "end", "begin", 2, 3, "end"]
    calls.clear()
    model.evaluate(Logged(), verbose=0)
    assert calls == ["end", "begin", 0, 1, 2, 3, "end"]
    calls.clear()
    model.predict(Logged(), verbose=0)
    assert calls == ["begin", 0, 1, 2, 3, "end"]
