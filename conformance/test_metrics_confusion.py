"""AUC, Precision, Recall, the four confusion counts (TruePositives, ...) and the rate at
a rate (SensitivityAtSpecificity, PrecisionAtRecall, ...): kerasmini vs keras.metrics vs a float64 reference, over three
update_state calls, on edge inputs: scores exactly on a threshold (a tie: Keras counts a
score as positive only when it is strictly above), scores of exactly 0 and 1, out of
[0, 1] (the evenly-spaced path clips), one class only, zero sample weights.

The reference counts in float64 with the definition (score > threshold), then integrates:
ROC and PR-with-Riemann sums by the trapezoid/min/max rule, the interpolated PR curve by
numerical integration of precision along the straight tp(p) line between two thresholds
(Davis & Goadrich), not with Keras's closed form. Ties are placed only where threshold and
score are exact in float32 and float64 (k / (T - 1) with T - 1 a power of two, 0, 1).
Tolerance: float32 sums of up to 48 weights: rtol 1e-5, atol 1e-6.
"""
import numpy as np
import pytest

from conformance import harness
from conformance.harness import keras

import kerasmini

N, BATCHES, EPS = 16, 3, 1e-7


def _batches(kind, labels_of, seed, width=None):
    rng = np.random.default_rng(seed)
    out = []
    shape = (N,) if width is None else (N, width)
    for _ in range(BATCHES):
        p = rng.uniform(size=shape)
        flat = p.reshape(-1)
        flat[:8] = [0.0, 1.0, 0.5, 0.25, 0.75, 0.5, 0.0, 1.0]  # ties and the ends
        if kind == "outside":
            flat[8:10] = [-0.5, 1.5]
        if kind == "logits":
            p = rng.normal(scale=3, size=shape)
        t = labels_of(rng, shape)
        w = rng.uniform(0, 2, size=N)
        w[3] = 0.0
        out.append((t.astype("float32"), p.astype("float32"), w.astype("float32")))
    return out


LABELS = {"mixed": lambda rng, s: rng.integers(0, 2, size=s),
          "all_positive": lambda rng, s: np.ones(s),
          "all_negative": lambda rng, s: np.zeros(s),
          "soft": lambda rng, s: rng.choice([0.0, 0.3, 1.0], size=s)}  # nonzero is positive
LABELS["outside"] = LABELS["logits"] = LABELS["mixed"]  # scores out of [0, 1], logits


def _counts(batches, thresholds, weighted, clip, top_k=None, class_id=None,
            column_weights=1.0):
    """float64 tp, fp, tn, fn at each threshold (rows) per label column, by definition."""
    thresholds = np.asarray(thresholds, np.float64)
    tp = fp = tn = fn = 0.0
    for t, p, w in batches:
        t, p = np.asarray(t, np.float64), np.asarray(p, np.float64)
        if top_k is not None:
            p = _keep_top_k(p, top_k)
        if class_id is not None:
            t, p = t[:, class_id], p[:, class_id]
        p = np.clip(p, 0, 1) if clip else p
        t, p = t.reshape(N, -1), p.reshape(N, -1)
        weight = (np.asarray(w, np.float64) if weighted else np.ones(N))[:, None]
        weight = weight * np.asarray(column_weights, np.float64)
        above = p[None] > thresholds[:, None, None]          # (T, N, labels)
        positive = (t != 0)[None]
        tp = tp + np.sum((above & positive) * weight, axis=1)
        fp = fp + np.sum((above & ~positive) * weight, axis=1)
        tn = tn + np.sum((~above & ~positive) * weight, axis=1)
        fn = fn + np.sum((~above & positive) * weight, axis=1)
    return tp, fp, tn, fn


def _keep_top_k(p, k):
    out = np.full_like(p, -1e10)
    for row in range(p.shape[0]):
        order = sorted(range(p.shape[1]), key=lambda j: (-p[row, j], j))[:k]
        out[row, order] = p[row, order]
    return out


def _ratio(a, b):
    return np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)


def _auc(tp, fp, tn, fn, curve, method):
    """Area per label column, by the trapezoid/min/max rule or (PR, interpolation) by
    integrating precision = tp(p) / p over recall along each segment numerically."""
    if curve == "PR" and method == "interpolation":
        return np.array([_interpolated_pr(tp[:, j], fp[:, j], fn[:, j])
                         for j in range(tp.shape[1])])
    recall = _ratio(tp, tp + fn)
    x, y = (_ratio(fp, fp + tn), recall) if curve == "ROC" else (recall,
                                                                 _ratio(tp, tp + fp))
    pair = {"interpolation": lambda a, b: (a + b) / 2, "minoring": np.minimum,
            "majoring": np.maximum}[method]
    return np.sum((x[:-1] - x[1:]) * pair(y[:-1], y[1:]), axis=0)


def _interpolated_pr(tp, fp, fn):
    area, total = 0.0, tp + fn
    for i in range(len(tp) - 1):
        p_hi, p_lo = tp[i] + fp[i], tp[i + 1] + fp[i + 1]
        if p_hi <= p_lo or total[i + 1] <= 0:
            continue
        slope = (tp[i] - tp[i + 1]) / (p_hi - p_lo)
        grid = p_lo + (np.arange(20000) + 0.5) * (p_hi - p_lo) / 20000  # midpoints
        precision = (tp[i + 1] + slope * (grid - p_lo)) / grid
        area += np.sum(precision) * slope * (p_hi - p_lo) / 20000 / total[i + 1]
    return area


def _auc_thresholds(args):
    if "thresholds" in args:
        return [-EPS] + sorted(args["thresholds"]) + [1 + EPS]
    count = args.get("num_thresholds", 200)
    return [-EPS] + [(i + 1) / (count - 1) for i in range(count - 2)] + [1 + EPS]


def reference(cls, args, batches, weighted):
    if cls == "AUC":
        scored = batches
        if args.get("from_logits"):
            scored = [(t, 1 / (1 + np.exp(-np.float64(p))), w) for t, p, w in batches]
        multi, weights = args.get("multi_label", False), args.get("label_weights")
        counts = _counts(scored, _auc_thresholds(args), weighted, clip=True,
                         column_weights=1.0 if multi or weights is None else weights)
        if not multi:  # one pool of all labels, each weighted by its label weight
            counts = tuple(c.sum(axis=1, keepdims=True) for c in counts)
        areas = _auc(*counts, args.get("curve", "ROC"),
                     args.get("summation_method", "interpolation"))
        if not multi or weights is None:
            return areas.mean()
        return np.sum(areas * weights) / np.sum(weights)
    if cls in OPERATING_POINTS:
        return _rate_at_rate(cls, args, batches, weighted)
    default = 0.5 if args.get("top_k") is None else -1e10
    thresholds = args.get("thresholds", [default])
    thresholds = [thresholds] if np.isscalar(thresholds) else thresholds
    clip = "thresholds" in args and len(thresholds) >= 3 and np.allclose(
        thresholds, np.linspace(0, 1, len(thresholds)))
    tp, fp, tn, fn = (c.sum(axis=1) for c in _counts(batches, thresholds, weighted, clip,
                                                     args.get("top_k"),
                                                     args.get("class_id")))
    value = {"TruePositives": tp, "FalsePositives": fp, "TrueNegatives": tn,
             "FalseNegatives": fn}.get(cls)
    if value is None:
        value = _ratio(tp, tp + (fp if cls == "Precision" else fn))
    return value[0] if len(thresholds) == 1 else value


# the metric -> (the rate it returns, the rate its first argument constrains)
OPERATING_POINTS = {"SensitivityAtSpecificity": ("recall", "specificity"),
                    "SpecificityAtSensitivity": ("specificity", "recall"),
                    "PrecisionAtRecall": ("precision", "recall"),
                    "RecallAtPrecision": ("recall", "precision")}


def _rate_at_rate(cls, args, batches, weighted):
    """The largest wanted rate over the thresholds where the constrained one reaches
    the target (0 if none does), thresholds k / (T - 1) over [0, 1], or 0.5 for T = 1."""
    count = args.get("num_thresholds", 200)
    thresholds = [0.5] if count == 1 else [k / (count - 1) for k in range(count)]
    tp, fp, tn, fn = (c.sum(axis=1) for c in _counts(batches, thresholds, weighted,
                                                     clip=count > 1,
                                                     class_id=args.get("class_id")))
    rates = {"recall": _ratio(tp, tp + fn), "specificity": _ratio(tn, tn + fp),
             "precision": _ratio(tp, tp + fp)}
    wanted, constrained = OPERATING_POINTS[cls]
    target = list(args.values())[0]
    feasible = rates[constrained] >= np.float32(target)
    return max([0.0, *rates[wanted][feasible]])


CASES = [("AUC", {}, "mixed", None), ("AUC", {"curve": "PR"}, "mixed", None),
         ("AUC", {"summation_method": "minoring"}, "mixed", None),
         ("AUC", {"curve": "PR", "summation_method": "majoring"}, "mixed", None),
         ("AUC", {"num_thresholds": 5}, "mixed", None),  # ties on every threshold
         ("AUC", {"num_thresholds": 5, "curve": "PR"}, "soft", None),
         ("AUC", {"thresholds": [0.75, 0.5, 0.3]}, "mixed", None),  # not evenly spaced
         ("AUC", {}, "all_positive", None), ("AUC", {}, "all_negative", None),
         ("AUC", {"curve": "PR"}, "all_negative", None),
         ("AUC", {"num_thresholds": 9}, "outside", None),
         ("AUC", {"from_logits": True}, "logits", None),
         ("AUC", {"multi_label": True}, "mixed", 3),
         ("AUC", {"multi_label": True, "num_labels": 3, "curve": "PR",
                  "label_weights": [1.0, 2.0, 0.5]}, "mixed", 3),
         ("AUC", {"label_weights": [1.0, 2.0, 0.5]}, "mixed", 3),
         ("Precision", {}, "mixed", None), ("Recall", {}, "mixed", None),
         ("Precision", {"thresholds": 0.25}, "mixed", None),  # ties at 0.25
         ("Recall", {"thresholds": [0.0, 0.5, 1.0]}, "outside", None),  # evenly: buckets
         ("Precision", {"thresholds": [0.0, 0.5, 1.0]}, "mixed", None),
         ("Precision", {}, "all_negative", None), ("Recall", {}, "all_negative", None),
         ("Precision", {"top_k": 2}, "mixed", 4), ("Recall", {"top_k": 1}, "mixed", 4),
         ("Precision", {"class_id": 2}, "mixed", 4),
         ("Recall", {"class_id": 1, "thresholds": [0.25, 0.75]}, "mixed", 4),
         ("TruePositives", {}, "mixed", None), ("FalsePositives", {}, "mixed", 3),
         ("TrueNegatives", {"thresholds": [0.25, 0.5, 0.9]}, "outside", None),
         ("FalseNegatives", {"thresholds": [0.0, 0.5, 1.0]}, "outside", None),  # buckets
         ("TruePositives", {"thresholds": 0.75}, "soft", None),
         ("FalseNegatives", {}, "all_positive", None),
         ("SensitivityAtSpecificity", {"specificity": 0.5}, "mixed", None),
         ("SensitivityAtSpecificity", {"specificity": 0.8, "num_thresholds": 5}, "mixed",
          None),
         ("SpecificityAtSensitivity", {"sensitivity": 0.3}, "outside", None),
         ("SpecificityAtSensitivity", {"sensitivity": 0.7, "class_id": 1}, "mixed", 3),
         ("PrecisionAtRecall", {"recall": 0.5, "num_thresholds": 9}, "mixed", None),
         ("PrecisionAtRecall", {"recall": 0.9, "num_thresholds": 1}, "mixed", None),
         ("PrecisionAtRecall", {"recall": 0.6}, "all_negative", None),
         ("RecallAtPrecision", {"precision": 0.6}, "mixed", None),
         ("RecallAtPrecision", {"precision": 0.7, "num_thresholds": 2, "class_id": 2},
          "mixed", 4),
         ("RecallAtPrecision", {"precision": 1.0}, "soft", None)]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cls,args,labels,width", CASES)
def test_confusion_metric(cls, args, labels, width, weighted):
    harness.note(cls, "float32", "metric")
    batches = _batches(labels, LABELS[labels], harness.seed_of(cls, str(args), labels), width)
    km, tf_metric = getattr(kerasmini.metrics, cls)(**args), getattr(keras.metrics,
                                                                      cls)(**args)
    for t, p, w in batches:
        for metric in (km, tf_metric):
            metric.update_state(t, p, sample_weight=w if weighted else None)
    exact = np.asarray(reference(cls, args, batches, weighted), np.float64)
    got, tf_value = np.asarray(km.result()), np.asarray(tf_metric.result())
    assert got.shape == tf_value.shape == exact.shape and got.dtype == np.float32
    where = (cls, args, labels, weighted)
    assert np.allclose(tf_value, exact, rtol=1e-5, atol=1e-6), (where, tf_value, exact)
    assert np.allclose(got, exact, rtol=1e-5, atol=1e-6), (where, got, exact, tf_value)
    assert [v.name for v in km.variables] == [v.name for v in tf_metric.variables]
    assert [v.shape for v in km.variables] == [tuple(v.shape) for v in tf_metric.variables]
    km.reset_state()
    assert np.all(np.asarray(km.result()) == 0)


@pytest.mark.parametrize("cls,args", [
    ("AUC", {}), ("AUC", {"num_thresholds": 7, "curve": "PR", "summation_method":
                          "minoring", "multi_label": True, "num_labels": 2,
                          "label_weights": [1.0, 3.0], "from_logits": True}),
    ("AUC", {"thresholds": [0.2, 0.6]}), ("Precision", {"thresholds": [0.3, 0.6],
                                                        "class_id": 1}),
    ("Recall", {"top_k": 3, "name": "r3"}), ("RootMeanSquaredError", {}),
    ("CosineSimilarity", {"axis": 1}), ("BinaryCrossentropy", {"from_logits": True,
                                                               "label_smoothing": 0.1}),
    ("SparseCategoricalCrossentropy", {"ignore_class": 0}), ("Hinge", {}),
    ("TruePositives", {"thresholds": [0.2, 0.7]}), ("FalseNegatives", {}),
    ("SensitivityAtSpecificity", {"specificity": 0.4, "num_thresholds": 11,
                                  "class_id": 2}),
    ("SpecificityAtSensitivity", {"sensitivity": 0.6}),
    ("PrecisionAtRecall", {"recall": 0.3, "num_thresholds": 1}),
    ("RecallAtPrecision", {"precision": 0.9, "name": "rap"}), ("Sum", {})])
def test_config_round_trip(cls, args):
    km, tf_metric = getattr(kerasmini.metrics, cls)(**args), getattr(keras.metrics,
                                                                      cls)(**args)
    km_config, tf_config = km.get_config(), tf_metric.get_config()
    shared = set(tf_config) - {"name"}  # names are numbered in each library's session
    assert set(km_config) >= shared
    for key in shared:
        assert np.allclose(km_config[key], np.asarray(tf_config[key])) if key in (
            "label_weights",) and tf_config[key] is not None else (
            km_config[key] == tf_config[key]), (key, km_config[key], tf_config[key])
    again = type(km).from_config(km_config)
    assert again.get_config() == km_config


def test_names_by_string_as_compile_names_them():
    from keras.src.trainers.compile_utils import get_metric
    y, p = np.zeros((4, 1)), np.zeros((4, 1))
    for name in ("AUC", "auc", "precision", "Precision", "recall", "mape", "MAPE", "msle",
                 "root_mean_squared_error", "bce", "binary_crossentropy",
                 "cosine_similarity", "log_cosh_error", "hinge", "squared_hinge"):
        km_metric = kerasmini.metrics.get_metric(name, y.shape, p.shape)
        tf_metric = get_metric(name, y, p)
        assert (type(km_metric).__name__, km_metric.name) == (type(tf_metric).__name__,
                                                              tf_metric.name)
