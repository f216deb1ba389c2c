"""The im2col patch matrix in both layouts (row-major, and column by column for few
channels) against the plain reshape of the window view, and the convolutions that use it
against the loop reference on each side of the layout's bounds."""
import numpy as np
import pytest

from kerasmini import ops
from kerasmini.ops import convolution_vjp, windows
from kerasmini.ops import differentiable_kernels as kernels
from kerasmini.ops.windows import pad_spatial, patch_matrix, window_view
from tests import reference
from tests.helpers import assert_close, random_input

# (channels, kernel, strides, dilation): column layout up to FEW_CHANNELS channels and
# FEW_COLUMNS columns (9x9 of one channel is 81 columns: row-major)
CASES = [(1, (3, 3), (1, 1), (1, 1)), (1, (3, 2), (2, 1), (1, 1)),
         (3, (3, 3), (1, 1), (2, 1)), (2, (5, 5), (2, 2), (1, 1)),
         (4, (3, 3), (1, 1), (1, 1)), (1, (9, 9), (1, 1), (1, 1))]


def kernel_gradient_reference(x, g, kernel, strides, padding, dilation):
    """dL/dK[a, b, c, f]: the input pixel offset (a, b) of each window, channel c, times
    g at that window, filter f, summed over windows: a loop over the offsets."""
    top, left = (reference.out_size_and_pad_before(n, k, s, d, padding)[1]
                 for n, k, s, d in zip(x.shape[1:3], kernel, strides, dilation))
    padded = np.zeros((x.shape[0], x.shape[1] + 2 * kernel[0] * dilation[0],
                       x.shape[2] + 2 * kernel[1] * dilation[1], x.shape[3]))
    padded[:, top:top + x.shape[1], left:left + x.shape[2]] = x
    dk = np.zeros((*kernel, x.shape[3], g.shape[3]))
    for a, b in np.ndindex(*kernel):
        rows = padded[:, a * dilation[0]::strides[0]][:, :g.shape[1]]
        seen = rows[:, :, b * dilation[1]::strides[1]][:, :, :g.shape[2]]
        dk[a, b] = np.einsum("nijc,nijf->cf", seen, g)
    return dk


def _column_layout(channels, kernel):
    return (channels <= windows.FEW_CHANNELS
            and kernel[0] * kernel[1] * channels <= windows.FEW_COLUMNS)


@pytest.mark.parametrize("channels,kernel,strides,dilation", CASES, ids=str)
def test_patch_matrix_is_the_window_views_reshape(channels, kernel, strides, dilation):
    x = random_input((3, 12, 11, channels), "float32")
    span = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    out_hw = [(n - s) // t + 1 for n, s, t in zip(x.shape[1:3], span, strides)]
    view = window_view(x, kernel, strides, dilation, out_hw)
    patches = patch_matrix(view)
    np.testing.assert_array_equal(patches, view.reshape(-1, view[0, 0, 0].size))
    assert patches.flags.f_contiguous == _column_layout(channels, kernel)


@pytest.mark.parametrize("channels,kernel,strides,dilation", CASES, ids=str)
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_and_its_kernel_gradient_through_either_layout(channels, kernel, strides,
                                                            dilation, padding, monkeypatch):
    layouts = []
    real = convolution_vjp.patch_matrix
    monkeypatch.setattr(convolution_vjp, "patch_matrix",
                        lambda view: layouts.append(real(view).flags.f_contiguous)
                        or real(view))
    x = random_input((2, 9, 10, channels), seed=1)
    k = random_input((*kernel, channels, 3), seed=2)
    out = kernels.conv.forward(x, k, strides, padding, None, dilation)
    assert_close(out, reference.conv2d(x, k, None, strides, padding, dilation, 1),
                 "float64", "forward")
    g = random_input(out.shape, seed=3)
    _, dk = convolution_vjp.conv_vjp(g, out, x, k, strides, padding, None, dilation,
                                     needed=(False, True))
    assert_close(dk, kernel_gradient_reference(x, g, kernel, strides, padding, dilation),
                 "float64", "kernel gradient")
    assert set(layouts) == {_column_layout(channels, kernel)}


def test_a_padded_band_of_one_channel(monkeypatch):
    # the layout reads any window view: here a padded band's, with a stride of two
    x = pad_spatial(random_input((2, 7, 7, 1), "float32"), [(1, 1), (1, 1)])
    view = window_view(x, (3, 3), (2, 2), (1, 1), (4, 4))
    np.testing.assert_array_equal(patch_matrix(view), view.reshape(-1, 9))
