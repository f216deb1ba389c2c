"""The 3D layers (Conv3D, Conv3DTranspose, 3D pooling, UpSampling3D, ZeroPadding3D,
Cropping3D, SpatialDropout3D) against the loop references of tests/reference.py;
their gradients against float64 finite differences; blocks of planes and the 2D
kernels' chunks and threads, with shrunk limits; arguments and errors."""
import itertools

import numpy as np
import pytest

import kerasmini
from kerasmini import layers
from tests import reference
from tests.gradcheck import assert_gradients_close, layer_gradients
from tests.helpers import assert_close, random_input
from tests.kernel_limits import kinds, shrunk

F64 = {"dtype": "float64"}
RANDOM_BIAS = {"bias_initializer": "random_normal"}


def _triple(v):
    return (v,) * 3 if isinstance(v, int) else tuple(v)


def _volume(shape, channels_first):
    """(N, D, H, W, C) written as the layer's layout."""
    n, *spatial, c = shape
    return (n, c, *spatial) if channels_first else shape


# ----- Conv3D ----------------------------------------------------------------------------
def _conv3d_grid():
    grid = itertools.product([1, 2, (3, 1, 2)], [(1, 1), (2, 1), ((1, 3, 2), 1), (1, (2, 1, 2))],
                             ["valid", "same"], [1, 2])
    for i, (k, (s, d), padding, groups) in enumerate(grid):
        yield k, s, d, padding, groups, ("channels_last", "channels_first")[i % 2]


@pytest.mark.parametrize("k,s,d,padding,groups,fmt", list(_conv3d_grid()), ids=str)
def test_conv3d_matches_reference(k, s, d, padding, groups, fmt):
    layer = layers.Conv3D(4, k, strides=s, padding=padding, dilation_rate=d, groups=groups,
                          data_format=fmt, **RANDOM_BIAS, **F64)
    cf = fmt == "channels_first"
    x = random_input(_volume((2, 5, 6, 4, 2 * groups), cf), "float64", 3)
    y = layer(x)
    assert layer.kernel.shape == (*_triple(k), 2, 4)
    expected = reference.conv3d(x, layer.kernel.value, layer.bias.value, _triple(s), padding,
                                _triple(d), groups, cf)
    assert_close(y, expected, "float64", (k, s, d, padding, groups, fmt))
    assert y.shape == layer.compute_output_shape(x.shape)


def test_conv3d_float32_and_activation():
    layer = layers.Conv3D(3, 3, padding="same", activation="relu", **RANDOM_BIAS)
    x = random_input((2, 4, 5, 3, 2), "float32", 4)
    y = layer(x)
    expected = np.maximum(reference.conv3d(x, layer.kernel.value, layer.bias.value,
                                           (1, 1, 1), "same", (1, 1, 1), 1), 0)
    assert_close(y, expected, "float32", "relu")


@pytest.mark.parametrize("cls", ["Conv3D", "Conv3DTranspose"])
def test_blocks_of_planes_chunks_and_threads_give_the_same_values(cls):
    """Workspace budgets from one byte (one plane of one image per block, and the 2D
    kernel in row bands) to several images per block (with a remainder), with the 2D
    kernels' thread pool forced on: the same outputs and gradients every time."""
    layer = getattr(layers, cls)(3, (2, 3, 2), strides=(2, 1, 1), padding="same", **F64)
    x = random_input((5, 5, 4, 3, 2), "float64", 5)
    whole = layer(x)
    g = random_input(whole.shape, "float64", 6)
    plain = tape_gradients(layer, x, g)
    found = set()
    for budget in (1, 700, 3000, 5000):
        with shrunk(workspace_bytes=budget, workers=2, small_product=1, min_rows=1,
                    parallel_bytes=1) as walked:
            assert_close(layer(x), whole, "float64", (cls, budget))
            for grad, plain_grad in zip(tape_gradients(layer, x, g), plain):
                assert_close(grad, plain_grad, "float64", (cls, budget))
        found |= kinds(walked)
    assert {"bands", "images+remainder"} <= found, found


def tape_gradients(layer, x, g):
    """d sum(layer(x) * g) / d (x, each trainable weight), by the tape."""
    with kerasmini.GradientTape() as tape:
        loss = np.sum(layer(tape.watch(x)) * g)
    return tape.gradient(loss, [x, *layer.trainable_weights])


# ----- Conv3DTranspose -------------------------------------------------------------------
def _transpose_grid():
    grid = itertools.product([1, 2, 3, (3, 1, 2)],
                             [(1, 1), (2, 1), ((2, 1, 3), 1), (1, (2, 1, 2))],
                             ["valid", "same"], [None, 1])
    for i, (k, (s, d), padding, op) in enumerate(grid):
        if op is not None and min(_triple(s)) == 1:
            continue  # output_padding must stay below every stride
        yield k, s, d, padding, op, ("channels_last", "channels_first")[i % 2]


@pytest.mark.parametrize("k,s,d,padding,op,fmt", list(_transpose_grid()), ids=str)
def test_conv3d_transpose_matches_reference(k, s, d, padding, op, fmt):
    layer = layers.Conv3DTranspose(4, k, strides=s, padding=padding, output_padding=op,
                                   dilation_rate=d, data_format=fmt, **RANDOM_BIAS, **F64)
    cf = fmt == "channels_first"
    x = random_input(_volume((2, 3, 2, 4, 3), cf), "float64", 6)
    y = layer(x)
    assert layer.kernel.shape == (*_triple(k), 4, 3)
    expected = reference.conv_transpose3d(x, layer.kernel.value, layer.bias.value,
                                          _triple(s), padding, _triple(d),
                                          None if op is None else _triple(op), cf)
    assert_close(y, expected, "float64", (k, s, d, padding, op, fmt))
    assert y.shape == layer.compute_output_shape(x.shape)


def test_conv3d_transpose_errors():
    with pytest.raises(ValueError, match="output_padding"):
        layers.Conv3DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="groups"):  # Keras's Conv3DTranspose has none
        layers.Conv3DTranspose(2, 3, groups=2)
    with pytest.raises(ValueError, match="odd"):  # 'same', output_padding 0, even kernel
        layers.Conv3DTranspose(2, 2, strides=2, padding="same", output_padding=0)(
            np.zeros((1, 2, 2, 2, 1)))


# ----- pooling -----------------------------------------------------------------------------
POOLS = [(2, None, "valid"), (3, 2, "same"), ((2, 1, 3), (1, 2, 2), "same"),
         ((1, 3, 2), 1, "valid"), (3, (3, 1, 2), "valid")]


@pytest.mark.parametrize("how", ["max", "average"])
@pytest.mark.parametrize("pool,strides,padding", POOLS, ids=str)
@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_pooling3d_matches_reference(how, pool, strides, padding, fmt):
    cls = layers.MaxPooling3D if how == "max" else layers.AveragePooling3D
    layer = cls(pool, strides=strides, padding=padding, data_format=fmt, **F64)
    cf = fmt == "channels_first"
    x = random_input(_volume((2, 5, 4, 6, 3), cf), "float64", 7)
    reduce = max if how == "max" else (lambda values: sum(values) / len(values))
    expected = reference.pool3d(x, _triple(pool), _triple(strides or pool), padding, cf,
                                reduce)
    assert_close(layer(x), expected, "float64", (how, pool, strides, padding, fmt))
    assert layer(x).shape == layer.compute_output_shape(x.shape)


@pytest.mark.parametrize("pool,strides,padding", POOLS[:3], ids=str)
@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_max_pooling3d_gradient_goes_to_the_first_maximum(pool, strides, padding, fmt):
    """Ties (small integers): each window's gradient lands on its first maximal voxel in
    (depth, row, column) order, whole."""
    cf = fmt == "channels_first"
    x = np.random.default_rng(8).integers(0, 3, _volume((2, 5, 4, 6, 2), cf)).astype(float)
    layer = layers.MaxPooling3D(pool, strides=strides, padding=padding, data_format=fmt,
                                **F64)
    g = random_input(layer(x).shape, "float64", 9)
    with kerasmini.GradientTape() as tape:
        loss = np.sum(layer(tape.watch(x)) * g)
    actual = tape.gradient(loss, x)
    xl, gl = (np.moveaxis(x, 1, -1), np.moveaxis(g, 1, -1)) if cf else (x, g)
    pool, strides = _triple(pool), _triple(strides or pool)
    befores = [reference.out_size_and_pad_before(n, k, s, 1, padding)[1]
               for n, k, s in zip(xl.shape[1:4], pool, strides)]
    expected = np.zeros_like(xl)
    for b, *o, c in np.ndindex(gl.shape):
        box = [range(max(i * s - p, 0), min(i * s - p + k, n)) for i, s, p, k, n
               in zip(o, strides, befores, pool, xl.shape[1:4])]
        voxels = list(itertools.product(*box))
        first = next(v for v in voxels if xl[(b, *v, c)] == max(xl[(b, *u, c)] for u in voxels))
        expected[(b, *first, c)] += gl[(b, *o, c)]
    assert_close(actual, np.moveaxis(expected, -1, 1) if cf else expected, "float64", fmt)


@pytest.mark.parametrize("layer", [
    layers.AveragePooling3D((2, 1, 3), strides=(1, 2, 2), padding="same", **F64),
    layers.MaxPooling3D(2, strides=1, data_format="channels_first", **F64),
    layers.GlobalAveragePooling3D(**F64), layers.GlobalMaxPooling3D(keepdims=True, **F64),
    layers.UpSampling3D((1, 2, 3), **F64),
    layers.ZeroPadding3D(((1, 0), (0, 2), (2, 1)), data_format="channels_first", **F64),
    layers.Cropping3D(((1, 0), (0, 1), (2, 1)), **F64),
    layers.Conv3D(4, (2, 3, 2), strides=(1, 2, 1), padding="same", groups=2, **F64,
                  **RANDOM_BIAS),
    layers.Conv3D(2, 2, dilation_rate=(2, 1, 1), data_format="channels_first",
                  activation="tanh", **F64, **RANDOM_BIAS),
    layers.Conv3DTranspose(2, (3, 3, 2), strides=(2, 1, 2), padding="same",
                           output_padding=(1, 0, 1), **F64, **RANDOM_BIAS),
    layers.Conv3DTranspose(3, 2, dilation_rate=(1, 2, 1), data_format="channels_first",
                           **F64, **RANDOM_BIAS)], ids=lambda layer: layer.name)
def test_gradients_against_finite_differences(layer):
    x = random_input((2, 4, 5, 6, 4), "float64", 10)
    assert_gradients_close(layer_gradients(layer, x, training=True), layer.name)


# ----- reshaping and dropout ---------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_reshaping_layers_move_each_voxel(fmt):
    cf = fmt == "channels_first"
    x = random_input(_volume((2, 3, 4, 2, 3), cf), "float64", 11)
    xl = np.moveaxis(x, 1, -1) if cf else x
    last = (lambda y: np.moveaxis(y, 1, -1)) if cf else (lambda y: y)
    up = last(layers.UpSampling3D((2, 1, 3), data_format=fmt, **F64)(x))
    for d, h, w in np.ndindex(up.shape[1:4]):
        np.testing.assert_array_equal(up[:, d, h, w], xl[:, d // 2, h, w // 3])
    padded = last(layers.ZeroPadding3D(((1, 2), 0, (0, 1)), data_format=fmt, **F64)(x))
    assert padded.shape[1:4] == (6, 4, 3)
    np.testing.assert_array_equal(padded[:, 1:4, :, :2], xl)
    assert not padded[:, [0, 4, 5]].any() and not padded[:, :, :, 2].any()
    cropped = last(layers.Cropping3D(((1, 0), (1, 2), 0), data_format=fmt, **F64)(x))
    np.testing.assert_array_equal(cropped, xl[:, 1:, 1:2, :])


def test_global_pooling3d_and_keepdims():
    x = random_input((2, 3, 4, 2, 5), "float64", 12)
    means = np.array([[np.sum(x[n, ..., c]) / x[n, ..., c].size for c in range(5)]
                      for n in range(2)])
    np.testing.assert_allclose(layers.GlobalAveragePooling3D(**F64)(x), means, rtol=1e-12)
    np.testing.assert_array_equal(layers.GlobalMaxPool3D(keepdims=True, **F64)(x),
                                  x.max(axis=(1, 2, 3), keepdims=True))
    first = layers.GlobalAvgPool3D(data_format="channels_first", **F64)(np.moveaxis(x, -1, 1))
    np.testing.assert_allclose(first, means, rtol=1e-12)


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_spatial_dropout3d_drops_whole_channels(fmt):
    x = np.ones(_volume((8, 3, 4, 5, 16), fmt == "channels_first"))
    layer = layers.SpatialDropout3D(0.5, data_format=fmt, seed=1)
    np.testing.assert_array_equal(layer(x), x)  # inference: the identity
    y = layer(x, training=True)
    spatial = (2, 3, 4) if fmt == "channels_first" else (1, 2, 3)
    assert set(np.unique(y)) == {0.0, 2.0}
    assert (y == y.max(axis=spatial, keepdims=True)).all(), "a channel partly dropped"
    with kerasmini.GradientTape() as tape:  # the gradient is the mask / (1 - rate)
        y = layer(tape.watch(x), training=True)
    np.testing.assert_array_equal(tape.gradient(y, x), np.asarray(y))


# ----- arguments, configs, errors ---------------------------------------------------------
@pytest.mark.parametrize("layer", [
    layers.Conv3D(4, (1, 2, 3), strides=(1, 2, 1), padding="same", groups=2,
                  data_format="channels_first", activation="relu"),
    layers.Conv3DTranspose(2, 3, strides=2, output_padding=1, dilation_rate=1),
    layers.MaxPool3D(3, strides=2, padding="same"), layers.AvgPool3D((1, 2, 2)),
    layers.GlobalMaxPooling3D(keepdims=True), layers.UpSampling3D(3),
    layers.ZeroPadding3D((1, 2, 3)), layers.Cropping3D(2), layers.SpatialDropout3D(0.2)],
    ids=lambda layer: type(layer).__name__)
def test_config_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_defaults_and_normalized_arguments():
    conv = layers.Conv3D(2, 3)
    assert (conv.kernel_size, conv.strides, conv.dilation_rate) == ((3, 3, 3), (1, 1, 1),
                                                                     (1, 1, 1))
    assert layers.MaxPooling3D().pool_size == (2, 2, 2)
    assert layers.AveragePooling3D(2, strides=(1, 2, 1)).strides == (1, 2, 1)
    assert layers.ZeroPadding3D().padding == ((1, 1),) * 3
    assert layers.Cropping3D((1, 0, 2)).cropping == ((1, 1), (0, 0), (2, 2))
    assert layers.UpSampling3D().size == (2, 2, 2)
    assert layers.Convolution3D is layers.Conv3D and layers.MaxPool3D is layers.MaxPooling3D


@pytest.mark.parametrize("make,error,match", [
    (lambda: layers.Conv3D(4, (2, 2)), ValueError, "kernel_size"),
    (lambda: layers.Conv3D(3, 2, groups=2), ValueError, "groups"),
    (lambda: layers.Conv3D(2, 2, strides=2, dilation_rate=2), ValueError, "dilation_rate"),
    (lambda: layers.MaxPooling3D((2, 2)), ValueError, "pool_size"),
    (lambda: layers.ZeroPadding3D((1, 2)), ValueError, "3 elements"),
    (lambda: layers.ZeroPadding3D(((1, 2), (1, -1), 0)), ValueError, "2nd entry of padding"),
    (lambda: layers.Cropping3D(-1), ValueError, "cannot be negative"),
    (lambda: layers.Cropping3D("a"), ValueError, "3 elements"),
    (lambda: layers.UpSampling3D(0), ValueError, "size"),
    (lambda: layers.SpatialDropout3D(0.5, data_format="nchw"), ValueError, "data_format"),
])
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_bad_inputs_leave_the_layer_unbuilt():
    conv = layers.Conv3D(2, 3)
    with pytest.raises(ValueError, match="rank 5|ndim=5"):
        conv(np.zeros((1, 4, 4, 2)))
    assert conv.kernel is None
    with pytest.raises(ValueError, match="zero or negative"):
        conv(np.zeros((1, 2, 4, 4, 1)))
    assert conv.kernel is None
    with pytest.raises(ValueError, match="smaller than"):
        layers.Cropping3D(((2, 2), 0, 0))(np.zeros((1, 4, 3, 3, 1)))
    with pytest.raises(ValueError, match="zero or negative"):
        layers.MaxPooling3D(3)(np.zeros((1, 2, 4, 4, 1)))
