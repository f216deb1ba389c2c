"""CTC, Dice, Tversky, Circle and the generalized crossentropy without TensorFlow: CTC
against the sum over every alignment enumerated one by one, the gradients against float64
central differences, hand-worked values, the mask Circle's reduction uses."""
import itertools

import numpy as np
import pytest

import kerasmini as keras
from tests.gradcheck import numeric_gradient


def _collapse(path):
    """An alignment's labelling: repeats merged, then blanks (0) dropped."""
    merged = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
    return [c for c in merged if c != 0]


def _ctc_by_enumeration(labels, logits):
    """-log of the total probability of the paths that collapse to `labels`."""
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    steps, classes = probs.shape
    total = sum(np.prod(probs[np.arange(steps), path])
                for path in itertools.product(range(classes), repeat=steps)
                if _collapse(path) == list(labels))
    return -np.log(total)


@pytest.mark.parametrize("labels", [[1, 2, 0], [2, 2, 0], [0, 0, 0], [1, 2, 1], [3, 0, 0]])
def test_ctc_against_every_alignment(labels):
    rng = np.random.default_rng(sum(labels))
    logits = rng.normal(size=(2, 5, 4))
    y_true = np.array([labels, [1, 0, 0]])
    got = keras.losses.ctc(y_true, logits)
    want = [_ctc_by_enumeration([c for c in row if c], x) for row, x in zip(y_true, logits)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert keras.losses.ctc(y_true, logits.astype("float32")).dtype == np.float32


def test_ctc_gradient_and_impossible_labels():
    rng = np.random.default_rng(3)
    y_true = np.array([[1, 2, 0], [2, 2, 0], [0, 0, 0], [1, 1, 1]])  # the last: impossible
    logits = rng.normal(size=(4, 4, 3))
    loss, possible = keras.losses.CTC(dtype="float64"), logits[:3].copy()
    variable = keras.Variable(possible)
    with keras.GradientTape() as tape:
        value = loss(y_true[:3], variable.value)
    got = tape.gradient(value, variable)
    want = numeric_gradient(lambda: float(loss(y_true[:3], possible)), possible)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    values = keras.losses.ctc(y_true, logits)
    assert np.isinf(values[3]) and np.all(np.isfinite(values[:3]))
    with pytest.raises(ValueError, match="y_true.shape=\\(4, 3, 1\\)"):
        keras.losses.ctc(y_true[..., None], logits)


def test_dice_and_tversky_by_hand():
    y_true, y_pred = np.array([[1.0, 0.0, 1.0]]), np.array([[0.5, 0.5, 1.0]])
    # intersection 1.5, sums 2 and 2: 1 - 3 / 4
    assert float(keras.losses.dice(y_true, y_pred)) == pytest.approx(0.25, abs=1e-6)
    # tp 1.5, "fp" = sum((1 - p) t) = 0.5, "fn" = sum(p (1 - t)) = 0.5
    tversky = keras.losses.tversky(y_true, y_pred, alpha=0.2, beta=0.8)
    assert float(tversky) == pytest.approx(1 - 1.5 / (1.5 + 0.1 + 0.4), abs=1e-6)
    per_row = keras.losses.Dice(axis=-1, reduction="none")(np.eye(2), np.eye(2))
    np.testing.assert_allclose(per_row, [0.0, 0.0], atol=1e-6)


@pytest.mark.parametrize("cls,args", [("Dice", {}), ("Tversky", {"alpha": 0.7}),
                                      ("CategoricalGeneralizedCrossEntropy", {"q": 0.3}),
                                      ("Circle", {"gamma": 10.0})])
def test_gradients_against_finite_differences(cls, args):
    rng = np.random.default_rng(7)
    if cls == "Circle":
        y_true = np.array([0, 0, 1, 1, 2])
        y_pred = rng.normal(size=(5, 4))
        y_pred /= np.linalg.norm(y_pred, axis=1, keepdims=True)
    elif cls == "CategoricalGeneralizedCrossEntropy":
        y_true, y_pred = rng.integers(0, 3, 5), rng.dirichlet(np.ones(3), 5)
    else:
        y_true, y_pred = rng.integers(0, 2, (5, 3)), rng.uniform(size=(5, 3))
    loss = getattr(keras.losses, cls)(dtype="float64", **args)
    variable = keras.Variable(y_pred)
    with keras.GradientTape() as tape:
        value = loss(y_true, variable.value)
    want = numeric_gradient(lambda: float(loss(y_true, y_pred)), y_pred)
    np.testing.assert_allclose(tape.gradient(value, variable), want, rtol=1e-6, atol=1e-9)


def test_circle_mean_counts_only_positive_rows():
    rng = np.random.default_rng(5)
    embeddings = rng.normal(size=(5, 3))
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    labels = np.array([0, 0, 1, 1, 2])  # label 2 alone: no positive pair, loss 0
    values = keras.losses.circle(labels, embeddings)
    assert values[4] == 0 and np.all(values[:4] > 0)
    mean = keras.losses.Circle()(labels, embeddings)
    assert float(mean) == pytest.approx(np.sum(values) / 4, rel=1e-6)
    total = keras.losses.Circle(reduction="sum")(labels, embeddings)
    assert float(total) == pytest.approx(np.sum(values), rel=1e-6)


def test_generalized_crossentropy_q_and_out_of_range_label():
    value = keras.losses.categorical_generalized_cross_entropy(
        np.array([1, 5]), np.array([[0.2, 0.64, 0.16], [0.3, 0.3, 0.4]]), q=0.5)
    np.testing.assert_allclose(value, [(1 - 0.8) / 0.5, 1 / 0.5], rtol=1e-6)
    with pytest.raises(ValueError, match="q must be in the interval"):
        keras.losses.CategoricalGeneralizedCrossEntropy(q=1.0)
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        keras.losses.get("categorical_generalized_cross_entropy")
