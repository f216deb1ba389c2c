"""Dice, Tversky, CategoricalGeneralizedCrossEntropy, Circle and CTC: value and gradient
(kerasmini.GradientTape vs tf.GradientTape) vs a float64 reference written here from the
definitions, its gradient by central finite differences.

CTC's reference sums the probability of every alignment by the forward recursion in
plain probabilities (loops over the states, short sequences: no underflow), not in log
space as kerasmini does. TensorFlow computes a float64 CTC in float32 (keras's backend
casts, as tf.nn.ctc_loss refuses float64): its float64 values are float32-accurate, a
divergence the reference shows. A labelling longer than its alignments allow has
probability 0: kerasmini's loss is inf, tf.keras's a large finite number (another
divergence). Tolerances as conformance/test_losses_composed.py.
"""
import numpy as np
import pytest

from conformance import harness
from conformance.harness import keras

import kerasmini

EPS = 1e-7


def _dice(t, p, axis=None):
    return 1 - 2 * np.sum(t * p, axis=axis) / (np.sum(t, axis=axis) + np.sum(p, axis=axis)
                                               + EPS)


def _tversky(t, p, alpha=0.5, beta=0.5, axis=None):
    tp = np.sum(t * p, axis=axis)
    return 1 - tp / (tp + alpha * np.sum((1 - p) * t, axis=axis)
                     + beta * np.sum(p * (1 - t), axis=axis) + EPS)


def _gce(t, p, q=0.5):
    picked = np.array([row[int(label)] if 0 <= label < len(row) else 0.0
                       for label, row in zip(t, p)])
    return (1 - picked ** q) / q


def _circle(t, p, gamma=80.0, margin=0.4, remove_diagonal=True):
    """Row by row: the soft-plus of two log-sum-exps over the pairs of each kind."""
    out = np.zeros(len(t))
    for i in range(len(t)):
        pos, neg = [], []
        for j in range(len(t)):
            d = max(1 - float(p[i] @ p[j]), 0.0)
            if t[i] == t[j] and not (remove_diagonal and i == j):
                pos.append(-gamma * max(margin + d, 0) * (margin - d))
            elif t[i] != t[j]:
                neg.append(gamma * max(1 + margin - d, 0) * (1 - margin - d))
        if pos and neg:
            out[i] = np.logaddexp(0.0, np.logaddexp.reduce(pos) + np.logaddexp.reduce(neg))
    return out


def _ctc(t, p):
    """-log of the summed probability of the alignments, forward recursion over the
    states blank, l1, blank, l2, ..., blank in plain probabilities."""
    out = []
    for labels, logits in zip(t, p):
        probs = np.exp(logits - logits.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        labels = [int(v) for v in labels if v != 0]
        states = [0]
        for label in labels:
            states += [label, 0]
        alpha = np.zeros(len(states))
        alpha[0] = probs[0, states[0]]
        if len(states) > 1:
            alpha[1] = probs[0, states[1]]
        for step in probs[1:]:
            new = np.zeros_like(alpha)
            for s, cls in enumerate(states):
                total = alpha[s] + (alpha[s - 1] if s >= 1 else 0.0)
                if s >= 2 and cls != 0 and cls != states[s - 2]:
                    total += alpha[s - 2]
                new[s] = total * step[cls]
            alpha = new
        with np.errstate(divide="ignore"):
            out.append(-np.log(alpha[-1] + (alpha[-2] if len(states) > 1 else 0.0)))
    return np.array(out)


REFERENCE = {"Dice": _dice, "Tversky": _tversky, "CategoricalGeneralizedCrossEntropy": _gce,
             "Circle": _circle, "CTC": _ctc}


def _reduced(cls, args, t, p, weight):
    values = np.asarray(REFERENCE[cls](t, p, **args), np.float64)
    weighted = values if weight is None else values * weight
    if cls == "Circle":  # Keras's mask: the mean over the positive values only
        return np.sum(weighted) / max(np.count_nonzero(values > 0), 1)
    return np.sum(weighted) / max(values.size, 1)


def _reference_gradient(cls, args, t, p, weight, step=1e-6):
    """Central differences; NaN where the one-sided ones disagree (a kink)."""
    at_p = _reduced(cls, args, t, p, weight)
    forward, backward = np.empty_like(p), np.empty_like(p)
    for index in np.ndindex(p.shape):   # slow and obvious: a few dozen entries
        for sign, out in ((1, forward), (-1, backward)):
            moved = p.copy()
            moved[index] += sign * step
            out[index] = sign * (_reduced(cls, args, t, moved, weight) - at_p) / step
    central = (forward + backward) / 2
    smooth = np.abs(forward - backward) <= 1e-4 * np.maximum(1.0, np.abs(central))
    return np.where(smooth, central, np.nan)


def _inputs(cls, args, edges, rng):
    if cls in ("Dice", "Tversky"):
        shape = (4, 3, 2) if args.get("axis") == (1, 2) else (5, 3)
        t = rng.integers(0, 2, size=shape).astype(float)
        p = rng.uniform(size=shape)
        if edges:
            t[0], p[0] = 0.0, 0.0       # an empty mask predicted empty
            p[1] = t[1]                 # a perfect prediction
        return t, p
    if cls == "CategoricalGeneralizedCrossEntropy":
        t = rng.integers(0, 4, size=6).astype(float)
        p = rng.dirichlet(np.ones(4), size=6)
        if edges:
            p[0] = np.eye(4)[int(t[0])]  # certain and right: p = 1
            t[1] = 7.0                   # a label out of range picks nothing (p = 0)
        return t, p
    if cls == "Circle":
        t = np.array([0, 0, 1, 1, 1, 2, 3, 0], float)  # 2 and 3 alone: no positive pair
        if edges:
            t[:] = 1.0                   # one class: no negative pair anywhere
            t[-1] = 0.0
        p = rng.normal(size=(8, 5))
        return t, p / np.linalg.norm(p, axis=1, keepdims=True)
    t = np.array([[1, 2, 0, 0], [3, 3, 1, 0], [0, 0, 0, 0], [2, 1, 2, 1], [1, 1, 0, 0]],
                 float)
    p = rng.normal(size=(5, 7, 4)) * (4.0 if edges else 1.0)  # sharp, near one-hot
    return t, p


CASES = [("Dice", {}), ("Dice", {"axis": -1}), ("Dice", {"axis": (1, 2)}),
         ("Tversky", {}), ("Tversky", {"alpha": 0.3, "beta": 0.7, "axis": -1}),
         ("CategoricalGeneralizedCrossEntropy", {}),
         ("CategoricalGeneralizedCrossEntropy", {"q": 0.2}),
         ("CategoricalGeneralizedCrossEntropy", {"q": 0.9}),
         ("Circle", {}), ("Circle", {"gamma": 20.0, "margin": 0.25,
                                     "remove_diagonal": False}),
         ("CTC", {})]
GRID = [(cls, args, edges, dtype, weighted) for i, (cls, args) in enumerate(CASES)
        for edges in (False, True) for d, dtype in enumerate(("float32", "float64"))
        for weighted in [bool((i + d + edges) % 2) and "axis" not in args or cls == "Circle"
                         and d == 0]]


def _weight(cls, args, t, rng, weighted):
    if not weighted or (cls in ("Dice", "Tversky") and args.get("axis") is None):
        return None  # axis=None: one value for the whole batch, nothing to weight
    return rng.uniform(0.0, 2.0, len(t))


@pytest.mark.parametrize("cls,args,edges,dtype,weighted", GRID,
                         ids=[f"{c}{sorted(a.items())}-{'edges' if e else 'ordinary'}-{d}"
                              f"{'-weighted' if w else ''}" for c, a, e, d, w in GRID])
def test_loss(cls, args, edges, dtype, weighted):
    harness.note(cls, dtype, "loss")
    rng = np.random.default_rng(harness.seed_of(cls, sorted(args.items()), edges))
    t, p = _inputs(cls, args, edges, rng)
    weight = _weight(cls, args, t, rng, weighted)
    t, p = t.astype(dtype), p.astype(dtype)
    km_value, km_grad, tf_value, tf_grad = harness.loss_values_and_gradients(
        cls, args, dtype, t, p, weight)
    where = f"{cls}({args}) edges={edges} weighted={weighted} {dtype}"
    assert np.asarray(km_value).dtype == np.dtype(dtype), where
    assert km_grad.dtype == np.dtype(dtype) and km_grad.shape == p.shape, where
    t64, p64 = t.astype(np.float64), p.astype(np.float64)
    rtol = {"float32": 1e-5, "float64": 1e-12}[dtype]
    kind = "tf-float64-ctc-computed-in-float32" if cls == "CTC" else None
    harness.check_loss_output(km_value, tf_value, _reduced(cls, args, t64, p64,
                                                                   weight),
                              rtol, "value", where, floor=1.0, kind=kind)
    harness.check_loss_output(km_grad, tf_grad, _reference_gradient(cls, args, t64, p64,
                                                                     weight),
                              max(rtol, 1e-6), "gradient", where, kind=kind)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ctc_per_sample_and_impossible_labels(dtype):
    """Per-sample values of keras.losses.ctc; a labelling that needs more steps than there
    are (three repeats need five) has probability 0: inf here and in the reference."""
    rng = np.random.default_rng(harness.seed_of("ctc-impossible", dtype))
    t = np.array([[1, 1, 1], [2, 0, 0], [1, 2, 3]])
    p = rng.normal(size=(3, 4, 4)).astype(dtype)
    got, want = np.asarray(kerasmini.losses.ctc(t, p)), _ctc(t, np.float64(p))
    tf_value = np.asarray(keras.losses.ctc(t, p))
    assert got.dtype == np.dtype(dtype) and got.shape == (3,)
    assert np.isinf(got[0]) and np.isinf(want[0])
    harness.check_loss_output(got[1:], tf_value[1:], want[1:],
                              {"float32": 1e-5, "float64": 1e-12}[dtype], "value",
                              f"ctc {dtype}", floor=1.0,
                              kind="tf-float64-ctc-computed-in-float32")
    if np.isfinite(tf_value[0]):
        harness.record_divergence("tf-ctc-impossible-labelling-finite", f"ctc {dtype}",
                                  f"tf.keras gives {tf_value[0]:.4g}, probability 0")


@pytest.mark.parametrize("cls,args", [*CASES, ("Circle", {"remove_diagonal": False})])
def test_configs(cls, args):
    km = getattr(kerasmini.losses, cls)(reduction="sum", name="x", **args)
    tf_obj = getattr(keras.losses, cls)(reduction="sum", name="x", **args)
    assert km.get_config() == tf_obj.get_config()
    assert type(km).from_config(km.get_config()).get_config() == km.get_config()
    if cls == "CategoricalGeneralizedCrossEntropy":  # exported, not in Keras's name table
        for name in (cls, "categorical_generalized_cross_entropy"):
            with pytest.raises(ValueError, match="Could not interpret loss identifier"):
                keras.losses.get(name)
            with pytest.raises(ValueError, match="Could not interpret loss identifier"):
                kerasmini.losses.get(name)
        return
    assert kerasmini.losses.get(cls.lower()).__name__ == keras.losses.get(cls.lower()).__name__
    assert type(kerasmini.losses.get(cls)).__name__ == cls


@pytest.mark.parametrize("cls,args,inputs", [
    ("CategoricalGeneralizedCrossEntropy", {"q": 1.0}, None),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.0}, None),
    ("CTC", {}, (np.ones((2, 3, 1)), np.zeros((2, 4, 3)))),
    ("CTC", {}, (np.ones((2, 3)), np.zeros((2, 4)))),
])
def test_errors(cls, args, inputs):
    def attempt(module):
        loss = getattr(module.losses, cls)(**args)
        if inputs is not None:
            loss(*inputs)
    with pytest.raises(Exception) as tf_error:
        attempt(keras)
    with pytest.raises(type(tf_error.value)) as km_error:
        attempt(kerasmini)
    assert str(km_error.value) == str(tf_error.value)
