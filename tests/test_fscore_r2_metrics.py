"""F1Score, FBetaScore and R2Score without TensorFlow: values worked by hand, Keras's
zero-division and constant-column conventions, the adjusted R2 fallback, state, names."""
import numpy as np
import pytest

import kerasmini as keras

Y_TRUE = [[1, 1, 1], [1, 0, 0], [1, 1, 0]]
Y_PRED = [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]


def test_f1_per_class_by_hand():
    # threshold 0.5, per class (tp, fp, fn): (1, 0, 2), (2, 1, 0), (1, 1, 0)
    # F1 = 2 tp / (2 tp + fp + fn): 2/4, 4/5, 2/3
    metric = keras.metrics.F1Score(threshold=0.5)
    metric.update_state(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(metric.result(), [0.5, 0.8, 2 / 3], rtol=1e-6)
    assert [v.name for v in metric.variables] == ["true_positives", "false_positives",
                                                  "false_negatives", "intermediate_weights"]


def test_fbeta_averages_by_hand():
    # beta 2: (1 + 4) tp / ((1 + 4) tp + 4 fn + fp): 5/13, 10/11, 5/6
    per_class = np.array([5 / 13, 10 / 11, 5 / 6])
    for average, expected in [(None, per_class), ("macro", per_class.mean()),
                              ("weighted", per_class @ [3, 2, 1] / 6),  # support 3, 2, 1
                              ("micro", 5 * 4 / (5 * 4 + 4 * 2 + 2))]:  # tp 4 fp 2 fn 2
        metric = keras.metrics.FBetaScore(average=average, beta=2.0, threshold=0.5)
        metric.update_state(Y_TRUE, Y_PRED)
        np.testing.assert_allclose(metric.result(), expected, rtol=1e-6)


def test_f1_argmax_sample_weight_and_zero_division():
    # threshold None: each row's maximum is predicted; an all-zero row predicts nothing.
    # Class 2 is never present and never predicted: 0, not NaN (Keras's epsilon).
    metric = keras.metrics.F1Score()
    metric.update_state([[1, 0, 0], [0, 1, 0], [1, 0, 0]],
                        [[0.9, 0.1, 0.0], [0.7, 0.3, 0.0], [0.0, 0.0, 0.0]],
                        sample_weight=[1.0, 2.0, 4.0])
    # class 0: tp 1, fp 2, fn 4 -> 2 / (2 + 2 + 4); class 1: tp 0, fn 2 -> 0
    np.testing.assert_allclose(metric.result(), [0.25, 0.0, 0.0], atol=1e-6)
    metric.reset_state()
    assert all(np.all(v.value == 0) for v in metric.variables)


def test_fbeta_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="beta=1 "):
        keras.metrics.FBetaScore(beta=1)
    with pytest.raises(ValueError, match="threshold=0.0"):
        keras.metrics.F1Score(threshold=0.0)
    with pytest.raises(ValueError, match="average=samples"):
        keras.metrics.F1Score(average="samples")
    metric = keras.metrics.F1Score()
    with pytest.raises(ValueError, match="2D inputs"):
        metric.update_state([1, 0], [0.3, 0.8])
    with pytest.raises(ValueError, match="update_state first"):
        metric.result()
    assert metric.variables == []


def test_r2_by_hand():
    # column 0: y (1, 2, 3), pred (1, 2, 4): SS_res 1, SS_tot 2 -> 0.5
    # column 1: y (0, 0, 2), pred (1, 0, 2): SS_res 1, SS_tot 8/3 -> 5/8
    y_true, y_pred = [[1, 0], [2, 0], [3, 2]], [[1, 1], [2, 0], [4, 2]]
    for aggregation, expected in [(None, [0.5, 5 / 8]), ("uniform_average", 9 / 16),
                                  ("variance_weighted_average",
                                   (2 * 0.5 + 8 / 3 * 5 / 8) / (2 + 8 / 3))]:
        metric = keras.metrics.R2Score(class_aggregation=aggregation)
        metric.update_state(y_true[:1], y_pred[:1])  # two batches: the sums carry over
        metric.update_state(y_true[1:], y_pred[1:])
        np.testing.assert_allclose(metric.result(), expected, rtol=1e-6)


def test_r2_weights_constant_column_and_adjusted():
    # weight 2 on the last row == that row twice: y (1, 2, 3, 3), pred (1, 2, 4, 4)
    metric = keras.metrics.R2Score(class_aggregation=None)
    metric.update_state([[1, 5], [2, 5], [3, 5]], [[1, 5], [2, 5], [4, 6]],
                        sample_weight=[1.0, 1.0, 2.0])
    # column 0: SS_res 2, mean 9/4, SS_tot 1/16*(25 + 1 + 9 + 9) = 2.75; column 1 constant:
    # SS_tot 0, Keras's 0
    np.testing.assert_allclose(metric.result(), [1 - 2 / 2.75, 0.0], rtol=1e-6)
    adjusted = keras.metrics.R2Score(num_regressors=1)
    adjusted.update_state([[1.0], [2.0], [3.0], [4.0]], [[1.0], [2.0], [3.0], [5.0]])
    r2 = 1 - 1 / 5  # SS_res 1, SS_tot 5; n 4, p 1
    np.testing.assert_allclose(adjusted.result(), 1 - (1 - r2) * 3 / 2, rtol=1e-6)
    too_many = keras.metrics.R2Score(num_regressors=3)  # p == n - 1: plain R2, warned
    too_many.update_state([[1.0], [2.0], [3.0], [4.0]], [[1.0], [2.0], [3.0], [5.0]])
    with pytest.warns(UserWarning, match="Division by zero"):
        np.testing.assert_allclose(too_many.result(), r2, rtol=1e-6)


def test_r2_bad_arguments():
    with pytest.raises(ValueError, match="class_aggregation=mean"):
        keras.metrics.R2Score(class_aggregation="mean")
    with pytest.raises(ValueError, match="num_regressors=-1"):
        keras.metrics.R2Score(num_regressors=-1)


def test_names_configs_and_history_keys():
    assert type(keras.metrics.get("f1_score")) is keras.metrics.F1Score
    assert type(keras.metrics.get("f_beta_score")) is keras.metrics.FBetaScore
    assert type(keras.metrics.get("r2_score")) is keras.metrics.R2Score
    config = keras.metrics.F1Score(average="macro", threshold=0.5).get_config()
    assert config == {"name": "f1_score", "dtype": "float32", "average": "macro",
                      "threshold": 0.5}
    assert keras.metrics.F1Score.from_config(config).get_config() == config
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy",
                  metrics=["f1_score", keras.metrics.R2Score()])
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[np.arange(8) % 3]
    history = model.fit(x, y, epochs=1, verbose=0)
    assert {"f1_score", "r2_score"} <= set(history.history)
