"""Every layer's gradients (input and each trainable weight) against float64 central
finite differences, and training-mode behaviour (BatchNormalization, Dropout)."""
import numpy as np
import pytest

import kerasmini
from kerasmini import initializers, layers, ops, regularizers
from kerasmini.autodiff import GradientTape
from tests.gradcheck import assert_gradients_close, layer_gradients, numeric_gradient

F64 = {"dtype": "float64"}


def glorot(seed):
    """A seeded GlorotUniform as a config (a readable, stable test id)."""
    return {"class_name": "GlorotUniform", "config": {"seed": seed}}

NONZERO_BIAS = {"bias_initializer": "glorot_uniform"}

CONV2D = [
    {"filters": 3, "kernel_size": 3},
    {"filters": 4, "kernel_size": (2, 3), "strides": (2, 1), "padding": "same", "groups": 2,
     "activation": "relu"},
    {"filters": 2, "kernel_size": 3, "dilation_rate": (2, 1), "padding": "same",
     "data_format": "channels_first", "activation": "tanh"},
    {"filters": 4, "kernel_size": 2, "strides": 3, "padding": "valid", "use_bias": False},
    {"filters": 2, "kernel_size": 1, "strides": 2, "padding": "same"},
    {"filters": 4, "kernel_size": 1, "groups": 4},
]
CONV1D = [
    {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"},
    {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "data_format": "channels_first",
     "groups": 2, "activation": "sigmoid"},
]
POOLING = [
    (layers.MaxPooling2D, {"pool_size": 3, "strides": 2, "padding": "same"}),
    (layers.MaxPooling2D, {"pool_size": (2, 3), "strides": 1}),
    (layers.MaxPooling2D, {"pool_size": 2, "data_format": "channels_first"}),
    (layers.AveragePooling2D, {"pool_size": (2, 3), "strides": (1, 2), "padding": "same"}),
    (layers.AveragePooling2D, {"pool_size": 2, "data_format": "channels_first"}),
    (layers.GlobalAveragePooling2D, {}),
    (layers.GlobalMaxPooling2D, {"keepdims": True, "data_format": "channels_first"}),
]
SHAPING = [
    (layers.Flatten, {}), (layers.Flatten, {"data_format": "channels_first"}),
    (layers.Reshape, {"target_shape": (-1, 4)}),
    (layers.ZeroPadding2D, {"padding": ((1, 2), (0, 1))}),
    (layers.Cropping2D, {"cropping": ((1, 0), (2, 1)), "data_format": "channels_first"}),
    (layers.Rescaling, {"scale": 0.5, "offset": 0.1}),
    (layers.Activation, {"activation": "gelu"}), (layers.Softmax, {"axis": 1}),
    (layers.ReLU, {"max_value": 1.5, "negative_slope": 0.1}), (layers.LeakyReLU, {}),
    (layers.ELU, {"alpha": 0.7}),
    # Seeded: an unseeded gamma made the finite-difference error vary from run to run.
    (layers.BatchNormalization, {"axis": 1, "beta_initializer": glorot(seed=3),
                                 "gamma_initializer": glorot(seed=4)}),
    (layers.BatchNormalization, {"center": False, "scale": False}),
]

# The layers of issue 11 (rank-1 layers run their 2D kernels on a one-row image).
WINDOW_LAYERS = [
    (layers.DepthwiseConv2D, {"kernel_size": 3, "strides": 2, "padding": "same",
                              "depth_multiplier": 2}),
    (layers.DepthwiseConv2D, {"kernel_size": (2, 3), "dilation_rate": 2, "padding": "same",
                              "depth_multiplier": 3, "data_format": "channels_first",
                              "activation": "tanh"}),
    (layers.DepthwiseConv2D, {"kernel_size": 3}),
    (layers.DepthwiseConv1D, {"kernel_size": 3, "strides": 2, "padding": "same"}),
    (layers.SeparableConv2D, {"filters": 3, "kernel_size": 2, "depth_multiplier": 2}),
    (layers.SeparableConv1D, {"filters": 2, "kernel_size": 3, "dilation_rate": 2,
                              "data_format": "channels_first"}),
    (layers.Conv2DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2,
                              "padding": "same"}),
    (layers.Conv2DTranspose, {"filters": 2, "kernel_size": (2, 3), "strides": (3, 2),
                              "output_padding": (1, 1), "data_format": "channels_first"}),
    (layers.Conv2DTranspose, {"filters": 3, "kernel_size": 1, "strides": 3,
                              "padding": "same"}),
    (layers.Conv2DTranspose, {"filters": 2, "kernel_size": 3, "dilation_rate": 2,
                              "padding": "same", "use_bias": False}),
    (layers.Conv1DTranspose, {"filters": 2, "kernel_size": 2, "strides": 2,
                              "padding": "same", "output_padding": 1}),
    (layers.Conv1D, {"filters": 2, "kernel_size": 3, "dilation_rate": 2,
                     "padding": "causal"}),
    (layers.AveragePooling1D, {"pool_size": 3, "strides": 2, "padding": "same"}),
    (layers.GlobalAveragePooling1D, {"data_format": "channels_first"}),
    (layers.GlobalMaxPooling1D, {"keepdims": True}),
    (layers.UpSampling1D, {"size": 3}),
    (layers.UpSampling2D, {"size": (2, 3), "data_format": "channels_first"}),
    (layers.UpSampling2D, {"size": (3, 2), "interpolation": "bilinear"}),
    (layers.ZeroPadding1D, {"padding": (2, 1)}),
    (layers.Cropping1D, {"cropping": (1, 2)}),
    (layers.Resizing, {"height": 7, "width": 3, "interpolation": "nearest"}),
    (layers.Resizing, {"height": 3, "width": 8, "crop_to_aspect_ratio": True,
                       "data_format": "channels_first"}),
    (layers.CenterCrop, {"height": 3, "width": 2}),
]
RANK_1 = (layers.DepthwiseConv1D, layers.SeparableConv1D, layers.Conv1DTranspose,
          layers.Conv1D, layers.AveragePooling1D, layers.GlobalAveragePooling1D,
          layers.GlobalMaxPooling1D, layers.UpSampling1D, layers.ZeroPadding1D,
          layers.Cropping1D)

# Issue 11's layers with weights of their own (written with recorded operations: their
# input gradients are also checked through a Dense in test_tensor_layers_gradients.py).
NORMALIZING_LAYERS = [
    (layers.LayerNormalization, {"beta_initializer": glorot(seed=5),
                                 "gamma_initializer": glorot(seed=6)}),
    (layers.LayerNormalization, {"axis": (1, 2), "rms_scaling": True}),
    (layers.GroupNormalization, {"groups": 2, "beta_initializer": glorot(seed=5),
                                 "gamma_initializer": glorot(seed=6)}),
    (layers.GroupNormalization, {"groups": 3, "axis": 1, "center": False}),
    (layers.UnitNormalization, {"axis": (1, 2)}),
    (layers.PReLU, {"alpha_initializer": glorot(seed=7), "shared_axes": [1]}),
    (layers.Permute, {"dims": (2, 1)}),
]


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("kwargs", CONV2D, ids=str)
def test_conv2d(kwargs):
    shape = (2, 4, 7, 6) if kwargs.get("data_format") else (2, 7, 6, 4)
    layer = layers.Conv2D(**kwargs, **F64, **NONZERO_BIAS)
    assert_gradients_close(layer_gradients(layer, rng().standard_normal(shape)), kwargs)


@pytest.mark.parametrize("kwargs", CONV1D, ids=str)
def test_conv1d(kwargs):
    shape = (2, 4, 9) if kwargs.get("data_format") else (2, 9, 4)
    layer = layers.Conv1D(**kwargs, **F64, **NONZERO_BIAS)
    assert_gradients_close(layer_gradients(layer, rng().standard_normal(shape)), kwargs)


def test_conv2d_workspace_chunks(monkeypatch):
    """Bands of output rows (workspace smaller than one image) give the same gradients."""
    from kerasmini.ops import convolution
    monkeypatch.setattr(convolution, "WORKSPACE_BYTES", 1)
    layer = layers.Conv2D(3, 3, strides=2, padding="same", groups=1, **F64)
    assert_gradients_close(layer_gradients(layer, rng().standard_normal((2, 7, 6, 2))),
                           "one output row per chunk")


@pytest.mark.parametrize("cls,kwargs", POOLING + SHAPING, ids=lambda v: str(v))
def test_shaping_pooling_and_activation_layers(cls, kwargs):
    layer = cls(**kwargs, **F64)
    results = layer_gradients(layer, rng().standard_normal((3, 5, 7, 4)), training=True)
    assert_gradients_close(results, f"{cls.__name__}({kwargs})")


@pytest.mark.parametrize("cls,kwargs", WINDOW_LAYERS, ids=lambda v: str(v))
def test_window_layers_of_issue_11(cls, kwargs):
    layer = cls(**kwargs, **F64, **(NONZERO_BIAS if "filters" in kwargs or
                                    "depth_multiplier" in kwargs else {}))
    spatial = (7,) if cls in RANK_1 else (5, 6)
    first = kwargs.get("data_format") == "channels_first"
    shape = (2, 3, *spatial) if first else (2, *spatial, 3)
    assert_gradients_close(layer_gradients(layer, rng().standard_normal(shape)),
                           f"{cls.__name__}({kwargs})")


@pytest.mark.parametrize("cls,kwargs", NORMALIZING_LAYERS, ids=lambda v: str(v))
def test_normalizing_layers_input_and_weight_gradients(cls, kwargs):
    layer = cls(**kwargs, **F64)
    assert_gradients_close(layer_gradients(layer, rng().standard_normal((2, 3, 4))),
                           f"{cls.__name__}({kwargs})")


def test_depthwise_conv_workspace_chunks(monkeypatch):
    """Bands of output rows (workspace smaller than one image) give the same gradients."""
    from kerasmini.ops import depthwise_convolution
    monkeypatch.setattr(depthwise_convolution, "WORKSPACE_BYTES", 1)
    layer = layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2, **F64)
    assert_gradients_close(layer_gradients(layer, rng().standard_normal((2, 7, 6, 2))),
                           "one output row per chunk")


@pytest.mark.parametrize("op,kernel_shape,strides", [
    (ops.depthwise_conv, (3, 2, 3, 2), 2), (ops.depthwise_conv, (3, 2, 3, 2), 1),
    (ops.conv_transpose, (3, 2, 2, 3), 2)])
def test_float16_gradients_are_the_float32_ones_rounded(op, kernel_shape, strides):
    """float16 is differentiated in float32 and rounded back (as TensorFlow accumulates)."""
    def halves(array):  # values float16 holds exactly, so both runs start equal
        return array.astype(np.float16).astype(np.float64)

    x, kernel = halves(rng(1).standard_normal((2, 5, 6, 3))), halves(rng(2).standard_normal(
        kernel_shape))
    g = halves(rng(3).standard_normal(op(x, kernel, strides=strides, padding="same").shape))

    def gradients(dtype):
        x_t, k_t = x.astype(dtype), kernel.astype(dtype)
        with GradientTape() as tape:
            tape.watch([x_t, k_t])
            loss = ops.sum(op(x_t, k_t, strides=strides, padding="same") * g.astype(dtype))
        return tape.gradient(loss, [x_t, k_t])

    for half, single in zip(gradients("float16"), gradients("float32")):
        assert half.dtype == np.float16
        np.testing.assert_array_equal(half, single.astype(np.float16))


def test_max_pooling1d():
    layer = layers.MaxPooling1D(3, 2, padding="same", **F64)
    assert_gradients_close(layer_gradients(layer, rng().standard_normal((2, 8, 3))), "mp1d")


def test_max_pool_ties_go_to_the_first_maximum_in_row_major_order():
    """The rule measured on TensorFlow (ops/max_pooling_vjp.py), on overlapping windows."""
    x = np.array([[1, 1, 0, 2], [1, 1, 2, 2], [3, 0, 3, 3], [0, 3, 3, 3]], "float32")
    x = x.reshape(1, 4, 4, 1)
    layer = layers.MaxPooling2D(2, strides=1)
    g = np.arange(1, 10, dtype="float32").reshape(1, 3, 3, 1)
    with GradientTape() as tape:
        tape.watch(x)
        loss = ops.sum(layer(x) * g)
    expected = np.zeros((4, 4), "float32")
    for i in range(3):
        for j in range(3):  # loop reference: argmax takes the first in row-major order
            a, b = divmod(int(np.argmax(x[0, i:i + 2, j:j + 2, 0])), 2)
            expected[i + a, j + b] += g[0, i, j, 0]
    np.testing.assert_array_equal(tape.gradient(loss, x)[0, :, :, 0], expected)


@pytest.mark.parametrize("cls", [layers.Add, layers.Concatenate])
def test_merge_layers(cls):
    a, b = rng(1).standard_normal((2, 3, 4)), rng(2).standard_normal((2, 3, 4))
    layer = cls(**F64)
    weight_of = rng(3).standard_normal(layer([a, b]).shape)
    with GradientTape() as tape:
        tape.watch([a, b])
        loss = ops.sum(layer([a, b]) * weight_of)
    grads = tape.gradient(loss, [a, b])
    for x, grad in zip((a, b), grads):
        expected = numeric_gradient(lambda: float(np.sum(layer([a, b]) * weight_of)), x)
        assert_gradients_close([("input", grad, expected)], cls.__name__)


def test_batch_normalization_training_updates_moving_statistics():
    x = rng().standard_normal((6, 3)) * 2 + 1
    layer = layers.BatchNormalization(momentum=0.9, **F64)
    with GradientTape() as tape:
        y = layer(x, training=True)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.1 * x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.9 + 0.1 * x.var(0),
                               rtol=1e-12)
    np.testing.assert_allclose(np.asarray(y).mean(0), 0, atol=1e-12)
    assert tape.gradient(ops.sum(y), layer.moving_mean) is None  # not trainable


def test_dropout_gradient_is_the_mask_scaled():
    x = rng().uniform(1, 2, (50, 8))
    layer = layers.Dropout(0.25, seed=1, **F64)
    with GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
    grad = tape.gradient(y, x)
    kept = np.asarray(y) != 0
    assert 0.6 < kept.mean() < 0.9
    np.testing.assert_array_equal(grad, kept / 0.75)
    with GradientTape() as tape:
        tape.watch(x)
        y = layers.Dropout(1.0)(x, training=True)
    np.testing.assert_array_equal(tape.gradient(y, x), np.zeros_like(x))


def test_spatial_dropout_gradient_is_one_mask_per_channel_scaled():
    x = rng().uniform(1, 2, (20, 3, 4, 6))
    with GradientTape() as tape:
        tape.watch(x)
        y = layers.SpatialDropout2D(0.25, seed=1, **F64)(x, training=True)
    grad, kept = tape.gradient(y, x), np.asarray(y) != 0
    assert np.all(kept == kept[:, :1, :1, :])  # whole feature maps kept or dropped
    assert 0.6 < kept.mean() < 0.9
    np.testing.assert_array_equal(grad, kept / 0.75)


def test_gaussian_dropout_gradient_is_the_noise():
    """y = x * noise, so dy/dx is the noise the forward drew: y / x."""
    x = rng().uniform(1, 2, (50, 8))
    with GradientTape() as tape:
        tape.watch(x)
        y = layers.GaussianDropout(0.3, seed=1, **F64)(x, training=True)
    noise = np.asarray(y) / x
    assert 0.2 < noise.std() < 1.0  # noise was drawn (stddev sqrt(0.3 / 0.7) ~ 0.65)
    np.testing.assert_allclose(tape.gradient(y, x), noise, rtol=1e-14)


@pytest.mark.parametrize("regularizer", [
    regularizers.L1(0.3), regularizers.L2(0.2), regularizers.L1L2(0.1, 0.4),
    regularizers.OrthogonalRegularizer(0.5, "columns")], ids=lambda r: type(r).__name__)
def test_weight_and_activity_penalties(regularizer):
    layer = layers.Dense(3, kernel_regularizer=regularizer, bias_regularizer="l2",
                         activity_regularizer="l1", **F64, **NONZERO_BIAS)
    x = rng().standard_normal((4, 5))
    layer(x)

    def loss():
        y = layer(x)
        return ops.sum(y) + sum(layer.losses)

    with GradientTape() as tape:
        total = loss()
    grads = tape.gradient(total, layer.trainable_weights)
    for variable, grad in zip(layer.trainable_weights, grads):
        expected = numeric_gradient(lambda: float(loss()), variable._value)
        assert_gradients_close([(variable.name, grad, expected)], type(regularizer).__name__)


def _models():
    """A functional model with a branch, a merge and batch norm, and a Sequential one;
    seeded weights (a case that passes once passes every time, whatever ran before)."""
    seeded = iter(range(100))

    def init():
        return {"kernel_initializer": initializers.GlorotUniform(seed=next(seeded))}

    inputs = kerasmini.Input((6, 6, 2))
    h = layers.Conv2D(4, 3, padding="same", activation="relu", **init())(inputs)
    h = layers.Add()([h, layers.Conv2D(4, 1, **init())(h)])
    h = layers.BatchNormalization()(h)
    h = layers.MaxPooling2D()(h)
    h = layers.Concatenate()([layers.Flatten()(h), layers.Flatten()(h)])
    functional = kerasmini.Model(inputs, layers.Dense(3, activation="softmax", **init())(h))
    sequential = kerasmini.Sequential([
        kerasmini.Input((6, 6, 2)), layers.Conv2D(3, 3, activation="relu", **init()),
        layers.GlobalAveragePooling2D(), layers.Dense(3, activation="softmax", **init())])
    return functional, sequential


@pytest.mark.parametrize("which", [0, 1], ids=["functional", "sequential"])
def test_whole_model_gradient_is_the_directional_derivative(which):
    """d/dh loss(w + h d) at 0 equals <grad, d> for a random direction d (float64)."""
    previous = kerasmini.config.floatx()
    kerasmini.config.set_floatx("float64")
    try:
        model = _models()[which]
    finally:
        kerasmini.config.set_floatx(previous)
    x = rng().standard_normal((8, 6, 6, 2))
    labels = ops.one_hot(np.arange(8) % 3, 3, dtype="float64")

    def loss():
        probs = model(x, training=True)
        return -ops.mean(ops.sum(labels * ops.log(probs), axis=-1))

    weights = model.trainable_weights
    with GradientTape() as tape:
        value = loss()
    grads = tape.gradient(value, weights)
    directions = [rng(i + 1).standard_normal(w.shape) for i, w in enumerate(weights)]
    start = [w.numpy() for w in weights]

    def moved(step):
        for w, w0, d in zip(weights, start, directions):
            w.assign(w0 + step * d)
        return float(loss())

    # A small step: a relu or max-pool kink within reach of the step would break the
    # difference; at 1e-8 its rounding error (eps |L| / h ~ 2e-8) is still far below 1e-6.
    numeric = (moved(1e-8) - moved(-1e-8)) / 2e-8
    analytic = sum(float(np.sum(g * d)) for g, d in zip(grads, directions))
    assert abs(numeric - analytic) <= 1e-6 * max(abs(analytic), 1.0), (numeric, analytic)


def test_sgd_steps_lower_the_loss():
    x = rng().standard_normal((8, 6, 6, 2)).astype("float32")
    labels = ops.one_hot(np.arange(8) % 3, 3)
    for model in _models():
        losses = []
        for _ in range(5):
            with GradientTape() as tape:
                probs = model(x, training=True)
                loss = -ops.mean(ops.sum(labels * ops.log(probs), axis=-1))
            grads = tape.gradient(loss, model.trainable_weights)
            for variable, grad in zip(model.trainable_weights, grads):
                variable.assign(variable.numpy() - 0.1 * grad)
            losses.append(float(loss))
        assert all(b < a for a, b in zip(losses, losses[1:])), losses
