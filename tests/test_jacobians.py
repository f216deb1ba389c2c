"""GradientTape.jacobian and batch_jacobian against float64 central differences of the
forward (a loop over the source's elements), with tf.GradientTape's rules for
structures, unconnected sources, persistence and refused arguments; and Hessians as
the jacobian of a jacobian taken inside an outer tape."""
import numpy as np
import pytest

import kerasmini as keras
from kerasmini import layers

RNG = np.random.default_rng(2)
EPS = 1e-6


def _difference_jacobian(f, x):
    """d f(x)[i...] / d x[j...], shape f(x).shape + x.shape, by central differences."""
    columns = []
    for j in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[j] = EPS
        columns.append((np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * EPS))
    return np.moveaxis(np.array(columns), 0, -1).reshape(np.shape(f(x)) + x.shape)


def _mixing(x):
    """Every output element depends on every input element, differently."""
    w = np.arange(1.0, 13.0).reshape(3, 4) / 10
    return np.tanh(x @ w) * np.sum(x ** 2, axis=1, keepdims=True)


def test_jacobian_of_every_output_element():
    x = RNG.standard_normal((2, 3))
    with keras.GradientTape() as tape:
        traced = tape.watch(x)
        y = _mixing(traced)
    jacobian = tape.jacobian(y, traced)
    assert jacobian.shape == (2, 4, 2, 3) and jacobian.dtype == np.float64
    np.testing.assert_allclose(jacobian, _difference_jacobian(_mixing, x), rtol=1e-7,
                               atol=1e-9)


def test_jacobians_taken_inside_the_tapes_own_block_are_the_same():
    """As tf.GradientTape allows: jacobian and batch_jacobian called while the tape
    records (it pauses; nothing the rows compute is recorded on it)."""
    x = RNG.standard_normal((2, 3))
    with keras.GradientTape(persistent=True) as tape:
        traced = tape.watch(x)
        y = _mixing(traced)
        inside = tape.jacobian(y, traced)
        batch_inside = tape.batch_jacobian(y, traced)
        after = np.sum(y)  # still recorded after the pause
    np.testing.assert_allclose(inside, _difference_jacobian(_mixing, x), rtol=1e-7,
                               atol=1e-9)
    np.testing.assert_allclose(batch_inside, np.stack([inside[b, :, b] for b in range(2)]),
                               rtol=1e-12)
    np.testing.assert_allclose(tape.gradient(after, traced), np.sum(inside, axis=(0, 1)),
                               rtol=1e-12)


def test_jacobian_of_a_model_output_with_respect_to_its_weights_in_a_structure():
    model = keras.Sequential([keras.Input((3,), dtype="float64"),
                              layers.Dense(2, activation="tanh", dtype="float64")])
    x = RNG.standard_normal((4, 3))
    kernel, bias = model.trainable_weights
    unused = np.ones(3)
    with keras.GradientTape() as tape:
        tape.watch(unused)
        y = model(x)
    result = tape.jacobian(y, {"weights": [kernel, bias], "unused": unused})
    assert result["unused"] is None
    saved = kernel.numpy().copy()

    def with_kernel(k):
        kernel.assign(k)
        return model(x)
    want = _difference_jacobian(with_kernel, saved)
    kernel.assign(saved)
    np.testing.assert_allclose(result["weights"][0], want, rtol=1e-7, atol=1e-9)
    assert result["weights"][1].shape == (4, 2, 2)


def test_batch_jacobian_stacks_the_samples_jacobians():
    x = RNG.standard_normal((3, 2, 2))

    def per_sample(t):
        mixed = np.reshape(t, (len(t), 4)) @ np.arange(12.0).reshape(4, 3) / 7
        return np.sin(mixed) * t[:, :1, 0]

    with keras.GradientTape() as tape:
        traced = tape.watch(x)
        y = per_sample(traced)
    batch = tape.batch_jacobian(y, traced)
    assert batch.shape == (3, 3, 2, 2)
    for b in range(3):
        sample = _difference_jacobian(lambda s: per_sample(s[None])[0], x[b])
        np.testing.assert_allclose(batch[b], sample, rtol=1e-7, atol=1e-9)


def test_unconnected_sources_as_tf():
    """jacobian: None, or zeros with "zero"; batch_jacobian: zeros either way (TF's)."""
    x, other = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 5))
    with keras.GradientTape(persistent=True) as tape:
        traced = tape.watch(x)
        tape.watch(other)
        y = traced * 2
    assert tape.jacobian(y, other) is None
    zeros = tape.jacobian(y, other, unconnected_gradients="zero")
    np.testing.assert_array_equal(zeros, np.zeros((2, 3, 2, 5)))
    np.testing.assert_array_equal(tape.batch_jacobian(y, other), np.zeros((2, 3, 5)))
    np.testing.assert_array_equal(tape.batch_jacobian(y, traced),
                                  np.broadcast_to(2 * np.eye(3), (2, 3, 3)))


def test_scalar_target_and_float32():
    x = RNG.standard_normal((2, 3)).astype("float32")
    with keras.GradientTape() as tape:
        traced = tape.watch(x)
        y = np.sum(traced ** 3)
    jacobian = tape.jacobian(y, traced)
    assert jacobian.shape == (2, 3) and jacobian.dtype == np.float32
    np.testing.assert_allclose(jacobian, 3 * x ** 2, rtol=1e-6)


def test_persistence_rules():
    x = RNG.standard_normal((2, 3))
    with keras.GradientTape() as tape:
        traced = tape.watch(x)
        y = traced * traced
    with pytest.raises(RuntimeError, match="persistent=True to compute the jacobian"):
        tape.jacobian(y, traced, experimental_use_pfor=False)
    tape.jacobian(y, traced)  # the refusal did not use the tape up
    with pytest.raises(RuntimeError, match="only be used to compute one set"):
        tape.jacobian(y, traced)
    with keras.GradientTape(persistent=True) as tape:
        traced = tape.watch(x)
        y = traced * traced
    for use_pfor in (True, False):
        np.testing.assert_array_equal(
            tape.batch_jacobian(y, traced, experimental_use_pfor=use_pfor,
                                parallel_iterations=2),
            np.stack([np.diag(2 * row) for row in x]))


@pytest.mark.parametrize("call,error,message", [
    (lambda t, y, x: t.batch_jacobian(y, x[0]), ValueError, r"Shape \(3,\) must have rank"),
    (lambda t, y, x: t.batch_jacobian(y, np.ones((3, 2))), ValueError,
     r"Need first dimension of target shape \(\(2, 3\)\) and source shape \(\(3, 2\)\)"),
    (lambda t, y, x: t.jacobian([y, y], x), AttributeError, "one target tensor"),
    (lambda t, y, x: t.jacobian(y, x, unconnected_gradients="zeros"), ValueError,
     "unconnected_gradients: 'zeros'"),
    (lambda t, y, x: t.jacobian(y, x, parallel_iterations=0), ValueError,
     "parallel_iterations=0"),
])
def test_refused_arguments_leave_the_tape_usable(call, error, message):
    x = RNG.standard_normal((2, 3))
    with keras.GradientTape() as tape:
        traced = tape.watch(x)
        y = traced * traced
    with pytest.raises(error, match=message):
        call(tape, y, traced)
    np.testing.assert_array_equal(tape.gradient(y, traced), 2 * x)


def test_hessian_is_the_jacobian_of_a_jacobian():
    """Inside an outer tape the rows are recorded gradients: the Jacobian of
    sum_i sin(x_i) x_(i+1) differentiates again into its Hessian."""
    x = RNG.standard_normal(4)
    following = np.roll(np.arange(4), -1)
    with keras.GradientTape() as outer:
        traced = outer.watch(x)
        with keras.GradientTape() as inner:
            inner.watch(traced)
            y = np.sum(np.sin(traced) * traced[following])
        gradient = inner.jacobian(y, traced)
    hessian = outer.jacobian(gradient, traced)
    want = np.diag(-np.sin(x) * x[following])
    want[np.arange(4), following] += np.cos(x)
    want[following, np.arange(4)] += np.cos(x)
    np.testing.assert_allclose(hessian, want, rtol=1e-12, atol=1e-15)


def test_physics_informed_laplacian_by_batch_jacobian():
    """u(x, y) = tanh MLP; the diagonal of the batch Jacobian of its batch Jacobian is
    (u_xx, u_yy), against central differences of the first derivatives."""
    model = keras.Sequential([keras.Input((2,), dtype="float64"),
                              layers.Dense(6, activation="tanh", dtype="float64"),
                              layers.Dense(1, dtype="float64")])
    model.set_weights([RNG.standard_normal(w.shape) for w in model.get_weights()])
    points = RNG.standard_normal((5, 2))

    def first_derivatives(p):
        with keras.GradientTape() as tape:
            traced = tape.watch(p)
            u = model(traced)
        return tape.batch_jacobian(u, traced)[:, 0]   # (5, 2)

    with keras.GradientTape() as outer:
        traced = outer.watch(points)
        with keras.GradientTape() as inner:
            inner.watch(traced)
            u = model(traced)
        du = inner.batch_jacobian(u, traced)[:, 0]
    second = outer.batch_jacobian(du, traced)        # (5, 2, 2)
    for axis in range(2):
        step = np.zeros(2)
        step[axis] = EPS
        fd = (first_derivatives(points + step) - first_derivatives(points - step)) / (2 * EPS)
        np.testing.assert_allclose(second[:, :, axis], fd, rtol=1e-7, atol=1e-9)
