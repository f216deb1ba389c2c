"""Gradients against float64 central finite differences: the reference of tests/.

`layer_gradients(layer, x, weights)` runs the layer on a tape with the loss
sum(layer(x) * R) for a fixed random R (a plain sum would hide errors that cancel), and
returns kerasmini's gradients next to the finite-difference ones for the input and
each weight. The step is 1e-6 (float64): the truncation error is O(h^2 f''') ~ 1e-12,
the rounding error O(eps / h) ~ 1e-10, so 1e-7 relative to the gradient's scale is a
comfortable but discriminating bar (a wrong term is off by O(1)). Where the gradient is
small against the outputs (cancellation, as in batch normalization, where every output
moves), the rounding error eps * sum|y * R| / h ~ 2e-10 sum|y * R| dominates: the bar is
then 1e-9 sum|y * R| absolute.
"""
import numpy as np

from kerasmini.autodiff import GradientTape

STEP = 1e-6
TOLERANCE = 1e-7


def numeric_gradient(loss, array):
    """d loss() / d array by central differences, perturbing `array` in place."""
    grad = np.zeros(array.shape)
    for i in np.ndindex(array.shape):  # (a reshape(-1) of a transposed array is a copy:
        saved = array[i]                # its perturbations would never reach `array`)
        array[i] = saved + STEP
        up = loss()
        array[i] = saved - STEP
        down = loss()
        array[i] = saved
        grad[i] = (up - down) / (2 * STEP)
    return grad


def layer_gradients(layer, x, training=None, seed=0):
    """[(name, kerasmini gradient, finite-difference gradient)] for x and every trainable
    weight of `layer` (built on x first), all float64."""
    x = np.array(x, dtype="float64")
    inputs = x if not isinstance(x, list) else x
    kwargs = {} if training is None else {"training": training}
    out = layer(inputs, **kwargs)
    weight_of = np.random.default_rng(seed).standard_normal(np.shape(out))

    def loss():
        return float(np.sum(np.asarray(layer(inputs, **kwargs)) * weight_of))

    # rounding of the differences: eps |y| per output that moves, weighted by |R|
    atol = 1e-9 * max(float(np.sum(np.abs(np.asarray(out) * weight_of))), 1.0)

    variables = layer.trainable_weights
    with GradientTape() as tape:
        tape.watch(inputs)
        y = layer(inputs, **kwargs)
        total = np.sum(y * weight_of)
    grads = tape.gradient(total, [inputs, *variables])
    results = [("input", grads[0], numeric_gradient(loss, inputs), atol)]
    for variable, grad in zip(variables, grads[1:]):
        results.append((variable.name, grad, numeric_gradient(loss, variable._value), atol))
    return results


def assert_gradients_close(results, context, tolerance=TOLERANCE):
    for name, actual, expected, *atol in results:
        assert actual is not None, f"{context}: no gradient for {name}"
        assert actual.shape == expected.shape, (
            f"{context}: gradient of {name} has shape {actual.shape}, expected {expected.shape}")
        scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-3)
        error = float(np.max(np.abs(actual - expected), initial=0.0))
        assert error <= tolerance * scale + (atol[0] if atol else 0.0), (
            f"{context}: gradient of {name}: max abs error {error:.3g} vs finite "
            f"differences (scale {scale:.3g}, tolerance {tolerance} relative)")
