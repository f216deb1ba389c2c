"""ops.depthwise_conv / ops.separable_conv and the depthwise layers refuse a kernel whose
input-channel size is not the input's channel count (under its data_format), before
any work: a ValueError naming both sizes, as Keras's check_conv_input_channels."""
import itertools

import numpy as np
import pytest

from kerasmini import layers, ops

FORMATS = ("channels_last", "channels_first")
PADDINGS = ("valid", "same")


def _input(rank, channels, data_format):
    spatial = (6, 5)[:rank]
    shape = (2, *spatial, channels) if data_format == "channels_last" else \
        (2, channels, *spatial)
    return np.random.default_rng(0).standard_normal(shape).astype("float32")


@pytest.mark.parametrize("rank,data_format,padding",
                         list(itertools.product((1, 2), FORMATS, PADDINGS)))
def test_ops_refuse_a_kernel_of_other_channels(rank, data_format, padding):
    x = _input(rank, 3, data_format)
    wrong = np.ones((*(2,) * rank, 4, 2), "float32")  # 4 channels for a 3-channel input
    pointwise = np.ones((*(1,) * rank, 8, 5), "float32")
    kwargs = dict(padding=padding, data_format=data_format)
    with pytest.raises(ValueError, match="input channels=3, kernel input channels=4"):
        ops.depthwise_conv(x, wrong, **kwargs)
    with pytest.raises(ValueError, match="input channels=3, kernel input channels=4"):
        ops.separable_conv(x, wrong, pointwise, **kwargs)
    right = np.ones((*(2,) * rank, 3, 2), "float32")  # the same call with 3 channels runs
    channel_axis = -1 if data_format == "channels_last" else 1
    assert ops.depthwise_conv(x, right, **kwargs).shape[channel_axis] == 6
    assert ops.separable_conv(x, right, pointwise[..., :6, :], **kwargs).shape[
        channel_axis] == 5


@pytest.mark.parametrize("name,rank,data_format,padding",
                         [(n, r, f, p) for (n, r) in (("DepthwiseConv1D", 1),
                                                       ("DepthwiseConv2D", 2),
                                                       ("SeparableConv1D", 1),
                                                       ("SeparableConv2D", 2))
                          for f in FORMATS for p in PADDINGS])
def test_built_layers_refuse_other_channels(name, rank, data_format, padding):
    """A layer built for 3 channels, called on 4, raises and keeps its weights."""
    extra = {"filters": 2} if name.startswith("Separable") else {}
    layer = getattr(layers, name)(kernel_size=2, padding=padding, data_format=data_format,
                                  **extra)
    layer(_input(rank, 3, data_format))
    before = [np.array(w) for w in layer.get_weights()]
    with pytest.raises(ValueError):
        layer(_input(rank, 4, data_format))
    for b, a in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
