"""Second-order gradients: a gradient taken inside an outer tape, differentiated again.

Each check compares a Hessian-vector product (the outer tape's gradient of
sum(inner gradient * v)) or a gradient-penalty loss's weight gradient with central
finite differences, in float64, of first-order gradients / penalties computed without
any outer tape."""
import numpy as np
import pytest

import kerasmini as keras
from kerasmini import ops
from kerasmini.autodiff import NoGradientError
from kerasmini.ops.dropout import dropout_apply

RNG = np.random.default_rng(0)
EPS = 1e-6


def _gradient(f, x):
    """df/dx with no outer tape (first order only)."""
    with keras.GradientTape() as tape:
        traced = tape.watch(x)
        y = f(traced)
    return tape.gradient(y, traced)


def _nested(f, x, use):
    """(outer tape, x as it knows it, use(df/dx)): df/dx taken by an inner tape and
    used while the outer tape, which watches x, records."""
    with keras.GradientTape() as outer:
        traced = outer.watch(x)
        with keras.GradientTape() as inner:
            inner.watch(traced)
            y = f(traced)
        return outer, traced, use(inner.gradient(y, traced))


def _hessian_vector(f, x, v):
    """H v by nested tapes: the outer tape differentiates <df/dx, v>."""
    def directional(g):
        assert keras.autodiff.is_live(g)  # the outer tape follows the gradient
        return np.sum(g * v)

    outer, traced, product = _nested(f, x, directional)
    return outer.gradient(product, traced)


def _check_hessian_vector(f, shape, rtol=1e-6):
    x, v = RNG.standard_normal(shape), RNG.standard_normal(shape)
    hv = _hessian_vector(f, x, v)
    fd = (_gradient(f, x + EPS * v) - _gradient(f, x - EPS * v)) / (2 * EPS)
    np.testing.assert_allclose(hv, fd, rtol=rtol, atol=rtol * np.abs(fd).max())


W = RNG.standard_normal((4, 3))


def _square_in_place(y):
    return np.square(y, out=y)  # the recorded result is returned; y is marked


NUMPY_FUNCTIONS = {
    "ufuncs": lambda x: np.sum(np.exp(x) * np.sin(x) / (2 + np.tanh(x)) + np.sqrt(x * x + 1)),
    "power_and_log": lambda x: np.sum(np.log1p(x ** 2) * np.abs(x) ** 1.5),
    "maximum_minimum": lambda x: np.sum(np.maximum(x, 0.1) ** 3 - np.minimum(x ** 2, 0.5) * x),
    "reductions": lambda x: np.sum(np.mean(x ** 2, axis=0) * np.max(x ** 3, axis=1).sum()
                                   + np.var(x, axis=1).sum() ** 2),
    "reshape_transpose": lambda x: np.sum(np.reshape(x, (3, 4)).T ** 3 * W),
    "indexing": lambda x: np.sum(x[1:, ::2] ** 3) + np.sum(x[[0, 0, 2], 1] ** 2 * x[1, 1]),
    "matmul": lambda x: np.sum((x @ W.T) ** 2 * np.tanh(x @ W.T)),
    "einsum": lambda x: np.sum(np.einsum("ij,ij->i", x, x) ** 2),
    "concatenate_stack": lambda x: np.sum(
        np.concatenate([x ** 2, x[:, :1] ** 3], axis=1) * np.stack([x, x ** 2])[1].sum()),
    "where_clip_broadcast": lambda x: np.sum(np.where(x > 0, x ** 3, np.clip(x, -1, 1) ** 2)
                                             * np.broadcast_to(x[:1], x.shape)),
    # an input overwritten by out= after its op ran: the recorded rule uses the value
    # the tape recorded, as the first-order rule does
    "in_place_out": lambda x: np.sum(_square_in_place(x * 2.0) * x),
    "pad_moveaxis": lambda x: np.sum(np.pad(x, 1) ** 2 * np.moveaxis(np.pad(x, 1), 0, 1).T),
}


@pytest.mark.parametrize("name", sorted(NUMPY_FUNCTIONS))
def test_numpy_rules_differentiate_twice(name):
    _check_hessian_vector(NUMPY_FUNCTIONS[name], (4, 3))


ACTIVATIONS = ["relu", "leaky_relu", "elu", "selu", "celu", "gelu", "softplus", "softsign",
               "tanh", "sigmoid", "silu", "mish", "softmax", "log_softmax", "exponential",
               "log_sigmoid", "relu6", "hard_sigmoid", "hard_silu"]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activations_differentiate_twice(name):
    activation = getattr(keras.activations, name)
    weights = RNG.standard_normal((4, 3))
    # x ** 2 makes the Hessian non-zero for the piecewise linear ones too
    _check_hessian_vector(lambda x: np.sum(activation(x * x * 0.7 - 0.3) * weights),
                          (4, 3))


def test_gelu_exact_and_approximate_twice():
    _check_hessian_vector(lambda x: np.sum(keras.activations.gelu(x) ** 2), (4, 3))
    _check_hessian_vector(
        lambda x: np.sum(keras.activations.gelu(x, approximate=True) ** 2), (4, 3))


def test_relu_second_derivative_is_zero_not_none():
    """As TensorFlow's ReluGrad: the input is connected, with a zero gradient."""
    x = RNG.standard_normal((5,))
    hv = _hessian_vector(lambda t: np.sum(keras.activations.relu(t)), x, np.ones(5))
    np.testing.assert_array_equal(hv, np.zeros(5))


def test_dense_dropout_flatten_twice():
    kernel, bias = RNG.standard_normal((6, 2)), RNG.standard_normal(2)
    keep = RNG.random((3, 6)) > 0.3

    def f(x):
        flat = np.reshape(x, (3, 6))
        hidden = ops.tanh(ops.dense(dropout_apply(flat, keep, 0.7), kernel, bias))
        return np.sum(hidden ** 2)

    _check_hessian_vector(f, (3, 2, 3))


def _mlp(activation):
    model = keras.Sequential([
        keras.Input((2, 2), dtype="float64"), keras.layers.Flatten(dtype="float64"),
        keras.layers.Dense(5, activation=activation, dtype="float64"),
        keras.layers.Reshape((5, 1), dtype="float64"), keras.layers.Flatten(dtype="float64"),
        keras.layers.Dense(1, dtype="float64")])
    model.set_weights([RNG.standard_normal(w.shape) for w in model.get_weights()])
    return model


def _gradient_penalty(model, x):
    """WGAN-GP's penalty: mean over the batch of (|d critic / d x| - 1) ** 2."""
    with keras.GradientTape() as inner:
        traced = inner.watch(x)
        scores = model(traced, training=True)
    slopes = inner.gradient(scores, traced)
    norms = np.sqrt(np.sum(np.reshape(slopes, (len(x), -1)) ** 2, axis=1))
    return np.mean((norms - 1) ** 2)


def _penalty_weight_gradients(model, x):
    with keras.GradientTape() as outer:
        penalty = _gradient_penalty(model, x)
    return outer.gradient(penalty, model.trainable_weights)


def _finite_difference(model, x, variable):
    value = variable.numpy().copy()
    fd = np.zeros_like(value)
    for i in np.ndindex(value.shape):
        step = np.zeros_like(value)
        step[i] = EPS
        variable.assign(value + step)
        up = float(_gradient_penalty(model, x))
        variable.assign(value - step)
        down = float(_gradient_penalty(model, x))
        fd[i] = (up - down) / (2 * EPS)
    variable.assign(value)
    return fd


def check_gradient_penalty(model, x, rtol=1e-6):
    grads = _penalty_weight_gradients(model, x)
    for variable, grad in zip(model.trainable_weights, grads):
        fd = _finite_difference(model, x, variable)
        if grad is None:  # the penalty does not depend on it (a last layer's bias)
            np.testing.assert_array_equal(fd, 0 * fd)
            continue
        # atol: the differences' rounding floor (1e-16 / EPS of the penalty) where a
        # gradient is 0 (a bias a normalization removes)
        np.testing.assert_allclose(grad, fd, rtol=rtol,
                                   atol=max(rtol * np.abs(fd).max(), 1e-8),
                                   err_msg=variable.path)


@pytest.mark.parametrize("activation", ["tanh", "leaky_relu", "gelu", "softplus"])
def test_mlp_gradient_penalty(activation):
    check_gradient_penalty(_mlp(activation), RNG.standard_normal((4, 2, 2)))


def test_undeclared_rules_still_raise():
    """np.cumsum's and np.repeat's (array repeats) rules scatter with np.flip /
    np.add.at: not recordable, so their gradient raises where an outer tape uses it."""
    x = RNG.standard_normal((3, 2))
    for f, name in ((lambda t: np.sum(np.cumsum(t, axis=0) ** 2), "numpy.cumsum"),
                    (lambda t: np.sum(np.repeat(t, [1, 2, 1], axis=0) ** 2), "numpy.repeat")):
        with pytest.raises(NoGradientError, match=f"{name}.*second-order"):
            _nested(f, x, np.sum)


@pytest.mark.parametrize("strides,padding,dilation", [
    (1, "valid", 1), (2, "same", 1), (1, "same", 2), ((2, 1), "valid", 1)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_differentiates_twice(strides, padding, dilation, data_format):
    """Conv's input and kernel gradients are recorded ops whose rules are each other and
    the forward conv: Hessian-vector products in the input and in the kernel."""
    options = dict(strides=strides, padding=padding, dilation_rate=dilation,
                   data_format=data_format)
    kernel = RNG.standard_normal((3, 2, 2, 3))
    image = RNG.standard_normal((2, 2, 6, 5) if data_format == "channels_first"
                                else (2, 6, 5, 2))
    _check_hessian_vector(lambda x: np.sum(np.tanh(ops.conv(x, kernel, **options))),
                          image.shape)
    _check_hessian_vector(lambda k: np.sum(np.tanh(ops.conv(image, k, **options))),
                          kernel.shape)

    def both(joint):  # the cross terms: x and kernel in one vector
        x, k = np.reshape(joint[:image.size], image.shape), np.reshape(
            joint[image.size:], kernel.shape)
        return np.sum(np.tanh(ops.conv(x, k, **options)) ** 2)

    _check_hessian_vector(both, (image.size + kernel.size,))


def _convnet(activation, strides, padding):
    model = keras.Sequential([
        keras.Input((6, 6, 2), dtype="float64"),
        keras.layers.Conv2D(3, 3, strides=strides, padding=padding,
                            activation=activation, dtype="float64"),
        keras.layers.LeakyReLU(0.2, dtype="float64"),
        keras.layers.Flatten(dtype="float64"), keras.layers.Dense(1, dtype="float64")])
    model.set_weights([RNG.standard_normal(w.shape) * 0.5 for w in model.get_weights()])
    return model


@pytest.mark.parametrize("activation,strides,padding", [
    (None, 2, "same"), ("relu", 1, "valid"), ("tanh", 2, "valid")])
def test_convnet_gradient_penalty(activation, strides, padding):
    check_gradient_penalty(_convnet(activation, strides, padding),
                           RNG.standard_normal((3, 6, 6, 2)))


STILL_RAISING = {  # family: (what an outer tape differentiates, the op named)
    "linalg_factorizations": (lambda t: np.sum(ops.linalg.cholesky(
        t[:2] @ t[:2].T + 3 * np.eye(2)) ** 2), "cholesky"),
    "spectral": (lambda t: np.sum(ops.rfft(t)[0] ** 2), "rfft"),
    "ctc": (lambda t: np.sum(ops.ctc_loss(np.array([[1, 1]]), t[None], np.array([2]),
                                          np.array([3]))), "ctc_loss"),
    "scatter_update": (lambda t: np.sum(ops.scatter_update(
        t, np.array([[0, 0]]), t[1:2, 0]) ** 3), "scatter_update"),
    "glu": (lambda t: np.sum(keras.layers.Activation("glu", dtype="float64")(t) ** 2),
            "glu"),
}


@pytest.mark.parametrize("family", sorted(STILL_RAISING))
def test_undeclared_families_raise_where_the_outer_tape_differentiates(family):
    """Rules not declared recordable: the outer tape raises, naming the op, rather than
    differentiate their gradient as a constant; reading the gradient is fine."""
    f, op = STILL_RAISING[family]
    x = RNG.standard_normal((3, 2))
    with pytest.raises(NoGradientError, match=f"{op}.*second-order"):
        _nested(f, x, lambda g: np.sum(g * g))
    outer, _, gradient = _nested(f, x, np.asarray)
    np.testing.assert_allclose(gradient, _gradient(f, x))


@pytest.mark.parametrize("normalization", [
    lambda: keras.layers.BatchNormalization(dtype="float64"),
    lambda: keras.layers.BatchNormalization(center=False, scale=False, dtype="float64"),
    lambda: keras.layers.LayerNormalization(dtype="float64")])
def test_normalization_gradient_penalty(normalization):
    """BatchNormalization's training rule (statistics recomputed from the traced input)
    and LayerNormalization's recorded NumPy arithmetic, differentiated twice."""
    model = keras.Sequential([
        keras.Input((3,), dtype="float64"), keras.layers.Dense(4, dtype="float64"),
        normalization(), keras.layers.Activation("tanh", dtype="float64"),
        keras.layers.Dense(1, dtype="float64")])
    model.set_weights([RNG.standard_normal(w.shape) for w in model.get_weights()])
    check_gradient_penalty(model, RNG.standard_normal((5, 3)))
