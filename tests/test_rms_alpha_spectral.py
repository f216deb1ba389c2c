"""RMSNormalization, AlphaDropout and SpectralNormalization (with the Wrapper base)
against loop references written from their papers' definitions; gradients against
finite differences; configs, weights order and errors."""
import itertools

import numpy as np
import pytest

import kerasmini
from kerasmini import layers
from tests.gradcheck import assert_gradients_close, layer_gradients
from tests.helpers import assert_close, random_input

F64 = {"dtype": "float64"}


# ----- RMSNormalization ------------------------------------------------------------------
def rms_reference(x, axes, scale, epsilon):
    """One sample slice at a time: divide by sqrt(mean of squares + epsilon), times the
    scale entry of each position along the normalized axes."""
    x = np.asarray(x, np.float64)
    axes = sorted(a % x.ndim for a in axes)
    kept = [a for a in range(x.ndim) if a not in axes]
    out = np.empty_like(x)
    for outer in itertools.product(*(range(x.shape[a]) for a in kept)):
        index = [slice(None)] * x.ndim
        for a, i in zip(kept, outer):
            index[a] = i
        block = x[tuple(index)]
        out[tuple(index)] = block / np.sqrt(np.mean(block ** 2) + epsilon) * scale
    return out


RMS_CASES = [(-1, (3, 5)), ([1, 2], (2, 3, 4)), (1, (2, 3, 4)), ([-2], (2, 4, 4)),
             ([0, 2], (2, 3, 4))]


@pytest.mark.parametrize("axis,shape", RMS_CASES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rms_normalization_matches_reference(axis, shape, dtype):
    x = random_input(shape, dtype, seed=1)
    layer = layers.RMSNormalization(axis=axis, epsilon=1e-3, dtype=dtype)
    layer.build(shape)
    scale = random_input(layer.scale.shape, dtype, seed=2)
    layer.set_weights([scale])
    axes = [axis] if isinstance(axis, int) else axis
    assert_close(layer(x), rms_reference(x, axes, scale.astype(np.float64), 1e-3), dtype,
                 f"RMSNormalization axis={axis} {shape}")


@pytest.mark.parametrize("axis,shape", RMS_CASES[:3], ids=str)
def test_rms_normalization_gradients(axis, shape):
    layer = layers.RMSNormalization(axis=axis, **F64)
    layer.build(shape)
    layer.set_weights([random_input(layer.scale.shape, seed=3)])
    assert_gradients_close(layer_gradients(layer, random_input(shape, seed=4)),
                           f"RMSNormalization axis={axis}")


def test_rms_normalization_float16_and_config():
    x = random_input((2, 6), "float16", seed=5)
    out = layers.RMSNormalization(dtype="float16")(x)
    assert_close(out, rms_reference(x, [-1], 1.0, 1e-6), "float16", "float16")
    layer = layers.RMSNormalization(axis=[2, 1], epsilon=0.01)
    assert layer.get_config()["axis"] == [2, 1]
    layer.build((2, 3, 4))
    assert layer.get_config()["axis"] == [1, 2] and layer.scale.shape == (3, 4)
    assert layers.RMSNormalization.from_config(layer.get_config()).get_config() == \
        layer.get_config()


@pytest.mark.parametrize("make,error,match", [
    (lambda: layers.RMSNormalization(axis=1.5), TypeError, "axis.*1.5"),
    (lambda: layers.RMSNormalization(axis=None), TypeError, "axis.*None"),
    (lambda: layers.RMSNormalization(epsilon="x"), TypeError, "epsilon"),
    (lambda: layers.RMSNormalization(axis=3)(np.zeros((2, 3))), ValueError, "axis=3"),
])
def test_rms_normalization_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


# ----- AlphaDropout ----------------------------------------------------------------------
def test_alpha_dropout_is_the_identity_at_inference():
    x = random_input((4, 5), "float32")
    layer = layers.AlphaDropout(0.4)
    assert layer(x) is x and layer(x, training=False) is x
    assert layers.AlphaDropout(0.0)(x, training=True) is x


@pytest.mark.parametrize("rate", [0.1, 0.5])
def test_alpha_dropout_training_rule(rate):
    """Each output is a * x + b (kept) or a * alpha' + b (dropped), with SELU's alpha'
    and the a, b of Klambauer et al. (eq. 10-11): on N(0, 1) inputs mean and variance
    stay near 0 and 1; the gradient is a on kept inputs, 0 on dropped ones."""
    alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * rate
    x = random_input((400, 250), seed=6)
    layer = layers.AlphaDropout(rate, seed=3, **F64)
    with kerasmini.GradientTape() as tape:
        y = layer(tape.watch(x), training=True)
    kept = np.isclose(y, a * x + b, rtol=0, atol=1e-12)
    dropped = np.isclose(y, a * alpha_p + b, rtol=0, atol=1e-12)
    assert (kept | dropped).all()
    assert abs(dropped.mean() - rate) < 5 * np.sqrt(rate * (1 - rate) / x.size)
    assert abs(np.mean(y)) < 0.01 and abs(np.var(y) - 1) < 0.02
    np.testing.assert_array_equal(tape.gradient(y, x), np.where(kept, a, 0.0))


def test_alpha_dropout_noise_shape_and_errors():
    y = layers.AlphaDropout(0.5, noise_shape=(None, 1), seed=1, **F64)(
        np.ones((50, 6)), training=True)
    assert (y == y[:, :1]).all()  # one draw per row
    with pytest.raises(ValueError, match="rate=1.5"):
        layers.AlphaDropout(1.5)
    with pytest.raises(ValueError, match="rate=1"):
        layers.AlphaDropout(1.0)(np.ones((2, 2)), training=True)
    config = layers.AlphaDropout(0.2, noise_shape=(None, 1), seed=4).get_config()
    assert layers.AlphaDropout.from_config(config).get_config() == config


# ----- Wrapper, SpectralNormalization ----------------------------------------------------
def power_iteration_reference(kernel, u, iterations):
    """(u, kernel / sigma): Miyato et al.'s power iteration on W = kernel as
    (-1, units), written with explicit norms."""
    w = np.asarray(kernel, np.float64).reshape(-1, kernel.shape[-1])
    u = np.asarray(u, np.float64)
    for _ in range(iterations):
        v = u @ w.T
        v = v / np.linalg.norm(v)
        u = v @ w
        u = u / np.linalg.norm(u)
    sigma = (v @ w @ u.T).item()
    return u, kernel / sigma


@pytest.mark.parametrize("make,shape,iterations", [
    (lambda: layers.Dense(4, **F64), (3, 5), 1),
    (lambda: layers.Conv2D(3, 2, **F64), (2, 5, 5, 2), 3),
    (lambda: layers.Embedding(7, 3, **F64), (2, 4), 2)], ids=["Dense", "Conv2D", "Embedding"])
def test_spectral_normalization_steps(make, shape, iterations):
    kerasmini.utils.set_random_seed(1)  # initial kernel and u: convergence speed below
    inner = make()
    layer = layers.SpectralNormalization(inner, power_iterations=iterations, **F64)
    x = np.random.default_rng(0).integers(0, 7, shape) if shape == (2, 4) else \
        random_input(shape, seed=7)
    inferred = layer(x)
    np.testing.assert_array_equal(inferred, inner(x))  # inference: the layer as it is
    for _ in range(2):
        kernel, u = layer.kernel.numpy(), layer.vector_u.numpy()
        expected_u, expected_kernel = power_iteration_reference(kernel, u, iterations)
        y = layer(x, training=True)
        assert_close(layer.vector_u.numpy(), expected_u, "float64", "vector_u")
        assert_close(layer.kernel.numpy(), expected_kernel, "float64", "kernel")
        np.testing.assert_array_equal(y, inner(x))
    # many steps: sigma converges to the largest singular value, which becomes 1
    for _ in range(40):
        layer(x, training=True)
    w = layer.kernel.numpy().reshape(-1, layer.kernel.shape[-1])
    assert abs(np.linalg.svd(w, compute_uv=False)[0] - 1) < 1e-5


def test_spectral_normalization_weights_gradients_and_config():
    inner = layers.Dense(3, **F64)
    layer = layers.SpectralNormalization(inner, **F64)
    layer.build((2, 4))
    assert [w.name for w in layer.weights] == ["kernel", "vector_u", "bias"]
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]
    assert layer.kernel is inner.kernel and layer.count_params() == 4 * 3 + 3 + 3
    # the gradient is the wrapped layer's at the (assigned) kernel
    assert_gradients_close(layer_gradients(layer, random_input((2, 4), seed=8)),
                           "SpectralNormalization(Dense) inference")
    x = random_input((2, 4), seed=9)
    with kerasmini.GradientTape() as tape:
        y = layer(x, training=True)
    grads = tape.gradient(y, layer.trainable_weights)
    np.testing.assert_allclose(grads[0], np.repeat(x.sum(0)[:, None], 3, 1), rtol=1e-12)
    config = layer.get_config()
    assert config["power_iterations"] == 1 and config["layer"]["class_name"] == "Dense"
    clone = layers.SpectralNormalization.from_config(config)
    assert isinstance(clone.layer, layers.Dense)
    assert clone.get_config()["layer"]["config"] == config["layer"]["config"]


def test_all_zero_kernel_is_left_alone():
    layer = layers.SpectralNormalization(layers.Dense(2, kernel_initializer="zeros"))
    layer(np.ones((1, 3), "float32"), training=True)
    assert not layer.kernel.numpy().any()


@pytest.mark.parametrize("make,error,match", [
    (lambda: layers.SpectralNormalization(layers.Dense(2), power_iterations=0),
     ValueError, "power_iterations=0"),
    (lambda: layers.SpectralNormalization(3), ValueError, "Layer 3 supplied to Wrapper"),
    (lambda: layers.SpectralNormalization(layers.ReLU())(np.ones((2, 3))), ValueError,
     "ReLU object has no attribute 'kernel' nor 'embeddings'"),
    (lambda: layers.Wrapper("dense"), ValueError, "supplied to Wrapper"),
])
def test_wrapper_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_spectral_normalization_refuses_a_scalar_by_its_rank():
    layer = layers.SpectralNormalization(layers.Dense(2))
    layer(np.ones((4, 3), "float32"))
    with pytest.raises(ValueError, match="expected min_ndim=1, found ndim=0"):
        layer(np.float32(1.0))
