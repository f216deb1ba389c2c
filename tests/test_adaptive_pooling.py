"""Adaptive{Average,Max}Pooling{1,2,3}D against a loop over output positions that finds
each bin with float arithmetic (Keras's floor / ceil of i * n / m); gradients against
finite differences; which of tied maxima gets the gradient; configs and errors."""
import itertools
import math

import numpy as np
import pytest

import kerasmini
from kerasmini import layers
from tests.gradcheck import assert_gradients_close, layer_gradients
from tests.helpers import assert_close, random_input

SIZES = {1: [(7, 3), (7, 7), (4, 9), (5, 1), (1, 2)],
         2: [((7, 9), (3, 4)), ((5, 4), (5, 6)), ((3, 6), 1), ((6, 6), (4, 4))],
         3: [((5, 6, 7), (2, 3, 4)), ((3, 4, 2), (4, 1, 3)), ((4, 4, 4), 2)]}


def _bin(i, n, m):
    return range(math.floor(i * n / m), math.ceil((i + 1) * n / m))


def reference(x, output_size, how, channels_first):
    """Loop over output positions: each reduces the product of its bins (float64)."""
    x = np.moveaxis(np.asarray(x, np.float64), 1, -1) if channels_first else \
        np.asarray(x, np.float64)
    spatial = x.shape[1:-1]
    sizes = (output_size,) * len(spatial) if isinstance(output_size, int) else output_size
    out = np.zeros((x.shape[0], *sizes, x.shape[-1]))
    for o in np.ndindex(*sizes):
        box = x[(slice(None), *(np.array(_bin(i, n, m)) for i, n, m in
                                zip(o, spatial, sizes)))] if len(spatial) == 1 else \
            x[np.ix_(range(x.shape[0]), *(_bin(i, n, m) for i, n, m in
                                          zip(o, spatial, sizes)), range(x.shape[-1]))]
        flat = box.reshape(x.shape[0], -1, x.shape[-1])
        out[(slice(None), *o)] = flat.mean(1) if how == "Average" else flat.max(1)
    return np.moveaxis(out, -1, 1) if channels_first else out


def _cases():
    for rank, sizes in SIZES.items():
        for (n, m), how, fmt in itertools.product(sizes, ("Average", "Max"),
                                                  ("channels_last", "channels_first")):
            yield rank, n, m, how, fmt


def _input_shape(rank, n, channels_first, batch=2, channels=3):
    spatial = (n,) * rank if isinstance(n, int) else n
    return (batch, channels, *spatial) if channels_first else (batch, *spatial, channels)


def _layer(rank, how, m, fmt, dtype):
    return getattr(layers, f"Adaptive{how}Pooling{rank}D")(m, data_format=fmt, dtype=dtype)


@pytest.mark.parametrize("rank,n,m,how,fmt", list(_cases()), ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_loop_reference(rank, n, m, how, fmt, dtype):
    first = fmt == "channels_first"
    x = random_input(_input_shape(rank, n, first), dtype, seed=rank)
    layer = _layer(rank, how, m, fmt, dtype)
    out = layer(x)
    assert_close(out, reference(x, m, how, first), dtype, f"{layer.name} {n}->{m} {fmt}")
    assert out.shape == layer.compute_output_shape(x.shape)


@pytest.mark.parametrize("rank,n,m,how,fmt", list(_cases())[::3], ids=str)
def test_gradients_match_finite_differences(rank, n, m, how, fmt):
    x = random_input(_input_shape(rank, n, fmt == "channels_first", batch=1, channels=2),
                     seed=5)
    layer = _layer(rank, how, m, fmt, "float64")
    assert_gradients_close(layer_gradients(layer, x), f"{layer.name} {n}->{m} {fmt}")


def test_tied_maxima_send_the_gradient_to_the_first_along_the_last_axis_first():
    """Axes are reduced in turn (rows, then columns, as Keras's TF backend), so a bin's
    gradient goes to the first column holding its maximum, and in it the first row: the
    first maximum in column-major order. Overlapping bins add up."""
    x = np.zeros((1, 5, 5, 1))
    x[0, 1, 2, 0] = x[0, 3, 1, 0] = x[0, 2, 3, 0] = 1.0
    with kerasmini.GradientTape() as tape:
        y = layers.AdaptiveMaxPooling2D((1, 1), dtype="float64")(tape.watch(x))
    expected = np.zeros_like(x)
    expected[0, 3, 1, 0] = 1.0  # column 1 comes before columns 2 and 3
    np.testing.assert_array_equal(tape.gradient(y, x), expected)
    # all equal: each bin of 5 -> 3 ([0, 2), [1, 4), [3, 5)) picks its first position
    ones = np.ones((1, 5, 1))
    with kerasmini.GradientTape() as tape:
        y = layers.AdaptiveMaxPooling1D(3, dtype="float64")(tape.watch(ones))
    np.testing.assert_array_equal(tape.gradient(y, ones)[0, :, 0], [1, 1, 0, 1, 0])


def test_float16_is_averaged_in_float32():
    x = random_input((2, 9, 8, 3), "float16", seed=3)
    out = layers.AdaptiveAveragePooling2D((4, 3), dtype="float16")(x)
    assert_close(out, reference(x, (4, 3), "Average", False), "float16", "float16")


# ----- arguments, configs, errors ---------------------------------------------------------
@pytest.mark.parametrize("layer", [
    layers.AdaptiveAveragePooling1D(4), layers.AdaptiveMaxPooling2D([3, 5]),
    layers.AdaptiveAveragePooling3D((1, 2, 3), data_format="channels_first"),
    layers.AdaptiveMaxPooling3D(2)], ids=lambda layer: type(layer).__name__)
def test_config_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config
    assert config["output_size"] == layer.output_size and len(layer.output_size) == \
        layer.rank


@pytest.mark.parametrize("make,error,match", [
    (lambda: layers.AdaptiveAveragePooling2D(2.5), TypeError, "output_size.*2.5"),
    (lambda: layers.AdaptiveMaxPooling2D((2,)), TypeError, r"output_size.*\(2,\)"),
    (lambda: layers.AdaptiveMaxPooling1D("3"), TypeError, "output_size.*3"),
    (lambda: layers.AdaptiveMaxPooling3D(None), TypeError, "output_size.*None"),
    (lambda: layers.AdaptiveAveragePooling2D(0), ValueError, r"output_size=\(0, 0\)"),
    (lambda: layers.AdaptiveAveragePooling2D((2, -1)), ValueError, r"output_size=\(2, -1\)"),
    (lambda: layers.AdaptiveAveragePooling2D((2, 2.0)), ValueError, "output_size"),
    (lambda: layers.AdaptiveMaxPooling1D(True), TypeError, "output_size.*True"),
    (lambda: layers.AdaptiveMaxPooling2D(2, data_format="nchw"), ValueError, "data_format"),
])
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_wrong_rank_is_an_error_not_a_1d_pooling():
    layer = layers.AdaptiveAveragePooling2D(2)
    with pytest.raises(ValueError, match="ndim=4|rank 4"):
        layer(np.zeros((2, 3, 4), "float32"))
    assert not layer.built
    with pytest.raises(ValueError, match="output_size"):
        kerasmini.ops.adaptive_max_pool(np.zeros((2, 3, 4)), (2, 2))
