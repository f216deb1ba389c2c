"""Lamb and Adafactor without TensorFlow: first steps worked by hand, Adafactor's factored
second moment against the full one for a rank-1 gradient, state layout, and the Keras
optimizers kerasmini refuses by name."""
import numpy as np
import pytest

import kerasmini
from kerasmini import optimizers


def _var(value, name="w"):
    return kerasmini.Variable(np.asarray(value, dtype="float64"), name=name, path=f"d/{name}")


def _lr(value):
    return float(np.float32(value))   # the learning rate is a float32 variable, as Keras's


def test_lamb_first_step_moves_by_lr_times_the_weight_norm():
    # t = 1: m_hat = g, v_hat = g^2, u = g / (|g| + eps) = sign(g) (eps = 0); the trust
    # ratio ||w|| / ||u|| makes the step lr * ||w|| / sqrt(n) * sign(g)
    w = _var([3.0, -4.0, 0.0, 0.0])
    opt = optimizers.Lamb(learning_rate=0.1, epsilon=0.0)
    opt.apply_gradients([(np.array([1.0, -2.0, 5.0, -0.5]), w)])
    step = _lr(0.1) * 5.0 / 2.0
    np.testing.assert_allclose(w.numpy(), [3 - step, -4 + step, -step, step], rtol=1e-14)
    zero = _var([0.0, 0.0], "z")  # ||w|| = 0: the ratio is 1, an Adam-like step
    opt2 = optimizers.Lamb(learning_rate=0.1, epsilon=0.0)
    opt2.apply_gradients([(np.array([2.0, -1.0]), zero)])
    np.testing.assert_allclose(zero.numpy(), [-_lr(0.1), _lr(0.1)], rtol=1e-14)


def test_adafactor_factored_moment_is_exact_for_rank_one_squares():
    # g^2 = a b^T (rank one): row means r = a mean(b), column means c = b mean(a), and
    # r c / mean(r) = a b^T exactly, so the first step is g / |g| clipped to RMS 1: sign(g)
    # times alpha = max(eps2, RMS(w)) * min(lr, 1)
    a, b = np.array([1.0, 4.0]), np.array([0.25, 1.0, 9.0])
    g = np.sqrt(np.outer(a, b)) * np.array([[1, -1, 1], [-1, 1, 1]])
    w0 = np.full((2, 3), 2.0)
    w = _var(w0)
    opt = optimizers.Adafactor(learning_rate=0.5, epsilon_1=0.0)
    opt.apply_gradients([(g, w)])
    np.testing.assert_allclose(w.numpy(), w0 - 2.0 * _lr(0.5) * np.sign(g), rtol=1e-12)
    names = [v.name for v in opt.variables]
    assert names == ["iteration", "learning_rate", "w", "w", "d_w_velocity"]
    assert [v.shape for v in opt.variables[2:]] == [(2,), (3,), (2, 3)]


def test_adafactor_vector_clipping_and_relative_step():
    # a vector keeps v = g^2 at t = 1; u = sign(g) has RMS 1, clip_threshold 0.5 halves it;
    # relative_step caps the rate at 1 / sqrt(t) = 1 (lr 3 -> 1); RMS(w) = 1
    w = _var([1.0, -1.0])
    opt = optimizers.Adafactor(learning_rate=3.0, clip_threshold=0.5, epsilon_1=0.0)
    opt.apply_gradients([(np.array([0.2, 0.7]), w)])
    np.testing.assert_allclose(w.numpy(), [0.5, -1.5], rtol=1e-12)
    assert [v.dtype for v in opt.variables[2:4]] == [np.dtype("int32")] * 2  # as Keras
    config = opt.get_config()
    assert config["clip_threshold"] == 0.5 and config["relative_step"] is True
    again = optimizers.Adafactor.from_config(config)
    assert again.get_config() == config
    assert type(optimizers.get("adafactor")) is optimizers.Adafactor
    assert type(optimizers.get("lamb")) is optimizers.Lamb


@pytest.mark.parametrize("name", ["Muon", "ScheduleFreeAdamW", "MultiOptimizer",
                                  "OptimizerMap"])
def test_optimizers_kerasmini_lacks_are_refused_by_name(name):
    with pytest.raises(NotImplementedError, match=f"keras.optimizers.{name}: "):
        getattr(optimizers, name)()
