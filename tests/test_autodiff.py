"""GradientTape: gradients against float64 finite differences, and every way the tape
refuses to return a wrong gradient."""
import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import kerasmini
import kerasmini.ops as ops_package
from kerasmini import activations, layers, ops
from kerasmini.autodiff import GradientTape, NoGradientError, TapeArray
from kerasmini.layers.layer import Layer
from tests.gradcheck import assert_gradients_close, layer_gradients, numeric_gradient


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("units,shape,use_bias,activation", [
    (3, (4, 5), True, None), (2, (2, 3, 4), False, "tanh"), (1, (3, 1), True, "sigmoid")])
def test_dense_gradients_match_finite_differences(units, shape, use_bias, activation):
    layer = layers.Dense(units, use_bias=use_bias, activation=activation,
                         bias_initializer="glorot_uniform", dtype="float64")
    results = layer_gradients(layer, rng().standard_normal(shape))
    assert_gradients_close(results, f"Dense({units}, {activation}) on {shape}")


# Points away from every kink (|x| in (0.1, 0.4) + k/2 misses 0, +-0.5, +-1, +-3, 6).
ACTIVATION_ARGS = {
    "relu": [{}, {"negative_slope": 0.1, "max_value": 2.0, "threshold": 0.3},
             {"max_value": 6.0}, {"negative_slope": 0.2}, {"threshold": -0.3}],
    "leaky_relu": [{}], "elu": [{}, {"alpha": 0.5}], "celu": [{"alpha": 2.0}],
    "gelu": [{}, {"approximate": True}], "softmax": [{}, {"axis": 0}],
    "log_softmax": [{}, {"axis": 1}], "glu": [{}], "sparsemax": [{}],
    "squareplus": [{}, {"b": 1.0}], "soft_shrink": [{}], "hard_shrink": [{"threshold": 0.2}],
    "threshold": [{"threshold": 0.2, "default_value": -1.0}],
}


@pytest.mark.parametrize("name", sorted(set(activations.ALL_OBJECTS_DICT)))
def test_every_activation_gradient(name):
    fn = activations.get(name)
    magnitude = rng(1).uniform(0.1, 0.4, (3, 4)) + rng(2).integers(0, 8, (3, 4)) / 2
    x = magnitude * rng(3).choice([-1, 1], (3, 4))
    for kwargs in ACTIVATION_ARGS.get(name, [{}]):
        weight_of = rng(4).standard_normal(fn(x, **kwargs).shape)
        with GradientTape() as tape:
            tape.watch(x)
            loss = ops.sum(ops.multiply(fn(x, **kwargs), weight_of))
        grad = tape.gradient(loss, x)
        expected = numeric_gradient(lambda: float(np.sum(fn(x, **kwargs) * weight_of)), x)
        assert_gradients_close([("x", grad, expected)], f"{name}{kwargs}")


def test_math_primitives_compose_into_a_loss():
    x = rng().uniform(0.5, 2.0, (3, 4))
    y = rng(1).uniform(0.5, 2.0, (3, 4))

    def loss_of(a):
        terms = [ops.mean(ops.square(ops.subtract(a, y))), ops.sum(ops.log(a) * ops.exp(-a)),
                 ops.mean(ops.clip(a, 0.8, 1.5)), ops.sum(ops.logsumexp(a, axis=1)),
                 ops.sum(ops.log_softmax(a) * y),
                 ops.sum(ops.sqrt(ops.abs(a)) / ops.maximum(a, y)),
                 ops.sum(ops.take_along_axis(a, np.array([[1], [0], [3]]), axis=1)),
                 ops.sum(ops.matmul(a, ops.transpose(y))), ops.max(a, axis=0).sum(),
                 ops.sum(ops.where(a > 1, a ** 2, -a)),
                 ops.sum(ops.concatenate([a, y * a], 1)[:, 2:])]
        return sum(terms)

    with GradientTape() as tape:
        loss = loss_of(tape.watch(x))  # a TapeArray: NumPy's own -a, a ** 2 are seen
    assert isinstance(loss, TapeArray) and loss.shape == ()
    expected = numeric_gradient(lambda: float(loss_of(x)), x)
    assert_gradients_close([("x", tape.gradient(loss, x), expected)], "composed loss")


MATMUL_SHAPES = [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                 ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 1, 2, 3), (6, 3, 4)),
                 ((5, 2, 3), (3,)), ((3,), (5, 3, 4))]


@pytest.mark.parametrize("shape_a,shape_b", MATMUL_SHAPES)
def test_matmul_gradient_for_every_rank_combination(shape_a, shape_b):
    """Vectors promoted to a row or column, batch axes broadcast: each operand's gradient
    has its own shape (vector @ vector raised AxisError)."""
    a, b = rng().standard_normal(shape_a), rng(1).standard_normal(shape_b)
    weight_of = rng(2).standard_normal(np.shape(np.matmul(a, b)))
    with GradientTape() as tape:
        tape.watch(a), tape.watch(b)
        loss = ops.sum(ops.matmul(a, b) * weight_of)
    grad_a, grad_b = tape.gradient(loss, [a, b])

    def loss_now():
        return float(np.sum(np.matmul(a, b) * weight_of))

    assert_gradients_close([("a", np.asarray(grad_a), numeric_gradient(loss_now, a)),
                            ("b", np.asarray(grad_b), numeric_gradient(loss_now, b))],
                           f"matmul {shape_a} @ {shape_b}")


def test_gradient_api_like_tensorflow():
    v = kerasmini.Variable(np.array([1.0, 2.0]), name="v")
    w = kerasmini.Variable(np.array([3.0]), name="w")
    with GradientTape(persistent=True) as tape:
        loss = ops.sum(v.value * v.value)
    grads = tape.gradient(loss, {"v": v, "both": [v, w]})
    np.testing.assert_array_equal(grads["v"], [2.0, 4.0])
    assert grads["both"][1] is None
    np.testing.assert_array_equal(tape.gradient(loss, w, unconnected_gradients="zero"), [0.0])
    np.testing.assert_array_equal(tape.gradient(loss, v, output_gradients=np.array(3.0)),
                                  [6.0, 12.0])
    with GradientTape() as tape:
        loss = ops.sum(v.value)
    tape.gradient(loss, v)
    with pytest.raises(RuntimeError, match="non-persistent"):
        tape.gradient(loss, v)
    with GradientTape(watch_accessed_variables=False) as tape:
        loss = ops.sum(v.value)
    assert tape.gradient(loss, v) is None


def test_no_tape_no_trace():
    """Inference is untouched: plain arrays in, plain arrays out, no TapeArray."""
    model = kerasmini.Sequential([kerasmini.Input((4,)), layers.Dense(3, activation="relu")])
    out = model(np.ones((2, 4), "float32"))
    assert type(out) is np.ndarray and type(model.layers[0].kernel.value) is np.ndarray


@pytest.mark.parametrize("repeats,axis", [(3, 1), (2, None), (2, -1), ([1, 0, 2], 1),
                                          ([2, 1, 1, 3, 1, 1, 1, 2, 1, 1, 1, 2], None)])
def test_numpy_repeat_gradient_sums_the_copies(repeats, axis):
    x = rng(1).standard_normal((2, 3, 2))
    weight_of = rng(2).standard_normal(np.repeat(x, repeats, axis=axis).shape)
    with GradientTape() as tape:
        x_t = tape.watch(x)
        loss = np.sum(np.repeat(x_t, repeats, axis=axis) * weight_of)
    expected = numeric_gradient(
        lambda: float(np.sum(np.repeat(x, repeats, axis=axis) * weight_of)), x)
    assert_gradients_close([("input", tape.gradient(loss, x_t), expected)], str(repeats))


def test_numpy_arithmetic_the_tape_cannot_see_raises():
    v = kerasmini.Variable(np.arange(3.0))
    with GradientTape() as tape:
        hidden = np.sort(v.value)  # no rule: tainted
        with pytest.raises(NoGradientError, match="numpy.sort"):
            ops.sum(hidden)
    with GradientTape() as tape:
        y = v.value * 2
        with pytest.raises(NoGradientError, match="numpy.sort"):
            tape.gradient(np.sort(y), v)


def test_in_place_update_returns_recorded_result_and_poisons_the_old_array():
    v = kerasmini.Variable(np.array([1.0, -2.0]))
    with GradientTape() as tape:
        y = v.value * 3
        old = y
        y += 1                     # rebinds y to the recorded result
        z = np.maximum(y, 0, out=y)
        loss = ops.sum(z * z)
        with pytest.raises(NoGradientError, match="in place"):
            ops.sum(old)
    np.testing.assert_array_equal(tape.gradient(loss, v), [2 * 4 * 3, 0.0])


def test_a_layer_without_a_gradient_rule_is_named():
    class CumulativeSum(Layer):  # np.sort has no rule (ops.sort is differentiable)
        def call(self, inputs):
            return np.sort(inputs, axis=-1)

        def compute_output_shape(self, input_shape):
            return input_shape

    model = kerasmini.Sequential([kerasmini.Input((3,)), layers.Dense(3),
                                  CumulativeSum(name="cumsum_layer")])
    with GradientTape():
        with pytest.raises(NoGradientError, match="'cumsum_layer' \\(CumulativeSum\\)"):
            model(np.ones((2, 3), "float32"), training=True)


def test_float32_cast_into_a_float64_layer_is_followed():
    x = rng().standard_normal((2, 3)).astype("float32")
    layer = layers.Dense(2, dtype="float64")
    with GradientTape() as tape:
        tape.watch(x)
        loss = ops.sum(layer(x))
    grad = tape.gradient(loss, x)
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, np.broadcast_to(layer.kernel.numpy().sum(1), (2, 3)),
                               rtol=1e-6)


def test_a_layer_that_detaches_its_weights_is_named():
    """Plain input, but the weights are watched: an output off the tape is an error."""
    class DetachedDense(layers.Dense):
        def call(self, inputs):
            return np.asarray(inputs) @ np.asarray(self.kernel.value)

    layer = DetachedDense(2, name="detached")
    x = np.ones((1, 3), "float32")
    layer(x)
    with GradientTape():
        with pytest.raises(NoGradientError, match="'detached' \\(DetachedDense\\)"):
            layer(x)


def test_a_layer_that_detaches_its_input_is_named():
    """The output is on the tape (through the kernel), but the input is cut off: the
    gradient with respect to the input would be None, so the layer is named."""
    class DetachedInput(layers.Dense):
        def call(self, inputs):
            return ops.matmul(np.asarray(inputs), self.kernel.value)

    layer = DetachedInput(2, name="cut")
    x = np.ones((1, 3), "float32")
    layer(x)
    with GradientTape() as tape:
        tape.watch(x)
        with pytest.raises(NoGradientError, match="'cut' .* with respect to its input"):
            layer(x)


def test_every_rule_takes_its_kernels_arguments_with_the_same_defaults():
    # the tape hands a rule the arguments of the kernel's call as given: an argument the
    # caller left out takes the rule's own default, which must be the kernel's
    ops_found = {}
    for module in pkgutil.iter_modules(ops_package.__path__):
        namespace = vars(importlib.import_module(f"kerasmini.ops.{module.name}"))
        for op in [*namespace.values(), *vars(ops_package).values()]:
            if callable(op) and hasattr(op, "forward") and hasattr(op, "vjp"):
                ops_found[op.forward] = op
    assert len(ops_found) >= 14, sorted(op.__name__ for op in ops_found.values())
    for op in ops_found.values():
        kernel = [(p.name, p.default) for p in inspect.signature(op.forward).parameters.values()]
        for vjp in (op.vjp, op.recorded) if op.recorded is not None else (op.vjp,):
            rule = [(p.name, p.default) for p in
                    list(inspect.signature(vjp).parameters.values())[2:]
                    if p.name != "needed"]
            assert rule == kernel, f"{op.__name__}: kernel {kernel}, rule (after g, out) {rule}"



@pytest.mark.parametrize("method", [
    lambda x: x.squeeze(), lambda x: x.squeeze(2), lambda x: x.ravel(),
    lambda x: x.ravel(order="F"), lambda x: x.flatten(), lambda x: x.flatten("F"),
    lambda x: x.reshape(3, 2), lambda x: x.reshape((6,), order="F"),
    lambda x: x.transpose(), lambda x: x.transpose(2, 0, 1),
    lambda x: x.transpose((1, 2, 0)), lambda x: x.T,
    lambda x: x.swapaxes(0, 1), lambda x: x.flat[1:5], lambda x: np.stack(list(x.flat))])
def test_tape_array_methods_are_recorded_as_numpy_computes_them(method):
    """The ndarray methods a TapeArray routes through np.* twins: NumPy's values, and
    the gradient of sum(w * method(x)) is w carried back to x's positions."""
    x = np.arange(6.0).reshape(2, 3, 1) + 1.0
    plain = method(x)
    w = np.arange(plain.size, dtype=float).reshape(plain.shape) + 1.0
    with GradientTape() as tape:
        watched = tape.watch(x)
        y = method(watched * 1.0)
        total = np.sum(y * w)
    np.testing.assert_array_equal(np.asarray(y), plain)
    # the expected gradient: where each element of x went, the weight it met there
    positions = method(np.arange(6.0).reshape(2, 3, 1)).ravel().astype(int)
    expected = np.zeros(6)
    expected[positions] = w.ravel()
    np.testing.assert_array_equal(tape.gradient(total, watched), expected.reshape(2, 3, 1))


@pytest.mark.parametrize("order", ["C", "F", "A", "K"])
def test_reshape_and_ravel_gradients_follow_their_reading_order(order):
    # on a transposed (non-contiguous) input, every order reads x in its own sequence
    x = (np.arange(24.0).reshape(2, 3, 4) + 1).transpose(2, 0, 1)
    calls = [lambda a: np.ravel(a, order)] + ([] if order == "K" else [  # no 'K' reshape
        lambda a: np.reshape(a, (6, 4), order), lambda a: np.reshape(a, -1, order=order)])
    for call in calls:
        w = np.arange(call(x).size, dtype=float).reshape(call(x).shape) + 1
        with GradientTape() as tape:
            watched = tape.watch(x)
            total = np.sum(call(watched * 1.0) * w)
        positions = call(np.arange(24.0).reshape(2, 3, 4).transpose(2, 0, 1)).ravel()
        expected = np.zeros(24)
        expected[positions.astype(int)] = w.ravel()
        grad = np.asarray(tape.gradient(total, watched))
        np.testing.assert_array_equal(grad.transpose(1, 2, 0).ravel(), expected)


def test_stop_recording_pauses_only_its_block():
    from kerasmini.autodiff import GradientTape
    w = kerasmini.Variable(np.array([2.0, 3.0]), name="w")
    with GradientTape(persistent=True) as tape:
        before = w * 5.0
        with tape.stop_recording():
            unseen = w * 7.0
        after = w * 11.0  # recorded again once the block ends
        inside_gradient = tape.gradient(before, w)  # a gradient taken while recording
        later = w * 13.0  # ... and recording goes on after it
    np.testing.assert_array_equal(tape.gradient(after, w), [11.0, 11.0])
    np.testing.assert_array_equal(tape.gradient(later, w), [13.0, 13.0])
    np.testing.assert_array_equal(inside_gradient, [5.0, 5.0])
    assert tape.gradient(unseen, w) is None


@pytest.mark.parametrize("unrecorded,name", [(lambda t: np.ptp(t), "numpy.ptp"),
                                             (lambda t: np.logaddexp.reduce(t),
                                              "numpy.logaddexp.reduce")])
def test_a_scalar_from_an_unrecorded_numpy_function_names_it(unrecorded, name):
    """The result (a NumPy scalar, not an array) is marked all the same: the gradient
    raises naming the function instead of returning None in silence."""
    from kerasmini.autodiff import GradientTape, NoGradientError
    w = kerasmini.Variable(np.array([2.0, 3.0, 7.0]), name="w")
    with GradientTape() as tape:
        y = unrecorded(w * 1.0)
    assert np.ndim(y) == 0
    with pytest.raises(NoGradientError, match=name):
        tape.gradient(y, w)


def test_a_view_of_a_marked_array_stays_marked():
    """A view (ndarray.view, a basic slice) of a value an unrecorded function computed
    carries its mark: using it in a recorded operation names the function."""
    from kerasmini.autodiff import GradientTape, NoGradientError
    w = kerasmini.Variable(np.array([2.0, 3.0, 7.0]), name="w")
    with GradientTape():
        marked = np.ptp((w * 1.0).reshape(3, 1), axis=1)
        for view in (marked.view(), marked[1:]):
            with pytest.raises(NoGradientError, match="numpy.ptp"):
                view * 2.0
