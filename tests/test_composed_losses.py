"""The losses built from tape-recorded NumPy operations (losses/composed_losses.py):
values worked by hand, tape gradients against central finite differences, names,
configs, and the metrics that share their per-sample functions."""
import math

import numpy as np
import pytest

import kerasmini as keras
from kerasmini import losses
from tests.gradcheck import TOLERANCE, numeric_gradient

FOCAL = 0.04 * -math.log(0.8)  # (1 - 0.8)^2 * -log(0.8): p_t = 0.8, gamma = 2
HAND = [  # (loss, y_true, y_pred, by hand: the mean over the batch)
    (losses.Hinge(), [[0.0, 1.0]], [[0.3, -0.2]], (1.3 + 1.2) / 2),
    (losses.SquaredHinge(), [[0.0, 1.0]], [[0.3, -0.2]], (1.69 + 1.44) / 2),
    (losses.Hinge(), [[-1.0, 1.0]], [[2.0, 3.0]], 3.0 / 2),   # labels already +-1
    (losses.CategoricalHinge(), [[0.0, 1.0, 0.0]], [[0.5, 0.2, 0.1]], 1.3),
    (losses.MeanAbsolutePercentageError(), [[2.0, 0.0]], [[1.0, 1e-7]], 75.0),
    (losses.MeanSquaredLogarithmicError(), [[math.e - 1]], [[math.e ** 2 - 1]], 1.0),
    (losses.LogCosh(), [[0.0, 0.0]], [[0.0, 100.0]], (100 - math.log(2)) / 2),
    (losses.Poisson(), [[2.0]], [[1.0]], 1 - 2 * math.log(1 + 1e-7)),
    (losses.CosineSimilarity(), [[1.0, 0.0]], [[3.0, 4.0]], -0.6),
    (losses.CosineSimilarity(axis=0), [[1.0], [0.0]], [[3.0], [4.0]], -0.6),
    (losses.BinaryFocalCrossentropy(), [[1.0]], [[0.8]], FOCAL),
    (losses.BinaryFocalCrossentropy(from_logits=True), [[1.0]], [[math.log(4)]], FOCAL),
    (losses.BinaryFocalCrossentropy(apply_class_balancing=True), [[0.0]], [[0.2]],
     0.75 * FOCAL),
    (losses.BinaryFocalCrossentropy(gamma=0.0, label_smoothing=0.5), [[1.0]], [[0.5]],
     math.log(2)),
    (losses.CategoricalFocalCrossentropy(), [[0.0, 1.0]], [[0.2, 0.8]], 0.25 * FOCAL),
    (losses.CategoricalFocalCrossentropy(), [[0.0, 1.0]], [[1.0, 4.0]], 0.25 * FOCAL),
    (losses.CategoricalFocalCrossentropy(from_logits=True), [[0.0, 1.0]],
     [[0.0, math.log(4)]], 0.25 * FOCAL),
]


@pytest.mark.parametrize("loss,y_true,y_pred,expected", HAND,
                         ids=[f"{type(h[0]).__name__}-{i}" for i, h in enumerate(HAND)])
def test_values_by_hand(loss, y_true, y_pred, expected):
    loss._dtype = "float64"
    assert float(loss(np.array(y_true), np.array(y_pred))) == pytest.approx(expected,
                                                                            rel=1e-12)


SMOOTH = [  # inputs away from kinks, floors and clip bounds
    (losses.Hinge(), "signs"), (losses.SquaredHinge(), "signs"),
    (losses.CategoricalHinge(), "one_hot"), (losses.MeanAbsolutePercentageError(), "pos"),
    (losses.MeanSquaredLogarithmicError(), "pos"), (losses.LogCosh(), "pos"),
    (losses.Poisson(), "pos"), (losses.CosineSimilarity(), "pos"),
    (losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=3.0), "prob"),
    (losses.BinaryFocalCrossentropy(from_logits=True, label_smoothing=0.1), "logits"),
    (losses.CategoricalFocalCrossentropy(alpha=0.5, gamma=1.5), "simplex"),
    (losses.CategoricalFocalCrossentropy(from_logits=True, label_smoothing=0.2), "logits"),
]


def _smooth_inputs(kind, rng):
    t = np.eye(3)[rng.integers(0, 3, 4)]
    if kind == "signs":
        return rng.integers(0, 2, (4, 3)).astype(float), rng.normal(size=(4, 3)) * 0.4
    if kind == "pos":
        return rng.uniform(0.5, 2, (4, 3)), rng.uniform(0.5, 2, (4, 3))
    if kind == "prob":
        return rng.integers(0, 2, (4, 3)).astype(float), rng.uniform(0.1, 0.9, (4, 3))
    if kind == "simplex":
        return t, rng.dirichlet(np.full(3, 8.0), 4)   # no probability near 0
    return t, rng.normal(size=(4, 3))   # one_hot, logits


@pytest.mark.parametrize("loss,kind", SMOOTH, ids=[type(s[0]).__name__ for s in SMOOTH])
def test_tape_gradient_matches_finite_differences(loss, kind):
    loss._dtype = "float64"
    rng = np.random.default_rng(len(kind))
    t, p = _smooth_inputs(kind, rng)
    weight = rng.uniform(0, 2, 4)
    variable = keras.Variable(p, dtype="float64")
    with keras.GradientTape() as tape:
        value = loss(t, variable.value, sample_weight=weight)
    got = tape.gradient(value, variable)
    expected = numeric_gradient(lambda: float(loss(t, p, sample_weight=weight)), p)
    assert got.dtype == np.float64 and np.abs(got).max() > 1e-3  # a gradient to check
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE * np.abs(expected).max())


def test_softplus_pieces_give_half_at_zero():
    """log_cosh'(0) = tanh(0) = 0: a max(x, 0) softplus would give 1/2 here."""
    variable = keras.Variable(np.zeros((1, 2)), dtype="float64")
    with keras.GradientTape() as tape:
        value = losses.log_cosh(np.array([[0.0, 1.0]]), variable.value)
    np.testing.assert_allclose(tape.gradient(value, variable),
                               [[0.0, -math.tanh(1.0) / 2]], atol=1e-15)


def test_names_configs_and_metrics_share_the_functions():
    assert losses.get("mape") is losses.mean_absolute_percentage_error
    assert losses.get("MSLE") is losses.mean_squared_logarithmic_error
    assert isinstance(losses.get("CategoricalFocalCrossentropy"),
                      losses.CategoricalFocalCrossentropy)
    focal = losses.BinaryFocalCrossentropy(True, 0.5, reduction="sum", name="f")
    config = focal.get_config()
    assert config == {"name": "f", "reduction": "sum", "apply_class_balancing": True,
                      "alpha": 0.5, "gamma": 2.0, "from_logits": False,
                      "label_smoothing": 0.0, "axis": -1}
    assert losses.deserialize(losses.serialize(focal)).get_config() == config
    assert losses.CosineSimilarity(axis=0).get_config() == {
        "name": "cosine_similarity", "reduction": "sum_over_batch_size"}
    with pytest.raises(TypeError, match="gama"):
        losses.BinaryFocalCrossentropy(gama=2.0)
    with pytest.warns(SyntaxWarning, match="num_classes > 1"):
        losses.categorical_focal_crossentropy(np.ones((2, 1)), np.ones((2, 1)))
    with pytest.raises(ValueError, match="axis"):
        losses.categorical_focal_crossentropy(np.eye(2), np.eye(2), axis=True)
    t, p = np.array([[1.0, 0.0]]), np.array([[3.0, 4.0]])
    metric = keras.metrics.CosineSimilarity()
    metric.update_state(t, p)
    assert float(metric.result()) == pytest.approx(-float(losses.cosine_similarity(t, p)[0]))
    assert keras.metrics.hinge is losses.hinge and keras.metrics.poisson is losses.poisson


def test_fit_with_a_composed_loss_lowers_it():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="categorical_hinge")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)), np.eye(2)[rng.integers(0, 2, 16)]
    history = model.fit(x, y, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
