"""F1Score, FBetaScore and R2Score: kerasmini vs keras.metrics vs a float64 reference, over
three update_state calls, with and without sample weights, on edge inputs: a class never
present, a class never predicted, an all-zero prediction row (threshold None predicts no
class there), scores exactly on 0.5 (Keras: positive only when strictly above), and for
R2 a constant target column (SS_tot = 0: Keras reports 0 for that column).

The reference is the definition in float64, 0 where a ratio's denominator is 0 (what
Keras's epsilon guards amount to). Tolerance: float32 sums of <= 48 terms, rtol 1e-5,
atol 1e-6 (epsilon 1e-7 in Keras's denominators moves the score by less).
"""
import numpy as np
import pytest

from conformance import harness
from conformance.harness import keras

import kerasmini

N, C, BATCHES = 16, 4, 3


def _classification_batches(seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(BATCHES):
        t = (rng.uniform(size=(N, C)) > 0.5).astype("float32")
        t[:, 3] = 0.0                       # class 3 never present
        p = rng.uniform(size=(N, C)).astype("float32")
        p[:, 2] = np.minimum(p[:, 2], 0.4)  # class 2 never above 0.5
        p[0] = 0.0                          # no class predicted (threshold None)
        p[1, :2] = 0.5                      # ties on the threshold
        w = rng.uniform(0, 2, size=N).astype("float32")
        w[3] = 0.0
        out.append((t, p, w))
    return out


def _regression_batches(seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(BATCHES):
        t = rng.normal(size=(N, 3)).astype("float32")
        t[:, 2] = 2.0                       # constant column: SS_tot = 0
        p = (t + rng.normal(scale=0.5, size=(N, 3))).astype("float32")
        w = rng.uniform(0, 2, size=N).astype("float32")
        out.append((t, p, w))
    return out


def _ratio(a, b):
    return np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)


def fbeta_reference(args, batches, weighted):
    beta, threshold = args.get("beta", 1.0), args.get("threshold")
    tp = fp = fn = support = 0.0
    for t, p, w in batches:
        t, p = np.float64(t), np.float64(p)
        if threshold is None:
            hit = (p == p.max(axis=1, keepdims=True)) & (np.abs(p) > 1e-9)
        else:
            hit = p > threshold
        weight = np.float64(w)[:, None] if weighted else np.ones((N, 1))
        tp = tp + np.sum(hit * t * weight, axis=0)
        fp = fp + np.sum(hit * (1 - t) * weight, axis=0)
        fn = fn + np.sum(~hit * t * weight, axis=0)
        support = support + np.sum(t * weight, axis=0)
    average = args.get("average")
    if average == "micro":
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    score = (1 + beta ** 2) * _ratio(precision * recall, beta ** 2 * precision + recall)
    if average == "weighted":
        return np.sum(score * support) / np.sum(support)
    return score if average is None else np.mean(score)


def r2_reference(args, batches, weighted):
    t = np.concatenate([np.float64(b[0]) for b in batches])
    p = np.concatenate([np.float64(b[1]) for b in batches])
    w = (np.concatenate([np.float64(b[2]) for b in batches]) if weighted
         else np.ones(len(t)))[:, None]
    mean = np.sum(w * t, axis=0) / np.sum(w, axis=0)
    ss_tot = np.sum(w * (t - mean) ** 2, axis=0)
    ss_res = np.sum(w * (t - p) ** 2, axis=0)
    raw = np.where(ss_tot > 0, 1 - ss_res / np.where(ss_tot > 0, ss_tot, 1), 0.0)
    aggregation = args.get("class_aggregation", "uniform_average")
    score = (np.mean(raw) if aggregation == "uniform_average" else
             np.sum(ss_tot * raw) / np.sum(ss_tot) if aggregation else raw)
    n, k = t.size, args.get("num_regressors", 0)
    return 1 - (1 - score) * (n - 1) / (n - k - 1) if 0 < k < n - 1 else score


CASES = [("F1Score", {}), ("F1Score", {"threshold": 0.5}),
         ("F1Score", {"average": "macro"}), ("F1Score", {"average": "micro",
                                                         "threshold": 0.5}),
         ("F1Score", {"average": "weighted", "threshold": 0.5}),
         ("FBetaScore", {"beta": 2.0, "threshold": 0.5}),
         ("FBetaScore", {"beta": 0.5, "average": "macro"}),
         ("FBetaScore", {"beta": 2.0, "average": "weighted"}),
         ("R2Score", {}), ("R2Score", {"class_aggregation": None}),
         ("R2Score", {"class_aggregation": "variance_weighted_average"}),
         ("R2Score", {"num_regressors": 5})]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cls,args", CASES)
def test_fscore_r2(cls, args, weighted):
    harness.note(cls, "float32", "metric")
    seed = harness.seed_of(cls, str(args))
    regression = cls == "R2Score"
    batches = (_regression_batches if regression else _classification_batches)(seed)
    km, tf_metric = getattr(kerasmini.metrics, cls)(**args), getattr(keras.metrics,
                                                                      cls)(**args)
    for t, p, w in batches:
        for metric in (km, tf_metric):
            metric.update_state(t, p, sample_weight=w if weighted else None)
    exact = (r2_reference if regression else fbeta_reference)(args, batches, weighted)
    got, tf_value = np.asarray(km.result()), np.asarray(tf_metric.result())
    assert got.shape == tf_value.shape == np.shape(exact) and got.dtype == np.float32
    where = (cls, args, weighted)
    assert np.allclose(tf_value, exact, rtol=1e-5, atol=1e-6), (where, tf_value, exact)
    assert np.allclose(got, exact, rtol=1e-5, atol=1e-6), (where, got, exact, tf_value)
    assert [v.name for v in km.variables] == [v.name for v in tf_metric.variables]
    assert [v.shape for v in km.variables] == [tuple(v.shape) for v in tf_metric.variables]
    assert km.get_config() == tf_metric.get_config()
    km.reset_state()
    assert all(np.all(v.value == 0) for v in km.variables)


@pytest.mark.parametrize("cls,args", [
    ("FBetaScore", {"beta": 1}), ("FBetaScore", {"beta": -1.0}),
    ("F1Score", {"average": "samples"}), ("F1Score", {"threshold": 1}),
    ("F1Score", {"threshold": 0.0}), ("F1Score", {"threshold": 1.5}),
    ("R2Score", {"class_aggregation": "mean"}), ("R2Score", {"num_regressors": -1})])
def test_fscore_r2_bad_arguments(cls, args):
    with pytest.raises(ValueError) as tf_error:
        getattr(keras.metrics, cls)(**args)
    with pytest.raises(type(tf_error.value)) as error:
        getattr(kerasmini.metrics, cls)(**args)
    name = next(iter(args))
    assert f"{name}=" in str(error.value)


@pytest.mark.parametrize("name", ["f1_score", "F1Score", "f_beta_score", "r2_score"])
def test_fscore_r2_by_name(name):
    km, tf_metric = kerasmini.metrics.get(name), keras.metrics.get(name)
    assert type(km).__name__ == type(tf_metric).__name__
    assert km.name == tf_metric.name
