"""Shape arithmetic shared by every sliding-window op and layer.

This is the one place that knows how 'valid' and 'same' turn an input length into an
output length, and how 'same' splits its padding (TensorFlow's rule: the odd pixel goes
after, i.e. bottom/right).
"""
import numpy as np

PADDINGS = ("valid", "same")
DATA_FORMATS = ("channels_last", "channels_first")


def effective_kernel_size(kernel_size, dilation=1):
    """A kernel of k taps spread `dilation` apart covers (k - 1) * dilation + 1 pixels."""
    return (kernel_size - 1) * dilation + 1


def output_length(length, kernel_size, stride, padding, dilation=1):
    """Number of window positions along one axis (None stays None).

    'valid': windows must fit inside the input: floor((L - k_eff) / s) + 1.
    'same':  one window per stride step started inside the input: ceil(L / s).
    The result may be <= 0 for 'valid'; callers decide whether that is an error.
    """
    if length is None:
        return None
    if padding == "same":
        return -(-length // stride)
    span = length - effective_kernel_size(kernel_size, dilation)
    return span // stride + 1 if span >= 0 else 0


def same_padding(length, kernel_size, stride, dilation=1):
    """(before, after) zero padding that 'same' adds along one axis.

    Enough padding that the last window ends at the padded edge; the odd pixel of an
    odd total goes after (bottom/right), as TensorFlow does.
    """
    out = -(-length // stride)
    total = max((out - 1) * stride + effective_kernel_size(kernel_size, dilation) - length, 0)
    return total // 2, total - total // 2


def spatial_padding(spatial_shape, kernel_size, strides, padding, dilation_rate):
    """Per-axis (before, after) pairs for a padding mode; all zeros for 'valid'."""
    if padding == "valid":
        return [(0, 0)] * len(spatial_shape)
    return [same_padding(n, k, s, d)
            for n, k, s, d in zip(spatial_shape, kernel_size, strides, dilation_rate)]


def pair(value):
    """(value, value) for one int, else the two ints given: a 2D size, stride or rate."""
    if np.ndim(value) == 0:
        return (int(value), int(value))
    return tuple(int(v) for v in value)


def check_output_size(output_sizes, input_shape, arguments, why=""):
    """Keras's ValueError when a window does not fit the input (an output size <= 0).

    `arguments` are the window's {name: value}, listed in the message after the input
    shape; `why` ends the message with what was too large.
    """
    if any(n is not None and n <= 0 for n in output_sizes):
        received = ", ".join(f"`{name}={value}`" for name, value in arguments.items())
        raise ValueError("Computed output size would be zero or negative. Received "
                         f"`inputs shape={input_shape}`, {received}{why}.")


def conv_transpose_length(length, kernel_size, stride, padding, output_padding=None,
                          dilation=1):
    """Output length of a transposed convolution (Keras's rule; None stays None).

    Without output_padding: 'valid' gives (L - 1) * s + max(k_eff, s), 'same' L * s.
    With it: 'valid' (L - 1) * s + k_eff + output_padding,
             'same'  (L - 1) * s + (k_eff % 2) + output_padding.
    """
    if length is None:
        return None
    k_eff = effective_kernel_size(kernel_size, dilation)
    if padding == "valid":
        extra = max(k_eff, stride) - k_eff if output_padding is None else output_padding
        return (length - 1) * stride + k_eff + extra
    if output_padding is None:
        return length * stride
    return (length - 1) * stride + k_eff % 2 + output_padding


def conv_transpose_crop(length, out_length, kernel_size, stride, padding, dilation=1):
    """Pixels of the full transposed output cut before the first kept one.

    The transposed convolution is the adjoint of the convolution that maps `out_length`
    back to `length`: with 'same' that convolution pads (L - 1) * s + k_eff - out_length
    pixels, the smaller half before, so the adjoint drops that many at the start.
    """
    if padding == "valid":
        return 0
    total = max((length - 1) * stride + effective_kernel_size(kernel_size, dilation)
                - out_length, 0)
    return total // 2
