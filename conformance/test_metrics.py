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


@pytest.mark.parametrize("values_shape,weight_shape", [((6,), None), ((6,), (6,)),
                                                       ((6, 3), (6,)), ((6, 3), (6, 3)),
                                                       ((6, 3, 2), (6, 1)), ((), None)])
def test_sum(values_shape, weight_shape):
    """Sum over three batches: values times weights (weights broadcast, values summed over
    the axes the weights lack), against keras.metrics.Sum and a float64 sum."""
    harness.note("Sum", "float32", "metric")
    rng = np.random.default_rng(harness.seed_of("sum", values_shape, weight_shape))
    km, tf_metric, exact = kerasmini.metrics.Sum(), keras.metrics.Sum(), 0.0
    for _ in range(3):
        values = rng.normal(size=values_shape).astype("float32")
        weight = None if weight_shape is None else rng.uniform(
            0, 2, size=weight_shape).astype("float32")
        for metric in (km, tf_metric):
            metric.update_state(values, sample_weight=weight)
        weighted = np.float64(values) * (1 if weight is None else np.float64(weight)[
            (...,) + (None,) * (len(values_shape) - len(weight_shape))])
        exact += np.sum(weighted)
    got, tf_value = float(km.result()), float(tf_metric.result())
    assert abs(tf_value - exact) <= 1e-5 * (1 + abs(exact)), (tf_value, exact)
    assert abs(got - exact) <= 1e-5 * (1 + abs(exact)), (got, exact, tf_value)
    assert [v.name for v in km.variables] == [v.name for v in tf_metric.variables]


ALIASES = ["binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
           "categorical_focal_crossentropy", "huber", "kl_divergence", "mean_absolute_error",
           "mean_squared_error", "sparse_categorical_crossentropy", "poisson", "hinge"]


@pytest.mark.parametrize("name", ALIASES)
def test_loss_functions_reexported(name):
    """keras.metrics.<fn> is keras.losses.<fn>: the same holds in kerasmini, and its
    value on a batch is tf.keras's."""
    assert getattr(keras.metrics, name) is getattr(keras.losses, name)
    assert getattr(kerasmini.metrics, name) is getattr(kerasmini.losses, name)
    rng = np.random.default_rng(harness.seed_of("alias", name))
    p = rng.dirichlet(np.ones(4), size=6).astype("float32")
    t = (rng.integers(0, 4, size=6) if name.startswith("sparse")
         else np.eye(4, dtype="float32")[rng.integers(0, 4, size=6)])
    got = np.asarray(getattr(kerasmini.metrics, name)(t, p))
    want = np.asarray(getattr(keras.metrics, name)(t, p))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("identifier", [
    "mse", "MAE", "auc", "Sum", "true_positives",
    {"class_name": "PrecisionAtRecall", "config": {"recall": 0.4, "num_thresholds": 9}},
    "binary_crossentropy", "sparse_top_k_categorical_accuracy",
    {"class_name": "Precision", "config": {"thresholds": [0.3, 0.6], "name": "p"}},
    {"module": "keras.metrics", "class_name": "FalseNegatives",
     "config": {"thresholds": 0.2, "name": "fn", "dtype": "float32"},
     "registered_name": None}])
def test_serialize_deserialize(identifier):
    """deserialize gives the class tf.keras gives, with the same config; serialize of it
    gives tf.keras's dict, and deserializing that again gives the same config."""
    km, tf_metric = (kerasmini.metrics.deserialize(identifier),
                     keras.metrics.deserialize(identifier))
    assert type(km).__name__ == type(tf_metric).__name__
    km_config, tf_config = km.get_config(), tf_metric.get_config()
    if isinstance(identifier, str):  # default names are numbered in each session
        km_config.pop("name"), tf_config.pop("name")
    elif "name" not in identifier["config"]:  # a default name: compare it without its number
        km_config["name"], tf_config["name"] = (harness.name_base(km_config["name"]),
                                                harness.name_base(tf_config["name"]))
    assert km_config == tf_config
    km_dict, tf_dict = kerasmini.metrics.serialize(km), keras.metrics.serialize(tf_metric)
    km_dict["config"].pop("name"), tf_dict["config"].pop("name")
    assert km_dict == tf_dict
    assert kerasmini.metrics.get(kerasmini.metrics.serialize(km)).get_config() == \
        km.get_config()


def test_serialize_function():
    for name in ("mean_squared_error", "binary_accuracy"):
        fn, tf_fn = getattr(kerasmini.metrics, name), getattr(keras.metrics, name)
        assert kerasmini.metrics.serialize(fn) == keras.metrics.serialize(tf_fn)


@pytest.mark.parametrize("cls,args", [
    ("SensitivityAtSpecificity", {"specificity": 1.5}),
    ("SpecificityAtSensitivity", {"sensitivity": -0.1}),
    ("PrecisionAtRecall", {"recall": 0.5, "num_thresholds": 0}),
    ("RecallAtPrecision", {"precision": 2}),
    ("TruePositives", {"thresholds": [0.5, 1.5]}),
    ("FalsePositives", {"thresholds": -1.0})])
def test_bad_arguments(cls, args):
    with pytest.raises(Exception) as tf_error:
        getattr(keras.metrics, cls)(**args)
    with pytest.raises(type(tf_error.value)) as km_error:
        getattr(kerasmini.metrics, cls)(**args)
    assert str(km_error.value) == str(tf_error.value)
