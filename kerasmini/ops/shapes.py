"""Shape arithmetic shared by every sliding-window op and layer.

This is the one place that knows how 'valid' and 'same' turn an input length into an
output length, and how 'same' splits its padding (TensorFlow's rule: the odd pixel goes
after, i.e. bottom/right).
"""
import numbers

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


def pair(value, name="value", allow_zero=False):
    """(value, value) for one int, else the two ints given: a 2D size, stride or rate.
    Anything else (0, 2.5, '2', three numbers) is a ValueError naming the argument:
    the ops would otherwise divide by zero or silently round. allow_zero: 0 is fine too
    (an output_padding)."""
    if type(value) is tuple and len(value) == 2 and type(value[0]) is type(value[1]) is int \
            and min(value) >= (0 if allow_zero else 1):
        return value  # the common case, as layers store it: nothing to convert
    return int_tuple(value, 2, name, allow_zero)


def triple(value, name="value", allow_zero=False):
    """pair's rule for the three sizes of a 3D window (depth, rows, columns)."""
    return int_tuple(value, 3, name, allow_zero)


def int_tuple(value, n, name="value", allow_zero=False):
    """n ints from one int or n of them, each positive (or >= 0 with allow_zero)."""
    entries = (value,) * n if np.ndim(value) == 0 else tuple(np.ravel(value).tolist()) \
        if isinstance(value, np.ndarray) else tuple(value)
    least = 0 if allow_zero else 1
    if len(entries) != n or not all(isinstance(v, numbers.Integral) and
                                    not isinstance(v, bool) and v >= least for v in entries):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"The `{name}` argument must be a {kind} integer or a tuple of "
                         f"{n} {kind} integers. Received: {name}={value!r}")
    return tuple(int(v) for v in entries)


def padding_mode(padding):
    """'valid' or 'same', any case ('SAME' as TF writes it); else ValueError."""
    mode = padding.lower() if isinstance(padding, str) else padding
    if mode not in PADDINGS:
        raise ValueError("The `padding` argument must be one of {'valid', 'same'}. "
                         f"Received: padding={padding!r}")
    return mode


def check_strides_and_dilation(strides, dilation_rate):
    """Keras's rule: a window cannot both skip (stride > 1) and spread (dilation > 1)."""
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError("`strides > 1` not supported in conjunction with "
                         f"`dilation_rate > 1`. Received: strides={strides} and "
                         f"dilation_rate={dilation_rate}")


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
