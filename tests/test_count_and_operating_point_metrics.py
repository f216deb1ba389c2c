"""TruePositives..., the rate-at-rate metrics and Sum without TensorFlow: against loops over
the samples and the thresholds, worked by hand where short."""
import itertools

import numpy as np
import pytest

import kerasmini as keras


def _loop_counts(y_true, y_pred, weight, thresholds):
    """tp, fp, tn, fn per threshold by the definition: positive when score > threshold."""
    counts = np.zeros((4, len(thresholds)))
    for i, t in enumerate(thresholds):
        for label, score, w in zip(y_true, y_pred, weight):
            above, positive = score > t, label != 0
            counts[[above and positive, above and not positive,
                    not above and not positive, not above and positive].index(True), i] += w
    return counts


def _data(seed, n=40):
    rng = np.random.default_rng(seed)
    y_pred = rng.choice([0.0, 0.25, 0.5, 0.75, 1.0, *rng.uniform(size=6)], size=n)
    return (rng.integers(0, 2, size=n).astype("float32"), y_pred.astype("float32"),
            rng.uniform(0, 2, size=n).astype("float32"))


@pytest.mark.parametrize("thresholds", [None, 0.25, [0.1, 0.5, 0.9], [0.0, 0.5, 1.0]])
def test_counts_against_a_loop(thresholds):
    y_true, y_pred, weight = _data(1)
    listed = [0.5] if thresholds is None else np.atleast_1d(thresholds).tolist()
    want = _loop_counts(y_true, y_pred, weight, listed)
    names = ("TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives")
    for row, name in enumerate(names):
        metric = getattr(keras.metrics, name)(thresholds=thresholds)
        metric.update_state(y_true[:20], y_pred[:20], sample_weight=weight[:20])
        metric.update_state(y_true[20:], y_pred[20:], sample_weight=weight[20:])
        got = np.atleast_1d(metric.result())
        np.testing.assert_allclose(got, want[row], rtol=1e-6, err_msg=name)
        assert [v.name for v in metric.variables] == ["accumulator"]
        metric.reset_state()
        assert np.all(np.asarray(metric.result()) == 0)


RATES = {"SensitivityAtSpecificity": ("recall", "specificity"),
         "SpecificityAtSensitivity": ("specificity", "recall"),
         "PrecisionAtRecall": ("precision", "recall"),
         "RecallAtPrecision": ("recall", "precision")}


@pytest.mark.parametrize("cls,target,num_thresholds",
                         list(itertools.product(RATES, [0.0, 0.4, 0.8, 1.0],
                                                [1, 2, 5, 200])))
def test_rate_at_rate_against_a_loop(cls, target, num_thresholds):
    y_true, y_pred, weight = _data(2)
    thresholds = ([0.5] if num_thresholds == 1
                  else [k / (num_thresholds - 1) for k in range(num_thresholds)])
    tp, fp, tn, fn = _loop_counts(y_true, y_pred, weight, thresholds)
    ratio = lambda a, b: np.where(b > 0, a / np.where(b > 0, b, 1), 0)  # noqa: E731
    rates = {"recall": ratio(tp, tp + fn), "specificity": ratio(tn, tn + fp),
             "precision": ratio(tp, tp + fp)}
    wanted, constrained = RATES[cls]
    best = max([0.0] + [r for r, c in zip(rates[wanted], rates[constrained])
                        if c >= np.float32(target)])
    metric = getattr(keras.metrics, cls)(target, num_thresholds=num_thresholds)
    metric.update_state(y_true, y_pred, sample_weight=weight)
    assert float(metric.result()) == pytest.approx(best, rel=1e-5, abs=1e-6)


def test_rate_at_rate_by_hand_and_class_id():
    metric = keras.metrics.SpecificityAtSensitivity(0.5)
    metric.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    assert float(metric.result()) == pytest.approx(2 / 3)  # at 0.3 < t < 0.8
    column = keras.metrics.PrecisionAtRecall(1.0, class_id=1)
    column.update_state([[1, 0], [0, 1], [0, 1]], [[0.9, 0.2], [0.1, 0.6], [0.5, 0.4]])
    assert float(column.result()) == 1.0  # column 1: both positives above any t < 0.4
    assert column.get_config()["recall"] == 1.0 and column.get_config()["class_id"] == 1
    with pytest.raises(ValueError, match="recall=1.5"):
        keras.metrics.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match="num_thresholds=0"):
        keras.metrics.RecallAtPrecision(0.5, num_thresholds=0)


def test_sum_weights_and_shapes():
    total = keras.metrics.Sum()
    total.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(total.result()) == 4.0
    total.update_state([[1.0, 2.0], [3.0, 4.0]], sample_weight=[2.0, 0.5])  # rows summed
    assert float(total.result()) == 4.0 + 2 * 3 + 0.5 * 7
    total.reset_state()
    assert float(total.result()) == 0.0 and total.name == "sum"


def test_metrics_serialize_and_get():
    config = keras.metrics.serialize(keras.metrics.TruePositives(thresholds=[0.2], name="t"))
    assert config == {"module": "keras.metrics", "class_name": "TruePositives",
                      "config": {"name": "t", "dtype": "float32", "thresholds": [0.2]},
                      "registered_name": None}
    again = keras.metrics.get(config)
    assert type(again) is keras.metrics.TruePositives and again.thresholds == [0.2]
    assert type(keras.metrics.deserialize("mse")) is keras.metrics.MeanSquaredError
    assert keras.metrics.mean_squared_error is keras.losses.mean_squared_error
    with pytest.raises(ValueError):
        keras.metrics.deserialize("no_such_metric")
