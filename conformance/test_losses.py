"""Losses: value and gradient (d loss / d y_pred) of kerasmini vs keras.losses (value, and
tf.GradientTape for the gradient) vs a float64 reference (the definitions, and central
finite differences of them), on ordinary and edge inputs: probabilities of exactly 0 and
1, logits of +-100, a class that never occurs, label smoothing, sample weights and every
reduction.

Tolerance: |got - ref| <= rtol * scale, scale = the largest |ref| (at least 1 for values,
since losses are O(1) quantities whose float32 rounding is absolute), rtol as the forward
suite: 1e-5 in float32 (a sum of a few dozen float32 logs), 1e-12 in float64 for values.
Float64 gradients are compared with finite differences at 1e-6 (the step's truncation
error), entries at a kink or a clip boundary excepted (no derivative there: kerasmini
and tf.keras are compared with each other on those, exactly in float64).
"""
import numpy as np
import pytest

from conformance import harness
from conformance import reference_losses as ref
from conformance.harness import keras, tf

import kerasmini

N, C = 6, 4


def _probabilities(rng, edges):
    p = rng.dirichlet(np.ones(C), size=N)
    if edges:
        p[0] = [1.0, 0.0, 0.0, 0.0]          # exactly one and exactly zero
        p[1] = [0.0, 0.0, 1.0, 0.0]          # the true class (below) gets zero
        p[2, 3] = 0.0
    return p


def _case(kind, edges, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, C - 1, size=N)  # class C-1 never occurs: an empty class
    one_hot = np.eye(C)[labels]
    if kind in ("mse", "mae", "huber"):
        t = rng.normal(size=(N, C))
        p = t + rng.normal(size=(N, C)) * (3.0 if edges else 0.5)
        if edges:
            p[0, 0] = t[0, 0] + 1.0          # exactly at Huber's delta
        return t, p
    if kind == "kld":
        return rng.dirichlet(np.ones(C), size=N), _probabilities(rng, edges)
    if kind == "bce":
        t = rng.integers(0, 2, size=(N, C)).astype(float)
        p = rng.uniform(size=(N, C))
        if edges:
            p[0] = [0.0, 1.0, 0.0, 1.0]
            t[0] = [0.0, 1.0, 1.0, 0.0]
        return t, p
    if kind == "cce":
        return one_hot, _probabilities(rng, edges)
    if kind == "scce":
        return labels, _probabilities(rng, edges)
    raise KeyError(kind)


def _logits(p, rng, edges):
    x = np.log(np.clip(p, 1e-3, 1)) + rng.normal(size=p.shape)
    if edges:
        x[0] = [100.0, -100.0, 0.0, 100.0][: x.shape[-1]]
        x[1] = [-100.0, 100.0, -100.0, 100.0][: x.shape[-1]]
    return x


LOSSES = {  # kind -> (class name, {args})
    "mse": [("MeanSquaredError", {})],
    "mae": [("MeanAbsoluteError", {})],
    "huber": [("Huber", {}), ("Huber", {"delta": 0.5})],
    "kld": [("KLDivergence", {})],
    "bce": [("BinaryCrossentropy", {}), ("BinaryCrossentropy", {"from_logits": True}),
            ("BinaryCrossentropy", {"label_smoothing": 0.1}),
            ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.2})],
    "cce": [("CategoricalCrossentropy", {}),
            ("CategoricalCrossentropy", {"from_logits": True}),
            ("CategoricalCrossentropy", {"label_smoothing": 0.1}),
            ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2})],
    "scce": [("SparseCategoricalCrossentropy", {}),
             ("SparseCategoricalCrossentropy", {"from_logits": True})],
}
CASES = [(kind, cls, args) for kind, entries in LOSSES.items() for cls, args in entries]
WEIGHTINGS = [(None, "sum_over_batch_size"), ("per_sample", "sum_over_batch_size"),
              ("column", "sum"), (None, "none"), ("per_sample", "mean_with_sample_weight")]


def _weight(kind, rng):
    if kind is None:
        return None
    w = rng.uniform(0.0, 2.0, size=N)
    w[1] = 0.0
    return w if kind == "per_sample" else w[:, None]


# every case on ordinary and edge inputs in both dtypes; the weightings and reductions
# rotate over the cases (each one meets several losses), to keep the suite quick
GRID = [(kind, cls, args, *WEIGHTINGS[(i + 2 * e + d) % len(WEIGHTINGS)], bool(e), dtype)
        for i, (kind, cls, args) in enumerate(CASES) for e in (0, 1)
        for d, dtype in enumerate(("float32", "float64"))]


@pytest.mark.parametrize("kind,cls,args,weighting,reduction,edges,dtype", GRID,
                         ids=[f"{c}{sorted(a.items())}-{w}-{r}-{'edges' if e else 'ordinary'}"
                              f"-{d}" for _, c, a, w, r, e, d in GRID])
def test_loss(kind, cls, args, weighting, reduction, edges, dtype):
    harness.note(cls, dtype, "loss")
    seed = harness.seed_of(kind, cls, sorted(args.items()), weighting, edges)
    rng = np.random.default_rng(seed)
    t, p = _case(kind, edges, seed)
    if args.get("from_logits"):
        p = _logits(p, rng, edges)
    t, p = t.astype(dtype) if kind != "scce" else t, p.astype(dtype)
    sample_weight = _weight(weighting, rng)
    km_loss = getattr(kerasmini.losses, cls)(reduction=reduction, dtype=dtype, **args)
    tf_loss = getattr(keras.losses, cls)(reduction=reduction, dtype=dtype, **args)
    km_value, vjp = km_loss.value_and_vjp(t, p, sample_weight)
    km_grad = vjp(np.ones_like(km_value))
    variable = tf.Variable(p)
    with tf.GradientTape() as tape:
        tf_value = tf_loss(t, variable, sample_weight=sample_weight)
    tf_grad = tape.gradient(tf_value, variable).numpy()
    where = f"{cls}({args}, reduction={reduction}) weight={weighting} edges={edges} {dtype}"
    assert km_value.dtype == np.dtype(dtype) and km_grad.dtype == np.dtype(dtype), where
    assert km_value.shape == tuple(tf_value.shape), where
    ref_args = dict(args, **({"delta": 1.0} if cls == "Huber" and "delta" not in args
                             else {}))
    ref_value = ref.loss(kind, t, p, ref_args, sample_weight, reduction, dtype)
    rtol = {"float32": 1e-5, "float64": 1e-12}[dtype]
    harness.check_loss_output(km_value, tf_value.numpy(), ref_value, rtol, "value", where,
                              floor=1.0)
    ref_grad = ref.gradient(kind, t, p, ref_args, sample_weight, reduction, dtype)
    harness.check_loss_output(km_grad, tf_grad, ref_grad, max(rtol, 1e-6), "gradient",
                              where)


@pytest.mark.parametrize("name", ["mse", "MSE", "mae", "bce", "kld", "KLD",
                                  "mean_squared_error", "categorical_crossentropy",
                                  "sparse_categorical_crossentropy", "binary_crossentropy",
                                  "huber", "kl_divergence", "Huber", "BinaryCrossentropy",
                                  "CategoricalCrossentropy", "mape", "MAPE", "msle", "MSLE",
                                  "log_cosh", "hinge", "squared_hinge", "categorical_hinge",
                                  "poisson", "cosine_similarity", "binary_focal_crossentropy",
                                  "categorical_focal_crossentropy",
                                  "mean_absolute_percentage_error", "CosineSimilarity",
                                  "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy",
                                  "LogCosh", "Poisson", "Hinge"])
def test_get_by_name(name):
    km, tf_obj = kerasmini.losses.get(name), keras.losses.get(name)
    if isinstance(tf_obj, keras.losses.Loss):
        assert type(km).__name__ == type(tf_obj).__name__
        assert km.get_config() == tf_obj.get_config()
    else:
        assert km.__name__ == tf_obj.__name__


def test_configs_and_errors():
    for kind, cls, args in CASES:
        km = getattr(kerasmini.losses, cls)(**args)
        tf_obj = getattr(keras.losses, cls)(**args)
        assert km.get_config() == tf_obj.get_config()
        assert type(km).from_config(km.get_config()).get_config() == km.get_config()
    with pytest.raises(ValueError) as tf_error:
        keras.losses.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError) as km_error:
        kerasmini.losses.MeanSquaredError(reduction="average")
    # the same message (Keras prints the allowed values as a set, in hash order)
    for message in (str(km_error.value), str(tf_error.value)):
        assert message.startswith("Invalid value for argument `reduction`. Expected one of")
        assert message.endswith("Received: reduction=average")
    with pytest.raises(ValueError, match="Could not interpret loss identifier: nope"):
        kerasmini.losses.get("nope")
    with pytest.raises(ValueError, match="same shape"):
        kerasmini.losses.CategoricalCrossentropy()(np.eye(3), np.ones((3, 4)) / 4)
    with pytest.raises(ValueError, match="label value of 4"):
        kerasmini.losses.SparseCategoricalCrossentropy()([0, 4], np.ones((2, 4)) / 4)
