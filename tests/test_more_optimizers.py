"""Adamax, Adadelta and Lion without TensorFlow: steps worked by hand, state names for
saving, configs and Lion's argument check."""
import math

import numpy as np
import pytest

import kerasmini
from kerasmini import optimizers


def _var(value):
    return kerasmini.Variable(np.asarray(value, dtype="float64"), name="w", path="d/w")


def _lr(value):
    return float(np.float32(value))   # the learning rate is a float32 variable, as Keras's


def test_adamax_steps_by_hand():
    # t=1: m = 0.1 g, u = |g|, step = lr m / (0.1 u) = lr sign(g)
    w = _var([1.0, -1.0])
    opt = optimizers.Adamax(learning_rate=0.1, epsilon=0.0)
    opt.apply_gradients([(np.array([0.5, -4.0]), w)])
    np.testing.assert_allclose(w.numpy(), [1 - _lr(0.1), -1 + _lr(0.1)], rtol=1e-15)
    # t=2, g = 0 on the first entry: m = 0.9 * 0.05, u = 0.999 * 0.5 (the decayed max)
    opt.apply_gradients([(np.array([0.0, -4.0]), w)])
    first = 1 - _lr(0.1) - _lr(0.1) * (0.9 * 0.05) / ((1 - 0.81) * 0.999 * 0.5)
    assert w.numpy()[0] == pytest.approx(first, rel=1e-14)


def test_adadelta_steps_by_hand():
    w = _var([1.0])
    opt = optimizers.Adadelta(learning_rate=1.0, rho=0.5, epsilon=1.0)
    opt.apply_gradients([(np.array([2.0]), w)])
    # E[g^2] = 0.5 * 4 = 2; dx = -sqrt(0 + 1) / sqrt(2 + 1) * 2; E[dx^2] = 0.5 dx^2
    dx = -2 / math.sqrt(3)
    assert w.numpy()[0] == pytest.approx(1 + dx, rel=1e-15)
    opt.apply_gradients([(np.array([1.0]), w)])
    dx2 = -math.sqrt(0.5 * dx * dx + 1) / math.sqrt(0.5 * 2 + 0.5 * 1 + 1) * 1
    assert w.numpy()[0] == pytest.approx(1 + dx + dx2, rel=1e-15)


def test_lion_follows_the_momentum_sign():
    w = _var([1.0])
    opt = optimizers.Lion(learning_rate=0.1)
    opt.apply_gradients([(np.array([-3.0]), w)])   # sign(0.1 * -3) = -1: w += lr
    opt.apply_gradients([(np.array([0.1]), w)])    # 0.9 * (0.01 * -3) + 0.1 * 0.1 < 0
    assert w.numpy()[0] == pytest.approx(1 + 2 * _lr(0.1), rel=1e-15)
    momentum = [v for v in opt.variables if v.name == "d_w_momentum"][0]
    assert momentum.numpy()[0] == pytest.approx(0.99 * (0.01 * -3.0) + 0.01 * 0.1)


@pytest.mark.parametrize("cls,slots", [(optimizers.Adamax, ["momentum", "norm"]),
                                       (optimizers.Adadelta, ["accumulated_grad",
                                                              "accumulated_delta_var"]),
                                       (optimizers.Lion, ["momentum"])])
def test_state_names_and_configs(cls, slots):
    opt = cls(learning_rate=0.5, name="o")
    opt.build([_var([1.0])])
    assert [v.name for v in opt.variables] == ["iteration", "learning_rate",
                                                *(f"d_w_{s}" for s in slots)]
    assert optimizers.get(cls.__name__.lower()).__class__ is cls
    assert cls.from_config(opt.get_config()).get_config() == opt.get_config()


def test_lion_rejects_beta_1_outside_0_1():
    with pytest.raises(ValueError, match="beta_1=0"):
        optimizers.Lion(beta_1=0)
