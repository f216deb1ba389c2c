"""Linear and bilinear kernels differentiate to any order (ops/linear_second_order.py,
max_pooling_second_order.py): three nested tapes along a scaling t of every operand.

A kernel linear in its input gives y(t x0) = t y0, a bilinear one y(t x0, t K0) = t^2 y0
(max pooling too, for t > 0), so L(t) = sum(w * y^p) is c t^n with c = sum(w * y0^p)
from the plain forward kernel, and its first three derivatives are known exactly. The
third takes the gradient ops' own recorded rules (the rules of the rules), which no
first- or second-order test runs."""
import numpy as np
import pytest

import kerasmini as keras
from kerasmini.ops import differentiable_kernels as kernels

RNG = np.random.default_rng(5)
IMAGE = RNG.standard_normal((2, 5, 6, 3))
T0 = 1.3

BILINEAR = {  # name: (kernel, operand shape, options)
    "conv": (kernels.conv, (3, 2, 3, 4), dict(strides=(2, 1), padding="same")),
    "depthwise_conv": (kernels.depthwise_conv, (2, 3, 3, 2), dict(padding="valid")),
    "conv_transpose": (kernels.conv_transpose, (3, 3, 2, 3), dict(strides=2,
                                                                   padding="same")),
}
LINEAR = {
    "average_pool": (kernels.average_pool, dict(pool_size=2, strides=1, padding="same")),
    "max_pool": (kernels.max_pool, dict(pool_size=(2, 3), strides=2, padding="same")),
    "resize": (kernels.resize, dict(size=(7, 4), interpolation="bilinear")),
}


def derivatives(loss, t0=T0):
    """dL/dt, d2L/dt2, d3L/dt3 at t0, each by a tape around the one before."""
    with keras.GradientTape() as third:
        t = third.watch(np.array(t0))
        with keras.GradientTape() as second:
            second.watch(t)
            with keras.GradientTape() as first:
                first.watch(t)
                value = loss(t)
            d1 = first.gradient(value, t)
        d2 = second.gradient(d1, t)
    d3 = third.gradient(d2, t)
    return [float(np.asarray(d)) for d in (d1, d2, d3)]


def power_derivatives(c, n, t0=T0):
    """The first three derivatives of c t^n at t0."""
    return [c * n * t0 ** (n - 1), c * n * (n - 1) * t0 ** (n - 2),
            c * n * (n - 1) * (n - 2) * t0 ** (n - 3)]


@pytest.mark.parametrize("name", sorted(BILINEAR))
def test_bilinear_kernels_differentiate_three_times(name):
    op, shape, options = BILINEAR[name]
    kernel = RNG.standard_normal(shape)
    y0 = op.forward(IMAGE, kernel, **options)
    weights = RNG.standard_normal(y0.shape)
    c = float(np.sum(weights * y0 ** 3))
    got = derivatives(lambda t: np.sum(weights * op(t * IMAGE, t * kernel, **options) ** 3))
    np.testing.assert_allclose(got, power_derivatives(c, 6), rtol=1e-10)


@pytest.mark.parametrize("name", sorted(LINEAR))
def test_linear_kernels_differentiate_three_times(name):
    op, options = LINEAR[name]
    y0 = op.forward(IMAGE, **options)
    weights = RNG.standard_normal(y0.shape)
    c = float(np.sum(weights * y0 ** 4))
    got = derivatives(lambda t: np.sum(weights * op(t * IMAGE, **options) ** 4))
    np.testing.assert_allclose(got, power_derivatives(c, 4), rtol=1e-10)
