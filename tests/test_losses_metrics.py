"""Losses and metrics without TensorFlow: gradients against float64 central differences,
values against the definitions, reductions and sample weights."""
import numpy as np
import pytest

import kerasmini as keras

LOSSES = [("MeanSquaredError", {}), ("MeanAbsoluteError", {}), ("Huber", {"delta": 0.7}),
          ("KLDivergence", {}), ("BinaryCrossentropy", {}),
          ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}),
          ("CategoricalCrossentropy", {"label_smoothing": 0.2}),
          ("CategoricalCrossentropy", {"from_logits": True}),
          ("SparseCategoricalCrossentropy", {}),
          ("SparseCategoricalCrossentropy", {"from_logits": True})]


def _inputs(cls, args, rng):
    p = rng.dirichlet(np.ones(4), size=5)
    if args.get("from_logits") or cls in ("MeanSquaredError", "MeanAbsoluteError", "Huber"):
        p = rng.normal(size=(5, 4))
    if cls == "SparseCategoricalCrossentropy":
        return rng.integers(0, 4, size=5), p
    if cls == "BinaryCrossentropy":
        return rng.integers(0, 2, size=(5, 4)).astype(float), p
    if cls in ("CategoricalCrossentropy", "KLDivergence"):
        return np.eye(4)[rng.integers(0, 4, size=5)], p
    return rng.normal(size=(5, 4)), p


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
@pytest.mark.parametrize("cls,args", LOSSES)
def test_gradient_against_finite_differences(cls, args, reduction):
    rng = np.random.default_rng(7)
    t, p = _inputs(cls, args, rng)
    w = rng.uniform(0.5, 2.0, size=5)
    loss = getattr(keras.losses, cls)(reduction=reduction, dtype="float64", **args)
    value, vjp = loss.value_and_vjp(t, p, w)
    grad = vjp(np.ones_like(value))
    numeric = np.zeros_like(p)
    for index in np.ndindex(p.shape):
        h = 1e-6
        up, down = p.copy(), p.copy()
        up[index] += h
        down[index] -= h
        numeric[index] = (np.sum(loss.value_and_vjp(t, up, w)[0])
                          - np.sum(loss.value_and_vjp(t, down, w)[0])) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_values_by_definition():
    t = np.array([[0.0, 1.0], [1.0, 0.0]])
    p = np.array([[0.2, 0.8], [0.6, 0.4]])
    bce = keras.losses.BinaryCrossentropy(dtype="float64")(t, p)
    expected = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert bce == pytest.approx(expected, rel=1e-12)
    cce = keras.losses.CategoricalCrossentropy(dtype="float64")(t, p)
    assert cce == pytest.approx(-np.mean(np.log([0.8, 0.6])), rel=1e-12)
    clipped = keras.losses.CategoricalCrossentropy(dtype="float64")([[1.0, 0.0]], [[0.0, 1.0]])
    assert clipped == pytest.approx(-np.log(1e-7), rel=1e-9)
    per = keras.losses.MeanSquaredError(reduction=None, dtype="float64")(t, p)
    np.testing.assert_allclose(per, np.mean((t - p) ** 2, axis=-1))
    weighted = keras.losses.MeanSquaredError(reduction="mean_with_sample_weight",
                                             dtype="float64")(t, p, sample_weight=[1.0, 3.0])
    assert weighted == pytest.approx(np.sum(per * [1, 3]) / 4)
    with pytest.raises(ValueError, match="reduction"):
        keras.losses.MeanSquaredError(reduction="avg")
    assert keras.losses.get("mse") is keras.losses.mean_squared_error


def test_metrics_accumulate_and_reset():
    m = keras.metrics.SparseCategoricalAccuracy()
    m.update_state([0, 1], [[0.9, 0.1], [0.8, 0.2]])
    m.update_state([1], [[0.1, 0.9]], sample_weight=[2.0])
    assert float(m.result()) == pytest.approx(3 / 4)
    m.reset_state()
    assert float(m.result()) == 0.0
    top = keras.metrics.TopKCategoricalAccuracy(k=2)
    top.update_state(np.eye(3)[[2, 0]], [[0.5, 0.3, 0.2], [0.1, 0.2, 0.7]])
    assert float(top.result()) == 0.0
    mean = keras.metrics.Mean()
    mean.update_state([1.0, 2.0, 3.0], sample_weight=[1.0, 0.0, 1.0])
    assert float(mean.result()) == 2.0
    for t_shape, p_shape, cls in [((4,), (4, 3), "SparseCategoricalAccuracy"),
                                  ((4, 3), (4, 3), "CategoricalAccuracy"),
                                  ((4, 1), (4, 1), "BinaryAccuracy")]:
        metric = keras.metrics.get_metric("accuracy", t_shape, p_shape)
        assert type(metric).__name__ == cls and metric.name == "accuracy"
