"""The Model methods an overridden train_step calls: compute_metrics, get_metrics_result,
the deprecated compiled_loss / compiled_metrics shims; make_*_function refused."""
import numpy as np
import pytest

import kerasmini as keras


def _model():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"], weighted_metrics=["mse"])
    return model


def test_compute_metrics_by_hand():
    model = _model()
    y = np.array([[1.0], [2.0], [4.0]], "float32")
    y_pred = np.array([[0.0], [2.5], [4.0]], "float32")
    weights = np.array([1.0, 2.0, 0.0], "float32")
    logs = model.compute_metrics(None, y, y_pred, weights)
    assert sorted(logs) == ["loss", "mae", "mse"]
    np.testing.assert_allclose(logs["mae"], (1 + 0.5 + 0) / 3, rtol=1e-6)
    np.testing.assert_allclose(logs["mse"], (1 * 1 + 2 * 0.25) / 3, rtol=1e-6)
    assert logs["loss"] == 0.0  # the loss tracker is the caller's to update
    model.metrics[0].update_state(2.0)
    assert model.get_metrics_result()["loss"] == 2.0


def test_keras_2_shims_warn_and_follow_keras_3():
    model = _model()
    y = np.array([[1.0], [3.0]], "float32")
    y_pred = np.array([[2.0], [3.0]], "float32")
    with pytest.warns(UserWarning, match="compiled_loss"):
        loss = model.compiled_loss(y, y_pred)
    np.testing.assert_allclose(loss, 0.5, rtol=1e-6)
    with pytest.warns(UserWarning, match="compiled_metrics"):
        model.compiled_metrics.update_state(y, y_pred)
    logs = model.get_metrics_result()
    # Keras's shim feeds y_pred to the "loss" Mean: its mean, (2 + 3) / 2
    assert logs["loss"] == 2.5 and logs["mae"] == 0.5


@pytest.mark.parametrize("method", ["make_train_function", "make_test_function",
                                    "make_predict_function"])
def test_compiled_functions_are_refused(method):
    with pytest.raises(NotImplementedError, match=method):
        getattr(_model(), method)()


class _Overrides(keras.Sequential):
    """compute_loss without `training` (written before Keras 3.3, as keras.io's
    distiller), compute_metrics adding a log: the built-in steps call both."""
    calls = []

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
        self.calls.append("loss")
        return super().compute_loss(x, y, y_pred, sample_weight) * 2.0

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        logs = super().compute_metrics(x, y, y_pred, sample_weight)
        return {**logs, "largest": float(np.max(y_pred))}


def test_built_in_steps_call_the_overrides():
    model = _Overrides([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones")])
    model.compile("sgd", "mse", metrics=["mae"])
    x = np.array([[1.0, 1.0], [0.0, 1.0]], "float32")
    y = np.zeros((2, 1), "float32")
    logs = model.evaluate(x, y, return_dict=True, verbose=0)
    assert logs == {"loss": 2 * (4 + 1) / 2, "mae": 1.5, "largest": 2.0}
    history = model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y)).history
    assert sorted(history) == ["largest", "loss", "mae", "val_largest", "val_loss", "val_mae"]
    assert history["loss"] == [5.0] and model.calls == ["loss"] * 3


def _dict_output_model():
    inputs = keras.Input((2,))
    hidden = keras.layers.Dense(3, name="hidden")(inputs)
    return keras.Model(inputs, {"price": keras.layers.Dense(1, name="price")(hidden),
                                "kind": keras.layers.Dense(2, activation="softmax",
                                                           name="kind")(hidden)})


def test_dict_outputs_come_in_sorted_order_as_in_keras():
    """Keras flattens a dict by sorted key: 'kind' before 'price', in layers, weights,
    and the output-loss trackers follow the loss dict's own order."""
    model = _dict_output_model()
    assert [layer.name for layer in model.layers][-2:] == ["kind", "price"]
    assert [w.path for w in model.weights][2:] == ["kind/kernel", "kind/bias",
                                                   "price/kernel", "price/bias"]
    model.compile("sgd", loss={"price": "mse", "kind": "categorical_crossentropy"},
                  metrics={"kind": ["accuracy"]}, weighted_metrics={"kind": ["accuracy"]})
    assert model.metrics_names == ["loss", "compile_metrics", "price_loss", "kind_loss"]
    x = np.ones((4, 2), "float32")
    y = {"price": np.zeros((4, 1), "float32"), "kind": np.eye(2, dtype="float32")[[0, 1, 1, 0]]}
    logs = model.evaluate(x, y, sample_weight=np.ones(4, "float32"), return_dict=True,
                          verbose=0)
    assert sorted(logs) == ["kind_accuracy", "kind_loss", "kind_weighted_accuracy", "loss",
                            "price_loss"]
