"""2D convolution (cross-correlation, as Keras) by im2col + one matmul per chunk."""
import numpy as np

from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import output_length
from kerasmini.ops.windows import pad_for_windows, window_view

# Upper bound on one patch matrix (the im2col workspace), whatever the batch size.
WORKSPACE_BYTES = 16 * 2**20


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """keras.ops.conv for 2D: inputs (N, H, W, C) or (N, C, H, W), kernel (KH, KW, C/g, F).

    The number of groups g is C // kernel.shape[2]. No bias, no activation.
    """
    data_format = standardize_data_format(data_format)
    strides, dilation_rate = _pair(strides), _pair(dilation_rate)
    x = to_channels_last(np.asarray(inputs), data_format)
    kernel_size = kernel.shape[:2]
    x = pad_for_windows(x, kernel_size, strides, padding.lower(), dilation_rate)
    out_hw = [output_length(n, k, s, "valid", d)
              for n, k, s, d in zip(x.shape[1:3], kernel_size, strides, dilation_rate)]
    if min(out_hw) <= 0:
        raise ValueError(
            "Computed output size would be zero or negative. Received "
            f"`inputs shape={np.shape(inputs)}`, `kernel shape={kernel.shape}`, "
            f"`dilation_rate={dilation_rate}`, `strides={strides}`, `padding={padding}`.")
    windows = window_view(x, kernel_size, strides, dilation_rate, out_hw)
    out = np.empty((x.shape[0], *out_hw, kernel.shape[3]), dtype=np.result_type(x, kernel))
    _grouped_matmul(windows, kernel, out)
    return from_channels_last(out, data_format)


def _grouped_matmul(windows, kernel, out):
    """out[..., group g] = patches of input group g @ kernel of group g, chunk by chunk."""
    kh, kw, c_per_group, filters = kernel.shape
    groups = windows.shape[-1] // c_per_group
    f_per_group = filters // groups
    for g in range(groups):
        k_matrix = kernel[..., g * f_per_group:(g + 1) * f_per_group].reshape(-1, f_per_group)
        group_windows = windows[..., g * c_per_group:(g + 1) * c_per_group]
        group_out = out[..., g * f_per_group:(g + 1) * f_per_group]
        for n, rows in _chunks(windows.shape, windows.itemsize):
            patches = group_windows[n, rows].reshape(-1, k_matrix.shape[0])
            group_out[n, rows] = (patches @ k_matrix).reshape(group_out[n, rows].shape)


def _chunks(window_shape, itemsize):
    """(batch slice, row slice) blocks whose patch matrix fits in WORKSPACE_BYTES.

    Whole images per block when an image fits; otherwise a band of output rows of one
    image at a time.
    """
    batch, out_h = window_shape[:2]
    row_bytes = itemsize * int(np.prod(window_shape[2:]))
    rows_per_block = max(1, WORKSPACE_BYTES // max(row_bytes, 1))
    if rows_per_block >= out_h:
        images = rows_per_block // max(out_h, 1)
        for n0 in range(0, batch, images):
            yield slice(n0, n0 + images), slice(None)
        return
    for n in range(batch):
        for r0 in range(0, out_h, rows_per_block):
            yield slice(n, n + 1), slice(r0, r0 + rows_per_block)


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)
