"""The losses kerasmini builds from tape-recorded NumPy operations (losses/composed_losses.py):
value and gradient (kerasmini.GradientTape vs tf.GradientTape) vs a float64 reference
written here from the definitions, its gradient by central finite differences.

Edge inputs: y_true of exactly 0 (MAPE's floor), negative predictions (MSLE's floor), a
zero vector (CosineSimilarity), margins of exactly 1 (the hinge kink), errors of +-50
(LogCosh's overflow), y_pred of 0 (Poisson's log), probabilities of exactly 0 and 1 and
logits of +-100 (focal). Where the reference has no derivative (kinks, floors, clip
boundaries: its one-sided differences disagree) kerasmini is compared with tf.keras.
Tolerances as conformance/test_losses.py: 1e-5 (float32) and 1e-12 (float64) of the
largest value (at least 1), gradients 1e-6 against finite differences in float64.
"""
import numpy as np
import pytest

from conformance import harness
from conformance.harness import keras

import kerasmini

N, C = 6, 4
EPS = 1e-7
HIGH = {"float32": float(np.float32(1) - np.float32(EPS)), "float64": 1 - EPS}
HIGH_NOW = [HIGH["float64"]]  # the upper clip bound as the tested dtype rounds 1 - epsilon


def _softplus(x):
    return np.logaddexp(0.0, x)


def _focal_binary(t, p, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                  from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        bce = _softplus(p) - p * t
        p = 1 / (1 + np.exp(-p))
    else:
        q = np.clip(p, EPS, HIGH_NOW[0])
        bce = -(t * np.log(q) + (1 - t) * np.log(1 - q))
    p_t = t * p + (1 - t) * (1 - p)
    weight = t * alpha + (1 - t) * (1 - alpha) if apply_class_balancing else 1.0
    return np.mean(weight * (1 - p_t) ** gamma * bce, -1)


def _focal_categorical(t, p, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    if from_logits:
        p = np.exp(p - p.max(-1, keepdims=True))
    q = np.clip(p / p.sum(-1, keepdims=True), EPS, HIGH_NOW[0])
    return np.sum(-alpha * (1 - q) ** gamma * t * np.log(q), -1)


def _signed(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def _unit(x):
    norm = np.sqrt(np.sum(x * x, -1, keepdims=True))
    return x / np.maximum(norm, EPS)


REFERENCE = {  # class name -> float64 per-sample values from the definitions
    "MeanAbsolutePercentageError":
        lambda t, p: 100 * np.mean(np.abs(t - p) / np.maximum(np.abs(t), EPS), -1),
    "MeanSquaredLogarithmicError":
        lambda t, p: np.mean((np.log(1 + np.maximum(p, EPS))
                              - np.log(1 + np.maximum(t, EPS))) ** 2, -1),
    "CosineSimilarity": lambda t, p: -np.sum(_unit(t) * _unit(p), -1),
    "Hinge": lambda t, p: np.mean(np.maximum(1 - _signed(t) * p, 0), -1),
    "SquaredHinge": lambda t, p: np.mean(np.maximum(1 - _signed(t) * p, 0) ** 2, -1),
    "CategoricalHinge": lambda t, p: np.maximum(
        np.max((1 - t) * p, -1) - np.sum(t * p, -1) + 1, 0),
    "LogCosh": lambda t, p: np.mean(np.log(np.cosh(p - t)) if np.all(np.abs(p - t) < 300)
                                    else np.nan, -1),
    "Poisson": lambda t, p: np.mean(p - t * np.log(p + EPS), -1),
    "BinaryFocalCrossentropy": _focal_binary,
    "CategoricalFocalCrossentropy": _focal_categorical,
}
CASES = [("MeanAbsolutePercentageError", {}), ("MeanSquaredLogarithmicError", {}),
         ("CosineSimilarity", {}), ("Hinge", {}), ("SquaredHinge", {}),
         ("CategoricalHinge", {}), ("LogCosh", {}), ("Poisson", {}),
         ("BinaryFocalCrossentropy", {}),
         ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "gamma": 3.0}),
         ("BinaryFocalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}),
         ("CategoricalFocalCrossentropy", {}),
         ("CategoricalFocalCrossentropy", {"alpha": 0.5, "gamma": 1.5,
                                           "label_smoothing": 0.2}),
         ("CategoricalFocalCrossentropy", {"from_logits": True})]


def _inputs(cls, args, edges, rng):
    labels = np.eye(C)[rng.integers(0, C, size=N)]
    if "Focal" in cls or cls == "CategoricalHinge":
        t = labels if "Categorical" in cls else rng.integers(0, 2, (N, C)).astype(float)
        p = rng.dirichlet(np.ones(C), size=N)
        if args.get("from_logits"):
            p = np.log(p) + rng.normal(size=p.shape)
        if edges:
            p[0] = [100.0, -100.0, 0.0, 100.0] if args.get("from_logits") else [1, 0, 0, 0]
            if cls == "CategoricalHinge":
                p[1] = p[1] - p[1] @ labels[1] + 1 + p[1].max()  # margin exactly 0: a kink
        return t, p
    if cls in ("Hinge", "SquaredHinge"):
        t = rng.integers(0, 2, (N, C)).astype(float)
        p = rng.normal(size=(N, C))
        if edges:
            p[0] = 2 * t[0] - 1            # 1 - y p = 0 exactly: the kink
        return t, p
    t = rng.uniform(0.5, 2.0, (N, C))
    p = t + rng.normal(size=(N, C)) * 0.5
    if edges:
        t[0, 0] = 0.0                       # MAPE's floor, Poisson's 0 * log
        p[1] = -np.abs(p[1])                # MSLE's floor at epsilon
        p[2] = t[2] + 50.0 * np.sign(rng.normal(size=C))   # LogCosh's large errors
        if cls == "CosineSimilarity":
            p[3] = 0.0
        if cls == "Poisson":               # rates are not negative
            p = np.abs(p)
            p[4, 1] = 0.0
    return t, p


def _reference_loss(cls, args, t, p, weight):
    values = REFERENCE[cls](t, p, **args)
    if weight is not None:
        values = values * weight
    return np.sum(values) / values.size


def _differences(cls, args, t, p, weight, step):
    """One-sided differences (f(p + step e_i) - f(p)) / step, entry by entry."""
    with np.errstate(invalid="ignore", divide="ignore"):  # steps below a floor of 0
        return _stepped(cls, args, t, p, weight, step)


def _stepped(cls, args, t, p, weight, step):
    grad = np.empty_like(p)
    at_p = _reference_loss(cls, args, t, p, weight)
    for index in np.ndindex(p.shape):   # a slow obvious reference over 24 entries
        moved = p.copy()
        moved[index] += step
        grad[index] = (_reference_loss(cls, args, t, moved, weight) - at_p) / step
    return grad


def _reference_gradient(cls, args, t, p, weight, step=1e-6):
    """Central differences; NaN where the one-sided differences disagree (a kink, a
    floor or a clip boundary: no derivative there)."""
    forward = _differences(cls, args, t, p, weight, step)
    backward = _differences(cls, args, t, p, weight, -step)
    central = (forward + backward) / 2
    smooth = np.abs(forward - backward) <= 1e-4 * np.maximum(1.0, np.abs(central))
    if cls == "CosineSimilarity":  # within epsilon of 0 the step leaves the floor region
        smooth &= np.sqrt(np.sum(p * p, -1, keepdims=True)) > 1e-3
    return np.where(smooth, central, np.nan)


GRID = [(cls, args, edges, dtype, weighted) for i, (cls, args) in enumerate(CASES)
        for edges in (False, True) for d, dtype in enumerate(("float32", "float64"))
        for weighted in [bool((i + d + edges) % 2)]]


@pytest.mark.parametrize("cls,args,edges,dtype,weighted", GRID,
                         ids=[f"{c}{sorted(a.items())}-{'edges' if e else 'ordinary'}-{d}"
                              f"{'-weighted' if w else ''}" for c, a, e, d, w in GRID])
def test_loss(cls, args, edges, dtype, weighted):
    harness.note(cls, dtype, "loss")
    rng = np.random.default_rng(harness.seed_of(cls, sorted(args.items()), edges))
    t, p = _inputs(cls, args, edges, rng)
    weight = rng.uniform(0.0, 2.0, N) if weighted else None
    t, p = t.astype(dtype), p.astype(dtype)
    km_value, km_grad, tf_value, tf_grad = harness.loss_values_and_gradients(
        cls, args, dtype, t, p, weight)
    where = f"{cls}({args}) edges={edges} weighted={weighted} {dtype}"
    assert np.asarray(km_value).dtype == np.dtype(dtype), where
    assert km_grad.dtype == np.dtype(dtype) and km_grad.shape == p.shape, where
    t64, p64 = t.astype(np.float64), p.astype(np.float64)
    HIGH_NOW[0] = HIGH[dtype]
    rtol = {"float32": 1e-5, "float64": 1e-12}[dtype]
    ref_value = _reference_loss(cls, args, t64, p64, weight)
    # keras's log_cosh subtracts ops.log(2.0), computed in float32 and then cast: float64
    # values are off by |float32(log 2) - log 2| = 1.9e-9
    kind = ("tf-float64-constants-rounded-to-float32"
            if cls == "LogCosh" and dtype == "float64" else None)
    harness.check_loss_output(km_value, tf_value, ref_value, rtol, "value", where,
                              floor=1.0, kind=kind)
    ref_grad = _reference_gradient(cls, args, t64, p64, weight)
    harness.check_loss_output(km_grad, tf_grad, ref_grad, max(rtol, 1e-6), "gradient",
                              where)


@pytest.mark.parametrize("cls,args", CASES + [("CosineSimilarity", {"axis": 0})])
def test_configs(cls, args):
    km = getattr(kerasmini.losses, cls)(reduction="sum", name="x", **args)
    tf_obj = getattr(keras.losses, cls)(reduction="sum", name="x", **args)
    assert km.get_config() == tf_obj.get_config()
    assert type(km).from_config(km.get_config()).get_config() == km.get_config()
