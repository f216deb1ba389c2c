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
