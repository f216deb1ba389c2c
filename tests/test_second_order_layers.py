"""Second-order gradients through the rest of the layers: pooling, resizing and padding,
merges, Embedding, softmax, the losses; depthwise, separable, transposed and 3D
convolutions, GroupNormalization, MultiHeadAttention.

Each is checked against float64 central finite differences of first-order gradients
(tests/test_second_order.py's helpers): Hessian-vector products in the input of the
weightless layers, and a WGAN-GP gradient penalty's weight gradients for the layers with
weights. Sizes are odd and strides, paddings and data formats vary; float32 runs are
compared with the float64 ones at float32's precision."""
import numpy as np
import pytest

import kerasmini as keras
from kerasmini import layers
from tests.test_second_order import (EPS, _check_hessian_vector, _gradient, _hessian_vector,
                                     check_gradient_penalty)

RNG = np.random.default_rng(1)
F64 = {"dtype": "float64"}

# weightless layers: the Hessian-vector product of sum(w * tanh(layer(x^2 ...))) in x
WEIGHTLESS = {
    "max_pool_2d_same_overlapping": (lambda: layers.MaxPooling2D(2, 1, "same", **F64),
                                     (2, 5, 7, 3)),
    "max_pool_2d_valid_stride_2": (lambda: layers.MaxPooling2D(3, 2, **F64), (2, 7, 5, 2)),
    "max_pool_2d_channels_first": (lambda: layers.MaxPooling2D(
        (2, 3), (1, 2), "same", data_format="channels_first", **F64), (2, 3, 5, 7)),
    "max_pool_1d": (lambda: layers.MaxPooling1D(3, 2, "same", **F64), (2, 7, 3)),
    "max_pool_3d": (lambda: layers.MaxPooling3D(2, 1, **F64), (1, 3, 4, 5, 2)),
    "average_pool_2d_same": (lambda: layers.AveragePooling2D(3, 2, "same", **F64),
                             (2, 5, 7, 3)),
    "average_pool_2d_channels_first": (lambda: layers.AveragePooling2D(
        2, 1, data_format="channels_first", **F64), (2, 3, 5, 4)),
    "average_pool_1d": (lambda: layers.AveragePooling1D(2, 1, **F64), (2, 7, 3)),
    "average_pool_3d": (lambda: layers.AveragePooling3D(2, padding="same", **F64),
                        (1, 3, 5, 3, 2)),
    "global_average_pool_2d": (lambda: layers.GlobalAveragePooling2D(**F64), (2, 5, 3, 2)),
    "global_max_pool_2d": (lambda: layers.GlobalMaxPooling2D(**F64), (2, 5, 3, 2)),
    "global_average_pool_1d": (lambda: layers.GlobalAveragePooling1D(**F64), (2, 5, 3)),
    "global_max_pool_3d": (lambda: layers.GlobalMaxPooling3D(**F64), (1, 3, 3, 3, 2)),
    "adaptive_average_pool_2d": (lambda: layers.AdaptiveAveragePooling2D(2, **F64),
                                 (2, 5, 3, 2)),
    "adaptive_max_pool_2d": (lambda: layers.AdaptiveMaxPooling2D((2, 3), **F64),
                             (2, 5, 7, 2)),
    "adaptive_max_pool_1d_channels_first": (lambda: layers.AdaptiveMaxPooling1D(
        3, data_format="channels_first", **F64), (2, 2, 7)),
    "up_sampling_1d": (lambda: layers.UpSampling1D(3, **F64), (2, 3, 2)),
    "up_sampling_2d_nearest": (lambda: layers.UpSampling2D((2, 3), **F64), (2, 3, 3, 2)),
    "up_sampling_2d_bilinear": (lambda: layers.UpSampling2D(
        2, interpolation="bilinear", **F64), (2, 3, 3, 2)),
    "up_sampling_3d": (lambda: layers.UpSampling3D(2, **F64), (1, 2, 3, 2, 2)),
    "resizing": (lambda: layers.Resizing(4, 3, **F64), (2, 5, 5, 2)),
    "zero_padding_2d": (lambda: layers.ZeroPadding2D(((1, 2), (0, 1)), **F64),
                        (2, 3, 3, 2)),
    "cropping_2d": (lambda: layers.Cropping2D(((1, 0), (1, 2)), **F64), (2, 5, 5, 2)),
    "zero_padding_1d": (lambda: layers.ZeroPadding1D(2, **F64), (2, 3, 2)),
    "cropping_1d": (lambda: layers.Cropping1D((1, 2), **F64), (2, 7, 2)),
    "softmax": (lambda: layers.Softmax(**F64), (3, 5)),
    "softmax_axis_1": (lambda: layers.Softmax(axis=1, **F64), (2, 3, 4)),
    "log_softmax": (lambda: layers.Activation("log_softmax", **F64), (3, 5)),
}


@pytest.mark.parametrize("name", sorted(WEIGHTLESS))
def test_weightless_layers_differentiate_twice(name):
    make, shape = WEIGHTLESS[name]
    layer = make()
    out_shape = layer(np.zeros(shape)).shape
    weights = RNG.standard_normal(out_shape)
    # tanh after the layer and x^2 before it: a non-zero Hessian for the linear layers
    _check_hessian_vector(lambda x: np.sum(np.tanh(layer(x * x * 0.7 - 0.3)) * weights),
                          shape)


# a rotation by 0.3 rad with a shift and a slight zoom, as RandomRotation / RandomZoom
# draw them (Keras's 8-vector: a0 a1 a2 b0 b1 b2 c0 c1)
TRANSFORM = np.array([0.9 * np.cos(0.3), -np.sin(0.3), 1.2, np.sin(0.3), np.cos(0.3), -0.4,
                      0.0, 0.0])


@pytest.mark.parametrize("interpolation,fill_mode,fill_value", [
    ("bilinear", "constant", 0.7), ("nearest", "constant", 0.0), ("bilinear", "reflect", 0.0),
    ("bilinear", "wrap", 0.0), ("bilinear", "nearest", 0.0)])
def test_image_transforms_differentiate_twice(interpolation, fill_mode, fill_value):
    """affine_transform (RandomRotation, RandomZoom, RandomTranslation, ...) is affine
    in the images: its gradient's rule is the transform with the fill set to 0."""
    weights = RNG.standard_normal((2, 5, 6, 2))

    def f(x):
        moved = keras.ops.image.affine_transform(x * x * 0.7 - 0.3, TRANSFORM, interpolation,
                                                 fill_mode, fill_value)
        return np.sum(np.tanh(moved) * weights)

    _check_hessian_vector(f, (2, 5, 6, 2))


def _shifted_matrix(t):
    return np.reshape(t, (3, 3)) + 3 * np.eye(3)


MATRIX = RNG.standard_normal((3, 3))
LINEAR_ALGEBRA = {
    "inv": lambda t: np.sum(np.sin(keras.ops.linalg.inv(_shifted_matrix(t)))),
    "det": lambda t: np.sin(keras.ops.linalg.det(_shifted_matrix(t))),
    "slogdet": lambda t: np.sin(keras.ops.slogdet(_shifted_matrix(t))[1]),
    "solve_vector": lambda t: np.sum(np.sin(keras.ops.linalg.solve(
        _shifted_matrix(t), np.reshape(t, (3, 3))[0]))),
    "solve_matrix": lambda t: np.sum(np.sin(keras.ops.linalg.solve(
        _shifted_matrix(t), MATRIX @ np.reshape(t, (3, 3))))),
}


@pytest.mark.parametrize("name", sorted(LINEAR_ALGEBRA))
def test_linear_algebra_differentiates_twice(name):
    """inv, det, slogdet and solve: their rules on the traced values (inv and solve
    recorded again), in the matrix and the right-hand side at once."""
    _check_hessian_vector(LINEAR_ALGEBRA[name], (9,))


def _two_branches(x):
    return x * x * 0.7 - 0.3, np.tanh(x)


MERGES = {
    "add": lambda: layers.Add(**F64), "subtract": lambda: layers.Subtract(**F64),
    "multiply": lambda: layers.Multiply(**F64), "average": lambda: layers.Average(**F64),
    "maximum": lambda: layers.Maximum(**F64), "minimum": lambda: layers.Minimum(**F64),
    "concatenate": lambda: layers.Concatenate(axis=1, **F64),
    "dot": lambda: layers.Dot(axes=1, **F64),
}


@pytest.mark.parametrize("name", sorted(MERGES))
def test_merges_differentiate_twice(name):
    merge = MERGES[name]()
    out_shape = merge(list(_two_branches(np.zeros((3, 4))))).shape
    weights = RNG.standard_normal(out_shape)
    _check_hessian_vector(lambda x: np.sum(np.sin(merge(list(_two_branches(x)))) * weights),
                          (3, 4))


def _variable_hessian_vector(loss, variable, v):
    """H v in a Variable by nested tapes, and by central differences of first-order
    gradients (the variable moved by +- EPS v and put back)."""
    with keras.GradientTape() as outer:
        with keras.GradientTape() as inner:
            value = loss()
        g = inner.gradient(value, variable)
        product = np.sum(g * v)
    hv = outer.gradient(product, variable)
    saved = variable.numpy().copy()
    grads = []
    for sign in (1, -1):
        variable.assign(saved + sign * EPS * v)
        with keras.GradientTape() as tape:
            value = loss()
        grads.append(tape.gradient(value, variable))
    variable.assign(saved)
    return hv, (grads[0] - grads[1]) / (2 * EPS)


def test_embedding_differentiates_twice_in_its_table():
    embedding = layers.Embedding(5, 3, **F64)
    ids = np.array([[0, 1, 1, 4], [3, 3, 0, 2]])
    embedding.build(ids.shape)
    embedding.embeddings.assign(RNG.standard_normal((5, 3)))
    weights = RNG.standard_normal((2, 4, 3))
    hv, fd = _variable_hessian_vector(
        lambda: np.sum(np.tanh(embedding(ids)) ** 2 * weights), embedding.embeddings,
        RNG.standard_normal((5, 3)))
    np.testing.assert_allclose(hv, fd, rtol=1e-6, atol=1e-6 * np.abs(fd).max())


LABELS = RNG.random((4, 3)) + 0.1
PROBABILITIES = LABELS / LABELS.sum(axis=1, keepdims=True)
BINARY = (RNG.random((4, 3)) > 0.5).astype("float64")
SPARSE = np.array([0, 2, 1, 1])
SAMPLE_WEIGHT = np.array([0.5, 1.0, 2.0, 0.0])


def _sigmoid(t):
    return 1 / (1 + np.exp(-t))


def _loss(cls, **options):
    """loss(y_true, t) computed in t's dtype (Keras's losses default to floatx)."""
    return lambda y_true, t, **call: cls(dtype=t.dtype, **options)(y_true, t, **call)


LOSSES = {
    "mse": lambda t: _loss(keras.losses.MeanSquaredError)(PROBABILITIES, np.tanh(t)),
    "mae_weighted": lambda t: _loss(keras.losses.MeanAbsoluteError)(
        PROBABILITIES, t ** 3, sample_weight=SAMPLE_WEIGHT),
    "huber": lambda t: _loss(keras.losses.Huber, delta=0.5, reduction="sum")(
        PROBABILITIES, t ** 3),
    "kl_divergence": lambda t: _loss(keras.losses.KLDivergence)(
        PROBABILITIES, keras.activations.softmax(t)),
    "categorical_from_logits": lambda t: _loss(
        keras.losses.CategoricalCrossentropy, from_logits=True, label_smoothing=0.1)(
        PROBABILITIES, t),
    "categorical_from_probabilities": lambda t: _loss(keras.losses.CategoricalCrossentropy)(
        PROBABILITIES, keras.activations.softmax(t), sample_weight=SAMPLE_WEIGHT),
    "categorical_function": lambda t: np.sum(keras.losses.categorical_crossentropy(
        PROBABILITIES, 0.1 + _sigmoid(t))),
    "sparse_from_logits": lambda t: _loss(
        keras.losses.SparseCategoricalCrossentropy, from_logits=True)(SPARSE, t),
    "sparse_from_probabilities": lambda t: _loss(keras.losses.SparseCategoricalCrossentropy)(
        SPARSE, 0.1 + 0.8 * _sigmoid(t)),
    "binary_from_logits": lambda t: _loss(
        keras.losses.BinaryCrossentropy, from_logits=True, reduction="mean")(BINARY, t),
    "binary_from_probabilities": lambda t: _loss(keras.losses.BinaryCrossentropy)(
        BINARY, 0.1 + 0.8 * _sigmoid(t)),
    "ops_sparse_from_logits": lambda t: np.sum(keras.ops.sparse_categorical_crossentropy(
        SPARSE[:, None], t[:, None], from_logits=True)),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_differentiate_twice(name):
    """A penalty on a loss's gradient: the loss's rule, run again on the traced
    prediction, is recorded (float64 and float32, the latter at its precision; each
    loss computes in its prediction's dtype)."""
    _check_hessian_vector(LOSSES[name], (4, 3))
    x, v = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))
    want = _hessian_vector(LOSSES[name], x, v)
    got = _hessian_vector(LOSSES[name], x.astype("float32"), v.astype("float32"))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def _critic(input_shape, *body):
    model = keras.Sequential([keras.Input(input_shape, **F64), *body,
                              layers.Flatten(**F64), layers.Dense(1, **F64)])
    model.set_weights([RNG.standard_normal(w.shape) * 0.5 for w in model.get_weights()])
    return model


CRITICS = {
    "depthwise_conv_2d_same_stride_2": lambda: _critic(
        (5, 5, 2), layers.DepthwiseConv2D(3, 2, "same", depth_multiplier=2,
                                          activation="tanh", **F64)),
    "depthwise_conv_2d_channels_first_dilated": lambda: _critic(
        (2, 5, 5), layers.DepthwiseConv2D(2, dilation_rate=2, data_format="channels_first",
                                          activation="tanh", **F64)),
    "depthwise_conv_1d": lambda: _critic(
        (7, 2), layers.DepthwiseConv1D(3, 2, "same", activation="tanh", **F64)),
    "separable_conv_2d": lambda: _critic(
        (5, 5, 2), layers.SeparableConv2D(3, 3, activation="tanh", **F64)),
    "separable_conv_1d": lambda: _critic(
        (7, 2), layers.SeparableConv1D(2, 3, 2, "same", activation="tanh", **F64)),
    "conv_2d_transpose_same_stride_2": lambda: _critic(
        (3, 3, 2), layers.Conv2DTranspose(2, 3, 2, "same", activation="tanh", **F64)),
    "conv_2d_transpose_output_padding": lambda: _critic(
        (3, 2, 2), layers.Conv2DTranspose(2, 2, 2, output_padding=1, activation="tanh",
                                          **F64)),
    "conv_1d_transpose": lambda: _critic(
        (3, 2), layers.Conv1DTranspose(2, 3, 2, activation="tanh", **F64)),
    "conv_3d": lambda: _critic(
        (3, 4, 3, 2), layers.Conv3D(2, 2, (1, 2, 1), "same", activation="tanh", **F64)),
    "conv_3d_transpose": lambda: _critic(
        (2, 2, 3, 1), layers.Conv3DTranspose(2, 2, 2, activation="tanh", **F64)),
    "conv_max_pool_average_pool": lambda: _critic(
        (6, 5, 2), layers.Conv2D(3, 2, activation="tanh", **F64),
        layers.MaxPooling2D(2, 1, **F64), layers.AveragePooling2D(2, **F64)),
    "conv_relu_max_pool": lambda: _critic(
        (6, 6, 2), layers.Conv2D(3, 3, activation="relu", **F64),
        layers.MaxPooling2D(2, **F64), layers.Activation("tanh", **F64)),
    "einsum_dense_prelu": lambda: _critic(
        (3, 4), layers.EinsumDense("abc,cd->abd", (3, 2), bias_axes="d", **F64),
        layers.PReLU(**F64), layers.Activation("tanh", **F64)),
    "simple_rnn": lambda: _critic((4, 2), layers.SimpleRNN(3, **F64)),
    "lstm": lambda: _critic((3, 2), layers.LSTM(2, return_sequences=True, **F64)),
    "gru": lambda: _critic((3, 2), layers.GRU(2, **F64)),
    "group_normalization": lambda: _critic(
        (3, 3, 4), layers.Conv2D(4, 1, **F64), layers.GroupNormalization(2, **F64),
        layers.Activation("tanh", **F64)),
}


@pytest.mark.parametrize("name", sorted(CRITICS))
def test_gradient_penalty_through_layers_with_weights(name):
    model = CRITICS[name]()
    check_gradient_penalty(model, RNG.standard_normal((2,) + model.input_shape[1:]))


def test_multi_head_attention_gradient_penalty():
    """Attention's batch products are bilinear: their gradients are recorded ops."""
    inputs = keras.Input((3, 4), **F64)
    attended = layers.MultiHeadAttention(2, 3, **F64)(inputs, inputs)
    outputs = layers.Dense(1, **F64)(layers.Flatten(**F64)(
        layers.Activation("tanh", **F64)(attended)))
    model = keras.Model(inputs, outputs)
    model.set_weights([RNG.standard_normal(w.shape) * 0.5 for w in model.get_weights()])
    check_gradient_penalty(model, RNG.standard_normal((2, 3, 4)))


def test_physics_informed_second_derivative_is_exact():
    """u''(x) of a tanh MLP u(x) = w2 . tanh(w1 x + b1) + b2 by nested tapes, against
    the closed form sum_j w2_j w1_j^2 tanh''(z_j), tanh'' = -2 tanh (1 - tanh^2)."""
    model = keras.Sequential([keras.Input((1,), **F64),
                              layers.Dense(8, activation="tanh", **F64),
                              layers.Dense(1, **F64)])
    model.set_weights([RNG.standard_normal(w.shape) for w in model.get_weights()])
    w1, b1, w2, _ = model.get_weights()
    x = np.linspace(-2, 2, 9)[:, None]
    with keras.GradientTape() as outer:
        traced = outer.watch(x)
        with keras.GradientTape() as inner:
            inner.watch(traced)
            u = model(traced)
        du = inner.gradient(u, traced)
    d2u = outer.gradient(du, traced)
    t = np.tanh(x @ w1 + b1)
    np.testing.assert_allclose(du, ((1 - t ** 2) * w1[0]) @ w2, rtol=1e-13)
    np.testing.assert_allclose(d2u, (-2 * t * (1 - t ** 2) * w1[0] ** 2) @ w2, rtol=1e-12,
                               atol=1e-14)
