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


# Losses that need inputs of their own shapes (tested in their own files)
OWN_INPUTS = {"CTC", "Circle", "LossFunctionWrapper", "Loss"}
SPARSE_LABELS = {"SparseCategoricalCrossentropy", "CategoricalGeneralizedCrossEntropy"}


def _loss_classes():
    import inspect
    return sorted(name for name in dir(keras.losses) if inspect.isclass(
        getattr(keras.losses, name)) and issubclass(getattr(keras.losses, name),
                                                    keras.losses.Loss)
        and name not in OWN_INPUTS)


@pytest.mark.parametrize("cls", _loss_classes())
def test_every_loss_class_applies_every_reduction(cls):
    """reduction reaches the class (each passes it on to Loss): the reduced value is the
    per-sample values ('none') weighted, then summed, averaged over the values, or
    averaged by the weights."""
    rng = np.random.default_rng(8)
    t = rng.integers(0, 4, 5) if cls in SPARSE_LABELS else \
        rng.integers(0, 2, (5, 4)).astype(float)
    p = rng.dirichlet(np.ones(4), size=5) * 0.9 + 0.025
    per = np.asarray(getattr(keras.losses, cls)(reduction="none", dtype="float64")(t, p))
    assert per.shape == (() if cls in ("Dice", "Tversky") else (5,))  # their axis=None
    w = rng.uniform(0.5, 2.0, 5) if per.ndim == 1 else None
    weighted = per * (1.0 if w is None else w)
    total_weight = per.size if w is None else np.sum(w)
    expected = {"none": weighted, None: weighted, "sum": np.sum(weighted),
                "sum_over_batch_size": np.sum(weighted) / per.size,
                "mean": np.sum(weighted) / per.size,
                "mean_with_sample_weight": np.sum(weighted) / total_weight}
    for reduction, value in expected.items():
        loss = getattr(keras.losses, cls)(reduction=reduction, dtype="float64")
        assert loss.get_config()["reduction"] == reduction
        np.testing.assert_allclose(loss(t, p, sample_weight=w), value, rtol=1e-12,
                                   err_msg=str(reduction))


def test_dice_and_tversky_take_an_axis():
    rng = np.random.default_rng(9)
    t, p = rng.integers(0, 2, (5, 4)).astype(float), rng.uniform(0.1, 0.9, (5, 4))
    for cls in ("Dice", "Tversky"):
        loss = getattr(keras.losses, cls)(axis=-1, reduction="none", dtype="float64")
        assert loss.get_config()["axis"] == -1
        assert loss(t, p).shape == (5,)


def test_sparse_labels_are_never_rounded_to_the_predictions_dtype():
    # float16 holds integers exactly only up to 2048: label 2049 must stay 2049
    p = np.full((1, 3000), 1e-4, np.float16)
    p[0, 2049], p[0, 2048] = 0.5, 0.25
    got = keras.losses.sparse_categorical_crossentropy(np.array([2049]), p)
    expected = -np.log(np.float32(p[0, 2049]) / np.sum(p.astype(np.float32)))
    assert got[0] == pytest.approx(expected, rel=1e-2)  # (float16: ~1e-3)


def test_apply_mask_rescales_a_mean_to_the_values_kept():
    from kerasmini.losses.loss import apply_mask
    mask = np.array([True, False, True, False])
    for reduction, kept in [("sum_over_batch_size", 2.0), ("mean", 2.0), ("sum", 1.0),
                            ("none", 1.0)]:
        got = apply_mask(None, mask, np.float32, reduction)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, [kept, 0, kept, 0])
        np.testing.assert_array_equal(apply_mask([1.0, 2.0, 3.0, 4.0], mask, np.float32,
                                                 reduction), [kept, 0, 3 * kept, 0])
    nothing = apply_mask(None, np.zeros(4, bool), np.float32, "sum_over_batch_size")
    assert nothing.dtype == np.float32 and not nothing.any()


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4)])
def test_a_trailing_axis_of_one_is_squeezed_on_either_side(shape):
    rng = np.random.default_rng(10)
    t, p = rng.normal(size=shape), rng.normal(size=shape)
    loss = keras.losses.MeanSquaredError(reduction="none", dtype="float64")
    expected = loss(t, p)
    np.testing.assert_allclose(loss(t[..., None], p), expected, rtol=1e-12)
    np.testing.assert_allclose(loss(t, p[..., None]), expected, rtol=1e-12)
    if len(shape) == 2:  # a rank-1 side is expanded instead (one value per sample)
        column = loss(t[:, :1], p[:, :1])
        np.testing.assert_allclose(loss(t[:, 0], p[:, :1]), column, rtol=1e-12)
        np.testing.assert_allclose(loss(t[:, :1], p[:, 0]), column, rtol=1e-12)


def _metric_cases():
    rng = np.random.default_rng(11)
    t, p = rng.integers(0, 2, (6, 4)).astype(float), rng.uniform(0.05, 0.95, (6, 4))
    onehot = np.eye(4)[rng.integers(0, 4, 6)]
    labels = onehot.argmax(-1)
    m = keras.metrics
    return [
        (m.BinaryAccuracy, m.binary_accuracy, {"threshold": 0.7}, t, p),
        (m.CosineSimilarity, keras.losses.cosine_similarity, {"axis": 0}, t, p),
        (m.TopKCategoricalAccuracy, m.top_k_categorical_accuracy, {"k": 2}, onehot, p),
        (m.SparseTopKCategoricalAccuracy, m.sparse_top_k_categorical_accuracy, {"k": 3},
         labels, p),
        (m.BinaryCrossentropy, m.binary_crossentropy,
         {"from_logits": True, "label_smoothing": 0.1}, t, p),
        (m.CategoricalCrossentropy, m.categorical_crossentropy, {"label_smoothing": 0.2},
         onehot, p),
        (m.SparseCategoricalCrossentropy, m.sparse_categorical_crossentropy,
         {"from_logits": True}, labels, p),
    ]


@pytest.mark.parametrize("cls,fn,kwargs,t,p", _metric_cases(),
                         ids=lambda v: getattr(v, "__name__", ""))
def test_metric_classes_pass_their_arguments_to_their_function(cls, fn, kwargs, t, p):
    metric = cls(**kwargs, dtype="float64")
    metric.update_state(t, p)
    # cosine_similarity (a loss) is the negative of the metric
    sign = -1.0 if cls is keras.metrics.CosineSimilarity else 1.0
    expected = sign * np.mean(np.asarray(fn(t, p, **kwargs), np.float64))
    assert float(metric.result()) == pytest.approx(expected, rel=1e-6)
    assert all(metric.get_config()[key] == value for key, value in kwargs.items())
