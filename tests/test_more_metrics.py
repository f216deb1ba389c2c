"""AUC, Precision, Recall and the loss-valued metrics without TensorFlow: values worked by
hand, the two ways of counting (buckets, comparisons) against a loop, errors, configs."""
import numpy as np
import pytest

import kerasmini as keras
from kerasmini.metrics.confusion_counts import confusion_counts


def test_precision_and_recall_by_hand():
    # scores above 0.5: index 0 (a negative) and index 2 (a positive); 0.5 itself is not
    y_true, y_pred = [0, 1, 1, 0], [0.6, 0.5, 0.9, 0.2]
    precision, recall = keras.metrics.Precision(), keras.metrics.Recall()
    for metric in (precision, recall):
        metric.update_state(y_true, y_pred)
    assert float(precision.result()) == 0.5 and float(recall.result()) == 0.5
    precision.update_state([1], [0.7], sample_weight=[2.0])  # tp 1 + 2, fp 1
    assert float(precision.result()) == pytest.approx(3 / 4)
    assert [v.name for v in precision.variables] == ["true_positives", "false_positives"]
    assert [v.name for v in recall.variables] == ["true_positives", "false_negatives"]
    several = keras.metrics.Recall(thresholds=[0.1, 0.55, 0.95])
    several.update_state(y_true, y_pred)
    np.testing.assert_allclose(several.result(), [1.0, 0.5, 0.0])


def test_top_k_and_class_id_by_hand():
    y_true = [[0, 1, 1], [1, 0, 0]]
    y_pred = [[0.9, 0.8, 0.1], [0.7, 0.6, 0.65]]
    top1 = keras.metrics.Precision(top_k=1)  # kept: 0.9 (a negative), 0.7 (a positive)
    top1.update_state(y_true, y_pred)
    assert float(top1.result()) == 0.5
    column = keras.metrics.Recall(class_id=1)  # column 1: one positive, scored 0.8
    column.update_state(y_true, y_pred)
    assert float(column.result()) == 1.0
    with pytest.raises(ValueError, match="class_id"):
        keras.metrics.Recall(class_id=0).update_state([1, 0], [0.3, 0.8])


def test_roc_auc_by_hand():
    # 3 thresholds: -eps (all positive), 0.5, 1 + eps (none). (fpr, tpr) = (1, 1),
    # (0.5, 0.5), (0, 0): trapezoids 0.5 * 0.75 + 0.5 * 0.25 = 0.5
    auc = keras.metrics.AUC(num_thresholds=3)
    auc.update_state([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    assert float(auc.result()) == pytest.approx(0.5)
    separated = keras.metrics.AUC()
    separated.update_state([0, 0], [0.1, 0.2])
    separated.update_state([1, 1], [0.8, 0.9])  # accumulated over two calls
    assert float(separated.result()) == pytest.approx(1.0)
    one_class = keras.metrics.AUC()
    one_class.update_state([0, 0, 0], [0.1, 0.5, 0.9])
    assert float(one_class.result()) == 0.0  # no positives: recall is 0 everywhere
    assert [v.shape for v in auc.variables] == [(3,)] * 4
    auc.reset_state()
    assert float(auc.result()) == 0.0


def test_multi_label_auc_averages_labels_and_builds_lazily():
    auc = keras.metrics.AUC(multi_label=True, label_weights=[3.0, 1.0])
    assert auc.variables == []
    auc.update_state([[1, 0], [0, 1]], [[0.9, 0.9], [0.1, 0.1]])  # label 0: 1, label 1: 0
    assert [v.shape for v in auc.variables] == [(200, 2)] * 4
    assert float(auc.result()) == pytest.approx(3 / 4)


def _loop_counts(labels, scores, weights, thresholds):
    tp = np.zeros(len(thresholds))
    fp = np.zeros(len(thresholds))
    for i, threshold in enumerate(thresholds):
        for label, score, weight in zip(labels, scores, weights):
            if score > threshold:
                tp[i] += weight * label
                fp[i] += weight * (1 - label)
    return tp, fp


@pytest.mark.parametrize("evenly", [True, False])
def test_bucket_and_comparison_counts_match_a_loop(evenly):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=50).astype("float64")
    scores = rng.uniform(0.01, 0.99, size=50)  # clear of the thresholds 0, 0.1, ... 1
    scores[np.isclose(scores * 10, np.round(scores * 10), atol=1e-6)] = 0.55
    weights = rng.uniform(0, 2, size=50)
    thresholds = list(np.linspace(0, 1, 11))
    counts = confusion_counts(labels, scores, weights, thresholds, evenly)
    tp, fp = _loop_counts(labels, scores, weights, thresholds)
    np.testing.assert_allclose(counts["tp"], tp, rtol=1e-12)
    np.testing.assert_allclose(counts["fp"], fp, rtol=1e-12)
    np.testing.assert_allclose(counts["fn"], np.sum(weights * labels) - tp, rtol=1e-12,
                               atol=1e-12 * np.sum(weights))  # a difference of sums


@pytest.mark.parametrize("make,match", [
    (lambda: keras.metrics.Precision(thresholds=[0.5, 1.5]), r"\[0, 1\]. Received: \[1.5\]"),
    (lambda: keras.metrics.AUC(curve="ROCK"), 'curve value: "ROCK"'),
    (lambda: keras.metrics.AUC(summation_method="trapezoid"), 'method value: "trapezoid"'),
    (lambda: keras.metrics.AUC(num_thresholds=1), "num_thresholds=1"),
    (lambda: keras.metrics.AUC(num_labels=3), "num_labels")])
def test_bad_arguments_name_the_argument(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("cls,args", [
    ("AUC", {"curve": "pr", "summation_method": "Minoring", "num_thresholds": 11}),
    ("AUC", {"thresholds": [0.7, 0.2], "multi_label": True, "label_weights": [1, 2]}),
    ("Precision", {"thresholds": [0.2, 0.4], "class_id": 1}), ("Recall", {"top_k": 2}),
    ("CosineSimilarity", {"axis": 0}), ("CategoricalCrossentropy", {"label_smoothing": 0.1}),
    ("RootMeanSquaredError", {})])
def test_config_round_trip(cls, args):
    metric = getattr(keras.metrics, cls)(**args)
    again = type(metric).from_config(metric.get_config())
    assert again.get_config() == metric.get_config()


def test_loss_valued_metrics_by_hand():
    rmse = keras.metrics.RootMeanSquaredError()
    rmse.update_state([0.0, 0.0], [3.0, 4.0])
    assert float(rmse.result()) == pytest.approx(np.sqrt(12.5))
    mape = keras.metrics.get("mape")
    mape.update_state([[2.0, 4.0]], [[1.0, 5.0]])  # 100 * mean(1/2, 1/4)
    assert float(mape.result()) == pytest.approx(37.5)
    hinge = keras.metrics.Hinge()  # labels 0/1 -> -1/1: max(1.3, 0), max(1.2, 0)
    hinge.update_state([[0.0, 1.0]], [[0.3, -0.2]])
    assert float(hinge.result()) == pytest.approx(1.25)
    cosine = keras.metrics.CosineSimilarity()
    cosine.update_state([[1.0, 0.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]])  # 1/sqrt2, 0
    assert float(cosine.result()) == pytest.approx(np.sqrt(0.5) / 2, rel=1e-6)
    logcosh = keras.metrics.LogCoshError()
    logcosh.update_state([[0.0]], [[100.0]])  # log cosh(100) = 100 - log 2, no overflow
    assert float(logcosh.result()) == pytest.approx(100 - np.log(2))


def test_fit_logs_keras_names():
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, "sigmoid")])
    model.compile("sgd", "binary_crossentropy",
                  metrics=["AUC", "precision", "recall",
                           keras.metrics.Precision(thresholds=[0.3, 0.7], name="p2")])
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0, validation_split=0.25)
    assert sorted(history.history) == ["AUC", "loss", "p2", "precision", "recall",
                                       "val_AUC", "val_loss", "val_p2", "val_precision",
                                       "val_recall"]
    assert history.history["p2"][0].shape == (2,)
