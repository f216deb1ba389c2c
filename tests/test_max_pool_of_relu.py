"""Max pooling of a bias + relu differentiated in one rule (ops/max_pooling_vjp.py's
max_pool_of_relu_vjp, run by the tape through `differentiable(..., through=...)`): against
the loop reference, and the tape's rule for when it may run (nothing else reads the relu's
output) or declines (the bias is not along the pooling's channels)."""
import numpy as np
import pytest

import kerasmini
from kerasmini import GradientTape, layers, ops
from kerasmini.ops import differentiable_kernels as kernels
from kerasmini.ops.bias_activation import bias_add_relu
from kerasmini.ops.max_pooling_vjp import max_pool_of_relu_vjp, max_pool_vjp
from tests.test_gradient_fast_paths import max_pool_gradient_reference

POOLS = [  # (pool, strides, padding): tiling, overlapping 'same', overlapping 'valid'
    ((2, 2), (2, 2), "valid"), ((3, 3), (2, 2), "same"), ((2, 3), (1, 2), "valid")]


@pytest.fixture
def joint_calls(monkeypatch):
    """The joint rule still runs; each call appends whether it answered (not None)."""
    calls = []

    def spied(*args):
        result = max_pool_of_relu_vjp(*args)
        calls.append(result is not None)
        return result

    monkeypatch.setitem(kernels.max_pool.through, "bias_add_relu", spied)
    return calls


def _operands(channels_first=False, seed=0):
    """x (2, 7, 6, 3) of small integers, half of them negative: relu makes ties at 0
    and pooling ties between equal maxima; a bias of integers keeps them."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 3, (2, 7, 6, 3)).astype("float64")
    bias = np.array([1.0, -1.0, 0.0])
    if channels_first:
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    return x, bias


def _reference(x, bias, g, pool, strides, padding, channels_first=False):
    """(dL/dx, dL/dbias) by the loop: route g to the first maximum of each window of y,
    keep it where y > 0, sum it per channel."""
    if channels_first:  # the reference works channels_last
        x, g = x.transpose(0, 2, 3, 1), g.transpose(0, 2, 3, 1)
    y = np.maximum(x + bias, 0)
    dx = max_pool_gradient_reference(y, g, pool, strides, padding) * (y > 0)
    dbias = dx.sum(axis=(0, 1, 2))
    return (dx.transpose(0, 3, 1, 2) if channels_first else dx), dbias


def _tape_gradients(x, bias, g, pool, strides, padding, data_format=None, also_y=None,
                    y_as_source=False):
    """tape.gradient of sum(max_pool(bias_add_relu(x, bias)) * g) (+ sum(y * also_y))."""
    axis = 1 if data_format == "channels_first" else -1
    with GradientTape() as tape:
        x_t, bias_t = tape.watch([x, bias])
        y = bias_add_relu(x_t, bias_t, axis)
        loss = ops.sum(ops.max_pool(y, pool, strides, padding, data_format) * g)
        if also_y is not None:
            loss = loss + ops.sum(y * also_y)
    return tape.gradient(loss, [x_t, bias_t] + ([y] if y_as_source else []))


@pytest.mark.parametrize("pool,strides,padding", POOLS, ids=str)
@pytest.mark.parametrize("channels_first", [False, True], ids=["last", "first"])
def test_joint_rule_matches_the_loop_reference(pool, strides, padding, channels_first,
                                               joint_calls):
    x, bias = _operands(channels_first)
    data_format = "channels_first" if channels_first else "channels_last"
    out = kernels.max_pool.forward(np.maximum(x + bias.reshape((3, 1, 1) if channels_first
                                                           else 3), 0),
                               pool, strides, padding, data_format)
    g = np.random.default_rng(1).standard_normal(out.shape)
    dx, dbias = _tape_gradients(x, bias, g, pool, strides, padding, data_format)
    expected_dx, expected_dbias = _reference(x, bias, g, pool, strides, padding,
                                             channels_first)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-12, atol=0)
    np.testing.assert_allclose(dbias, expected_dbias, rtol=1e-12, atol=1e-12)
    assert joint_calls == [True]


@pytest.mark.parametrize("pool,strides,padding", POOLS, ids=str)
def test_a_second_reader_of_the_relu_output_keeps_the_rules_apart(pool, strides, padding,
                                                                  joint_calls):
    x, bias = _operands()
    out = kernels.max_pool.forward(np.maximum(x + bias, 0), pool, strides, padding)
    rng = np.random.default_rng(2)
    g, also_y = rng.standard_normal(out.shape), rng.standard_normal(x.shape)
    dx, dbias = _tape_gradients(x, bias, g, pool, strides, padding, also_y=also_y)
    expected_dx, _ = _reference(x, bias, g, pool, strides, padding)
    expected_dx += also_y * (x + bias > 0)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dbias, expected_dx.sum(axis=(0, 1, 2)), rtol=1e-12,
                               atol=1e-12)
    assert joint_calls == []


def test_the_relu_output_asked_for_as_a_source_keeps_the_rules_apart(joint_calls):
    x, bias = _operands()
    pool, strides, padding = POOLS[1]
    y = np.maximum(x + bias, 0)
    g = np.random.default_rng(3).standard_normal(
        kernels.max_pool.forward(y, pool, strides, padding).shape)
    dx, dbias, dy = _tape_gradients(x, bias, g, pool, strides, padding, y_as_source=True)
    np.testing.assert_allclose(dy, max_pool_gradient_reference(y, g, pool, strides, padding),
                               rtol=1e-12, atol=0)
    expected_dx, expected_dbias = _reference(x, bias, g, pool, strides, padding)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-12, atol=0)
    assert joint_calls == []


def test_a_bias_along_a_pooled_axis_declines_the_joint_rule(joint_calls):
    # bias along axis 1 (rows) of a channels_last input: the sum per row cannot be taken
    # on the pooled grid, so the joint rule declines and each rule runs alone
    x, _ = _operands()
    bias = np.arange(7.0) - 3
    pool, strides, padding = POOLS[0]
    y = np.maximum(x + bias[:, None, None], 0)
    g = np.random.default_rng(4).standard_normal(
        kernels.max_pool.forward(y, pool, strides, padding).shape)
    with GradientTape() as tape:
        x_t, bias_t = tape.watch([x, bias])
        pooled = ops.max_pool(bias_add_relu(x_t, bias_t, 1), pool, strides, padding)
        dx, dbias = tape.gradient(ops.sum(pooled * g), [x_t, bias_t])
    expected_dx = max_pool_gradient_reference(y, g, pool, strides, padding) * (y > 0)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-12, atol=0)
    np.testing.assert_allclose(dbias, expected_dx.sum(axis=(0, 2, 3)), rtol=1e-12,
                               atol=1e-12)
    assert joint_calls == [False]


def test_non_finite_gradients_give_what_the_two_rules_give(joint_calls):
    # inf * 0 is NaN in the relu rule; the joint rule masks before routing, and the
    # routing then selects (it does not multiply) where g is not finite: the same values
    x, bias = _operands()
    pool, strides, padding = POOLS[1]
    y = np.maximum(x + bias, 0)
    out = kernels.max_pool.forward(y, pool, strides, padding)
    g = np.random.default_rng(5).standard_normal(out.shape)
    g[0, 0, 0] = [np.inf, -np.inf, np.nan]
    g[1, 1, 1, 1] = np.inf
    with np.errstate(invalid="ignore"):  # the loss itself is inf - inf
        dx, dbias = _tape_gradients(x, bias, g, pool, strides, padding)
        expected_dx = max_pool_vjp(g, out, y, pool, strides, padding) * (y > 0)
        expected_dbias = expected_dx.sum(axis=(0, 1, 2))
    np.testing.assert_array_equal(dx, expected_dx)
    np.testing.assert_array_equal(np.isnan(dbias), np.isnan(expected_dbias))
    assert joint_calls == [True]


def test_a_convnet_step_gives_the_same_float32_gradients_with_and_without_it(monkeypatch):
    def gradients():
        kerasmini.utils.set_random_seed(0)
        model = kerasmini.Sequential([
            kerasmini.Input((9, 8, 2)), layers.Conv2D(4, 3, activation="relu"),
            layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(3)])
        x = np.random.default_rng(6).standard_normal((5, 9, 8, 2)).astype("float32")
        with GradientTape() as tape:
            loss = ops.sum(ops.square(model(x, training=True)))
        return tape.gradient(loss, model.trainable_weights)

    calls = []
    monkeypatch.setitem(kernels.max_pool.through, "bias_add_relu",
                        lambda *args: calls.append(1) or max_pool_of_relu_vjp(*args))
    joint = gradients()
    monkeypatch.delitem(kernels.max_pool.through, "bias_add_relu")
    apart = gradients()
    assert calls == [1]
    for together, alone in zip(joint, apart):
        assert together.dtype == np.float32
        np.testing.assert_allclose(together, alone, rtol=1e-6, atol=1e-6 * np.abs(alone).max())
