"""Losses are differentiable with respect to y_true too, as in Keras (knowledge
distillation: the target is the teacher's output). Each against float64 central finite
differences (tests/gradcheck.py); integer labels get no gradient."""
import numpy as np
import pytest

import kerasmini as keras
from kerasmini.autodiff import GradientTape
from tests.gradcheck import TOLERANCE, numeric_gradient

L = keras.losses
RNG = np.random.default_rng(0)


def _probabilities(shape):
    e = np.exp(RNG.normal(size=shape))
    return e / e.sum(-1, keepdims=True)


CASES = [  # (loss, y_true, y_pred)
    (L.MeanSquaredError(dtype="float64"), RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))),
    (L.mean_absolute_error, RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))),
    (L.Huber(dtype="float64"), RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))),
    (L.KLDivergence(dtype="float64"), _probabilities((4, 3)), _probabilities((4, 3))),
    (L.BinaryCrossentropy(label_smoothing=0.1, dtype="float64"),
     RNG.uniform(size=(4, 3)), RNG.uniform(0.1, 0.9, size=(4, 3))),
    (L.BinaryCrossentropy(from_logits=True, dtype="float64"),
     RNG.uniform(size=(4, 3)), RNG.normal(size=(4, 3))),
    (L.CategoricalCrossentropy(label_smoothing=0.2, dtype="float64"),
     _probabilities((4, 3)), _probabilities((4, 3))),
    (L.categorical_crossentropy, _probabilities((4, 3)), RNG.normal(size=(4, 3))),
    # every branch with a y_true rule: logits, smoothing, another class axis
    (L.CategoricalCrossentropy(from_logits=True, dtype="float64"),
     _probabilities((4, 3)), RNG.normal(size=(4, 3))),
    (L.CategoricalCrossentropy(from_logits=True, label_smoothing=0.3, dtype="float64"),
     _probabilities((4, 3)), RNG.normal(size=(4, 3))),
    (L.CategoricalCrossentropy(from_logits=True, axis=0, dtype="float64"),
     _probabilities((4, 3)).T, RNG.normal(size=(3, 4))),
    (L.CategoricalCrossentropy(axis=0, label_smoothing=0.1, dtype="float64"),
     _probabilities((4, 3)).T, _probabilities((4, 3)).T),
    (L.BinaryCrossentropy(from_logits=True, label_smoothing=0.2, dtype="float64"),
     RNG.uniform(size=(4, 3)), RNG.normal(size=(4, 3))),
    (L.Huber(delta=0.3, dtype="float64"), RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))),
    (L.MeanSquaredError(dtype="float64"), RNG.normal(size=(4, 1)), RNG.normal(size=(4,))),
    (L.MeanSquaredError(dtype="float64"), RNG.normal(size=(4, 1)), RNG.normal(size=(4, 3))),
    (L.LogCosh(dtype="float64"), RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))),
    (L.Dice(dtype="float64"), RNG.uniform(size=(4, 3)), RNG.uniform(size=(4, 3))),
    (lambda t, p: keras.ops.mean(keras.ops.square(t - p)),
     RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))),
]


@pytest.mark.parametrize("loss, y_true, y_pred", CASES, ids=lambda c: getattr(
    c, "name", getattr(c, "__name__", None)) if callable(c) else None)
def test_gradient_reaches_y_true(loss, y_true, y_pred):
    y_true, y_pred = np.array(y_true), np.array(y_pred)
    with GradientTape() as tape:
        traced = tape.watch(y_true)
        value = loss(traced, y_pred)
    got = tape.gradient(value, y_true)
    want = numeric_gradient(lambda: float(np.sum(loss(y_true, y_pred))), y_true)
    scale = max(1.0, float(np.max(np.abs(want))))
    assert got is not None and got.shape == y_true.shape
    assert np.max(np.abs(got - want)) <= TOLERANCE * scale


def test_integer_labels_get_no_gradient():
    labels = np.array([0, 2, 1])
    logits = RNG.normal(size=(3, 3))
    with GradientTape() as tape:
        tape.watch(logits)
        value = L.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    assert tape.gradient(value, logits) is not None


def test_distillation_updates_a_trainable_teacher():
    """The teacher's output as y_true: its weights get a gradient (as in tf.keras)."""
    teacher = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    student = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    x = RNG.normal(size=(5, 4)).astype("float32")
    with GradientTape() as tape:
        loss = L.KLDivergence()(keras.ops.softmax(teacher(x)), keras.ops.softmax(student(x)))
    grads = tape.gradient(loss, teacher.trainable_weights + student.trainable_weights)
    assert all(g is not None and np.any(g != 0) for g in grads)


def test_y_true_gradient_is_differentiable_in_y_pred():
    """Inside an outer tape, d(mse)/d(y_true) = -2 (y_pred - y_true) / n is itself
    recorded: its gradient with respect to y_pred is -2 / n in every entry."""
    y_true, y_pred = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    loss = L.MeanSquaredError(dtype="float64")
    with GradientTape() as outer:
        traced_pred = outer.watch(y_pred)
        with GradientTape() as inner:
            traced_true = inner.watch(y_true)
            value = loss(traced_true, traced_pred)
        grad_true = inner.gradient(value, y_true)
        total = np.sum(grad_true)
    np.testing.assert_allclose(grad_true, -2 * (y_pred - y_true) / 6, rtol=1e-12)
    np.testing.assert_allclose(outer.gradient(total, y_pred), np.full((2, 3), -2 / 6),
                               rtol=1e-12)


@pytest.mark.parametrize("from_logits", [False, True])
def test_labels_get_no_gradient_inside_an_outer_tape_either(from_logits):
    """Class labels (here float, as Keras accepts them) have no gradient: None at first
    order and where an outer tape follows them too, never an array of Nones."""
    labels = np.array([0.0, 2.0, 1.0])
    logits = RNG.normal(size=(3, 3)) if from_logits else _probabilities((3, 3))
    loss = L.SparseCategoricalCrossentropy(from_logits=from_logits, dtype="float64")
    with GradientTape() as outer:
        traced = outer.watch(labels)
        with GradientTape() as inner:
            inner.watch(traced)
            value = loss(traced, logits)
        assert inner.gradient(value, traced) is None
    with GradientTape() as tape:
        tape.watch(labels)
        value = loss(labels, logits)
    assert tape.gradient(value, labels) is None
