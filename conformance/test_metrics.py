"""Metrics: kerasmini vs keras.metrics over three batches (with sample weights, ties and
a class that never occurs), and "accuracy" resolved from the shapes as compile does.
Results are ratios of float32 sums of 0/1 hits (or of squared errors): float32 rtol 1e-6,
with the exact ratio (float64, computed here from the hits) as the reference."""
import numpy as np
import pytest

from conformance import harness
from conformance.harness import keras

import kerasmini

N, C = 8, 5


def _batches(kind, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(3):
        p = rng.dirichlet(np.ones(C), size=N).astype("float32")
        p[0] = [0.3, 0.3, 0.2, 0.1, 0.1]        # a tie for first place
        p[1] = [0.2, 0.2, 0.2, 0.2, 0.2]        # all tied
        labels = rng.integers(0, C - 1, size=N)  # class C-1 never occurs
        w = rng.uniform(0, 2, size=N).astype("float32")
        w[2] = 0.0
        if kind == "sparse":
            out.append((labels, p, w))
        elif kind == "sparse_column":
            out.append((labels[:, None], p, w))
        elif kind == "onehot":
            out.append((np.eye(C, dtype="float32")[labels], p, w))
        elif kind == "binary":
            out.append((rng.integers(0, 2, size=(N, 1)).astype("float32"),
                        np.concatenate([[[0.5]], rng.uniform(size=(N - 1, 1))]).astype(
                            "float32"), w))
        elif kind == "regression":
            out.append((rng.normal(size=(N, 3)).astype("float32"),
                        rng.normal(size=(N, 3)).astype("float32"), w))
    return out


CASES = [("CategoricalAccuracy", {}, "onehot"),
         ("SparseCategoricalAccuracy", {}, "sparse"),
         ("SparseCategoricalAccuracy", {}, "sparse_column"),
         ("BinaryAccuracy", {}, "binary"), ("BinaryAccuracy", {"threshold": 0.3}, "binary"),
         ("TopKCategoricalAccuracy", {"k": 2}, "onehot"),
         ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
         ("SparseTopKCategoricalAccuracy", {}, "sparse"),
         ("MeanSquaredError", {}, "regression"), ("MeanAbsoluteError", {}, "regression"),
         ("Accuracy", {}, "sparse")]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cls,args,kind", CASES)
def test_metric(cls, args, kind, weighted):
    harness.note(cls, "float32", "metric")
    batches = _batches(kind, harness.seed_of(cls, kind))
    if cls == "Accuracy":  # exact equality of values: compare labels with argmax labels
        batches = [(t, np.argmax(p, -1), w) for t, p, w in batches]
    km, tf_metric = getattr(kerasmini.metrics, cls)(**args), getattr(keras.metrics,
                                                                      cls)(**args)
    hits, weights = [], []
    for t, p, w in batches:
        sw = w if weighted else None
        km.update_state(t, p, sample_weight=sw)
        tf_metric.update_state(t, p, sample_weight=sw)
        fn = getattr(kerasmini.metrics, cls)(**args)._fn
        hits.append(np.asarray(fn(t, p, **args), np.float64).reshape(N, -1).mean(-1))
        weights.append(w if weighted else np.ones(N))
    exact = np.sum(np.concatenate(hits) * np.concatenate(weights)) / np.sum(
        np.concatenate(weights))
    got, tf_value = float(km.result()), float(tf_metric.result())
    assert abs(tf_value - exact) <= 1e-6 * max(1.0, abs(exact)), (cls, tf_value, exact)
    assert abs(got - exact) <= 1e-6 * max(1.0, abs(exact)), (cls, got, exact, tf_value)
    km.reset_state()
    assert float(km.result()) == 0.0


@pytest.mark.parametrize("t_shape,p_shape", [((8,), (8, 5)), ((8, 1), (8, 5)),
                                             ((8, 5), (8, 5)), ((8, 1), (8, 1)),
                                             ((8,), (8, 1)), ((8, 3, 1), (8, 3, 4))])
def test_accuracy_resolution(t_shape, p_shape):
    from keras.src.trainers.compile_utils import get_metric
    tf_metric = get_metric("accuracy", np.zeros(t_shape), np.zeros(p_shape))
    km_metric = kerasmini.metrics.get_metric("accuracy", t_shape, p_shape)
    assert type(km_metric).__name__ == type(tf_metric).__name__
    assert km_metric.name == tf_metric.name == "accuracy"
    for name in ("mse", "categorical_accuracy", "sparse_top_k_categorical_accuracy"):
        tf_named = get_metric(name, np.zeros(t_shape), np.zeros(p_shape))
        km_named = kerasmini.metrics.get_metric(name, t_shape, p_shape)
        assert (type(km_named).__name__, km_named.name) == (type(tf_named).__name__,
                                                            tf_named.name)
    with pytest.raises(ValueError, match="Could not interpret metric identifier: acuracy"):
        kerasmini.metrics.get_metric("acuracy", t_shape, p_shape)


# ----- loss-valued metrics: a float64 reference of each per-sample value ----------------
def _signed(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def _unit(x):
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-300)


PER_SAMPLE = {
    "MeanAbsolutePercentageError": lambda t, p: 100 * np.mean(
        np.abs(t - p) / np.maximum(np.abs(t), 1e-7), -1),
    "MeanSquaredLogarithmicError": lambda t, p: np.mean(
        (np.log(1 + np.maximum(p, 1e-7)) - np.log(1 + np.maximum(t, 1e-7))) ** 2, -1),
    "LogCoshError": lambda t, p: np.mean(np.log(np.cosh(p - t)), -1),
    "CosineSimilarity": lambda t, p: np.sum(_unit(t) * _unit(p), -1),
    "Hinge": lambda t, p: np.mean(np.maximum(1 - _signed(t) * p, 0), -1),
    "SquaredHinge": lambda t, p: np.mean(np.maximum(1 - _signed(t) * p, 0) ** 2, -1),
    "CategoricalHinge": lambda t, p: np.maximum(
        np.max((1 - t) * p, -1) - np.sum(t * p, -1) + 1, 0),
    "RootMeanSquaredError": lambda t, p: np.mean((p - t) ** 2, -1),
    "Poisson": lambda t, p: np.mean(p - t * np.log(p + 1e-7), -1),
}
LOSS_CASES = [("MeanAbsolutePercentageError", {}, "regression"),
              ("MeanSquaredLogarithmicError", {}, "positive"),
              ("RootMeanSquaredError", {}, "regression"),
              ("LogCoshError", {}, "regression"), ("CosineSimilarity", {}, "regression"),
              ("Hinge", {}, "binary"), ("SquaredHinge", {}, "signed"),
              ("CategoricalHinge", {}, "onehot"),
              ("BinaryCrossentropy", {}, "binary"),
              ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.2},
               "binary"),
              ("CategoricalCrossentropy", {}, "onehot"), ("KLDivergence", {}, "onehot"),
              ("Poisson", {}, "positive"),
              ("CategoricalCrossentropy", {"label_smoothing": 0.1}, "onehot"),
              ("SparseCategoricalCrossentropy", {}, "sparse"),
              ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse")]
CROSSENTROPY = {"KLDivergence": "kld", "BinaryCrossentropy": "bce", "CategoricalCrossentropy": "cce",
                "SparseCategoricalCrossentropy": "scce"}


def _loss_batches(kind, seed):
    if kind in ("positive", "signed"):
        rng = np.random.default_rng(seed)
        t = rng.uniform(0, 3, size=(3, N, 3))
        p = rng.uniform(0, 3, size=(3, N, 3))
        p[:, 0] = 0.0  # log(1 + max(0, eps)): the floor
        if kind == "signed":
            t, p = np.sign(t - 1.5), p - 1.5
        w = rng.uniform(0, 2, size=(3, N))
        return [(a.astype("float32"), b.astype("float32"), c.astype("float32"))
                for a, b, c in zip(t, p, w)]
    batches = _batches(kind, seed)
    if kind == "regression":  # a zero target (mape's epsilon floor), a zero prediction
        batches[0][0][0] = 0.0
        batches[1][1][1] = 0.0
    return batches


def _reference_values(cls, args, t, p):
    t, p = np.asarray(t, np.float64), np.asarray(p, np.float64)
    if cls in CROSSENTROPY:
        from conformance import reference_losses
        return reference_losses.per_sample(CROSSENTROPY[cls], t, p, args, "float32")
    return PER_SAMPLE[cls](t.reshape(p.shape) if t.size == p.size else t, p)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cls,args,kind", LOSS_CASES)
def test_loss_valued_metric(cls, args, kind, weighted):
    harness.note(cls, "float32", "metric")
    batches = _loss_batches(kind, harness.seed_of(cls, str(args), kind))
    km, tf_metric = getattr(kerasmini.metrics, cls)(**args), getattr(keras.metrics,
                                                                      cls)(**args)
    total = count = 0.0
    for t, p, w in batches:
        sw = w if weighted else None
        km.update_state(t, p, sample_weight=sw)
        tf_metric.update_state(t, p, sample_weight=sw)
        weights = np.asarray(w if weighted else np.ones(N), np.float64)
        total += np.sum(_reference_values(cls, args, t, p) * weights)
        count += np.sum(weights)
    exact = total / count
    if cls == "RootMeanSquaredError":
        exact = np.sqrt(exact)
    got, tf_value = float(km.result()), float(tf_metric.result())
    tolerance = 1e-5 * max(1.0, abs(exact))
    assert abs(tf_value - exact) <= tolerance, (cls, args, tf_value, exact)
    assert abs(got - exact) <= tolerance, (cls, args, got, exact, tf_value)
    km.reset_state()
    assert float(km.result()) == 0.0


def test_sparse_top_k_from_sorted_ids():
    """Targets sought among the first k of ids sorted best first: repeated ids, a target
    beyond k, (n, 1) targets; against keras.metrics and a loop over rows."""
    rng = np.random.default_rng(harness.seed_of("from_sorted_ids"))
    ids = rng.integers(0, 6, size=(3, 20, 4))
    ids[0, :5] = ids[0, :5, :1]  # rows of one repeated id
    labels = rng.integers(0, 6, size=(3, 20, 1))
    km = kerasmini.metrics.SparseTopKCategoricalAccuracy(k=3, from_sorted_ids=True)
    tf_metric = keras.metrics.SparseTopKCategoricalAccuracy(k=3, from_sorted_ids=True)
    for t, p in zip(labels, ids):
        km.update_state(t, p)
        tf_metric.update_state(t, p)
    exact = np.mean([label in row[:3] for t, p in zip(labels, ids)
                     for label, row in zip(t[:, 0], p)])
    assert abs(float(tf_metric.result()) - exact) < 1e-6
    assert abs(float(km.result()) - exact) < 1e-6
    assert km.get_config() == tf_metric.get_config()
