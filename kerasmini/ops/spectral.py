"""keras.ops.math's Fourier transforms and short-time spectra: fft, fft2, ifft2, rfft,
irfft, stft, istft, extract_sequences, view_as_complex, view_as_real.

A complex tensor is a pair (real, imag) of float tensors, as Keras passes it. The
transforms are NumPy's FFTs; each records one gradient rule per real output, from
the transform's adjoint (a DFT F of length n has F^H = n * inverse DFT):

    y = fft(z):      dz = n ifft(g)            (g = g_real + i g_imag)
    y = ifft(z):     dz = fft(g) / n
    y = rfft(x):     dx = Re(n ifft(g padded with the missing bins as zeros))
    x = irfft(y, n): dy = w rfft(g) / n,  w = 2 for the bins that stand for two
                     (1 for the constant bin and, n even, the last)

stft frames the (reflect-padded) signal by indexing, windows and rfft's the frames;
istft irfft's, windows and overlap-adds them, dividing by the summed squared window
as TensorFlow's inverse_stft_window_fn: both differentiate through those pieces.
"""
import numpy as np

from kerasmini.autodiff import record
from kerasmini.autodiff.traced import plain
from kerasmini.ops import arrays
from kerasmini.ops.arguments import tensor
from kerasmini.ops.symbolic import MATH, keras_operation


def _complex_pair(x, name="x"):
    """(real, imag) as float tensors of one shape and dtype."""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError("Input `x` should be a tuple of two tensors - real and "
                         f"imaginary. Received: {name}={x}")
    real, imag = tensor(x[0]), tensor(x[1])
    if real.shape != imag.shape:
        raise ValueError("Input `x` should be a tuple of two tensors - real and "
                         "imaginary. Both the real and imaginary parts should have the "
                         f"same shape. Received: x[0].shape = {real.shape}, "
                         f"x[1].shape = {imag.shape}")
    if real.dtype.kind != "f" or imag.dtype.kind != "f":
        raise ValueError(f"At least one tensor in input `x` is not of type float. "
                         f"Received: x={x}.")
    return real, imag


def _recorded_pair(result, inputs, adjoint, name):
    """(real, imag) of a complex `result`, each recorded with the adjoint applied to
    its gradient alone (the rules are linear, so the two add up exactly)."""
    dtype = np.asarray(inputs[0]).dtype
    real, imag = result.real.astype(dtype), result.imag.astype(dtype)
    rule = lambda g: _parts(adjoint(g), dtype, len(inputs))
    return (record(real, inputs, lambda g: rule(g.astype(complex)), name),
            record(imag, inputs, lambda g: rule(1j * g), name))


def _parts(grad, dtype, count):
    parts = (grad.real.astype(dtype), grad.imag.astype(dtype))
    return parts[:count] if count == 2 else (parts[0],)


def _transform(x, axes, inverse, name):
    real, imag = _complex_pair(x)
    size = int(np.prod([real.shape[a] for a in axes]))
    z = plain(real) + 1j * plain(imag)
    if inverse:
        return _recorded_pair(np.fft.ifftn(z, axes=axes), (real, imag),
                              lambda g: np.fft.fftn(g, axes=axes) / size, name)
    return _recorded_pair(np.fft.fftn(z, axes=axes), (real, imag),
                          lambda g: np.fft.ifftn(g, axes=axes) * size, name)


@keras_operation("FFT", module=MATH)
def fft(x):
    """The DFT along the last axis of the complex x = (real, imag)."""
    return _transform(x, (-1,), False, "fft")


@keras_operation("FFT2", module=MATH)
def fft2(x):
    """The 2-D DFT over the last two axes."""
    return _transform(x, (-2, -1), False, "fft2")


@keras_operation("IFFT2", module=MATH)
def ifft2(x):
    """The inverse 2-D DFT over the last two axes."""
    return _transform(x, (-2, -1), True, "ifft2")


def _fit_length(x, length):
    """x cropped or zero-padded on the right to `length` along its last axis."""
    size = x.shape[-1]
    if size > length:
        return x[..., :length]
    if size < length:
        return np.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, length - size)])
    return x


@keras_operation("RFFT", config=("fft_length",), module=MATH)
def rfft(x, fft_length=None):
    """The DFT of the real x along its last axis (cropped or zero-padded to
    fft_length), bins 0 .. fft_length // 2."""
    x = tensor(x)
    if x.dtype.kind != "f":
        raise TypeError(f"`rfft` takes a float tensor. Received: x.dtype={x.dtype}")
    length = x.shape[-1] if fft_length is None else int(fft_length)
    x = _fit_length(x, length)
    spectrum = np.fft.rfft(plain(x), axis=-1)

    def adjoint(g):
        full = np.zeros(g.shape[:-1] + (length,), complex)
        full[..., :g.shape[-1]] = g
        return np.fft.ifft(full, axis=-1).real * length
    return _recorded_pair(spectrum, (x,), adjoint, "rfft")


@keras_operation("IRFFT", config=("fft_length",), module=MATH)
def irfft(x, fft_length=None):
    """The real signal of length fft_length (default 2 (bins - 1)) whose rfft is
    x = (real, imag); bins beyond fft_length // 2 are ignored, missing ones zero."""
    real, imag = _complex_pair(x)
    bins = real.shape[-1]
    length = 2 * (bins - 1) if fft_length is None else int(fft_length)
    signal = np.fft.irfft(plain(real) + 1j * plain(imag), n=length, axis=-1)
    signal = signal.astype(real.dtype)
    weight = np.full(length // 2 + 1, 2.0)
    weight[0] = 1.0
    if length % 2 == 0:
        weight[-1] = 1.0

    def rule(g):
        grad = np.fft.rfft(g, axis=-1) * weight / length
        grad = _fit_length(grad, bins)
        return grad.real.astype(real.dtype), grad.imag.astype(real.dtype)
    return record(signal, (real, imag), rule, "irfft")


@keras_operation("ExtractSequences", config=("sequence_length", "sequence_stride"),
                 module=MATH)
def extract_sequences(x, sequence_length, sequence_stride):
    """The windows x[..., s * stride : s * stride + length] of the last axis, stacked:
    (..., frames, sequence_length), frames = 1 + (size - length) // stride."""
    x = tensor(x)
    frames = 1 + (x.shape[-1] - sequence_length) // sequence_stride
    if frames <= 0:
        return np.zeros(x.shape[:-1] + (0, sequence_length), x.dtype)
    starts = np.arange(frames) * sequence_stride
    return x[..., starts[:, None] + np.arange(sequence_length)]


def _overlap_add(frames, stride):
    """The frames (..., count, length) summed into one signal, frame f starting at
    f * stride: the adjoint of extract_sequences (its gradient reads the frames back)."""
    count, length = frames.shape[-2:]
    positions = np.arange(count)[:, None] * stride + np.arange(length)
    size = (count - 1) * stride + length
    signal = np.zeros(frames.shape[:-2] + (size,), frames.dtype)
    np.add.at(np.moveaxis(signal, -1, 0), positions.reshape(-1),
              np.moveaxis(plain(frames).reshape(frames.shape[:-2] + (-1,)), -1, 0))
    return record(signal, (frames,), lambda g: (g[..., positions],), "overlap_add")


def _window(window, sequence_length, fft_length, dtype):
    """The analysis window, centred in fft_length with zeros (None: no window)."""
    if window is None:
        return None
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError('If a string is passed to `window`, it must be one of '
                             f'`"hann"`, `"hamming"`. Received: window={window}')
        a = 0.5 if window == "hann" else 0.54  # periodic, as TensorFlow's windows
        phase = 2 * np.pi * np.arange(sequence_length) / sequence_length
        values = (a - (1 - a) * np.cos(phase)).astype(dtype)
    else:
        values = np.asarray(tensor(window), dtype)
    if values.ndim != 1 or values.shape[-1] != sequence_length:
        raise ValueError("The shape of `window` must be equal to [sequence_length]."
                         f"Received: window shape={values.shape}")
    left = (fft_length - sequence_length) // 2
    return np.pad(values, (left, fft_length - sequence_length - left))


@keras_operation("STFT", config=("sequence_length", "sequence_stride", "fft_length",
                                 "window", "center"), module=MATH)
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """The short-time Fourier transform of the last axis: (real, imag), each of shape
    (..., frames, fft_length // 2 + 1). center=True reflect-pads fft_length // 2 on
    both sides first."""
    x = tensor(x)
    if x.dtype.name not in ("float32", "float64"):
        raise TypeError("Invalid input type. Expected `float32` or `float64`. "
                        f"Received: input type={x.dtype}")
    if fft_length < sequence_length:
        raise ValueError("`fft_length` must equal or larger than `sequence_length`. "
                         f"Received: sequence_length={sequence_length}, "
                         f"fft_length={fft_length}")
    weights = _window(window, sequence_length, fft_length, x.dtype)
    if center:
        half = fft_length // 2
        x = arrays.pad(x, [(0, 0)] * (x.ndim - 1) + [(half, half)], mode="reflect")
    frames = extract_sequences(x, fft_length, sequence_stride)
    if weights is not None:
        frames = frames * weights
    return rfft(frames, fft_length)


@keras_operation("ISTFT", config=("sequence_length", "sequence_stride", "fft_length",
                                  "length", "window", "center"), module=MATH)
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """The signal whose stft is x = (real, imag): each frame's irfft, windowed and
    overlap-added, divided by the squared window summed over the frames that overlap
    (TensorFlow's inverse_stft_window_fn); `length` crops it, center=True drops the
    fft_length // 2 samples stft padded on each side."""
    real, _ = _complex_pair(x)
    weights = _window(window, sequence_length, fft_length, real.dtype)
    frames = irfft(x, fft_length)[..., :fft_length]
    if weights is not None:
        frames = frames * _synthesis_window(weights, sequence_stride)
    signal = _overlap_add(frames, sequence_stride)
    start = fft_length // 2 if center else 0
    if length is not None:
        return signal[..., start:start + length]
    return signal[..., start:signal.shape[-1] - start]


def _synthesis_window(weights, stride):
    """weights / sum over shifts by multiples of stride of weights^2 (TensorFlow's
    inverse_stft_window_fn)."""
    size = weights.shape[0]
    overlaps = -(-size // stride)
    squared = np.pad(np.square(weights), (0, overlaps * stride - size))
    denominator = np.tile(squared.reshape(overlaps, stride).sum(0), overlaps)[:size]
    return weights / denominator


@keras_operation("ViewAsComplex", module=MATH)
def view_as_complex(x):
    """A NumPy complex array from x's last axis of (real, imag) pairs (complex64 of
    float32, complex128 of float64). kerasmini's ops take complex tensors as pairs;
    this is for handing values to NumPy code."""
    x = np.asarray(tensor(x))
    if x.ndim == 0 or x.shape[-1] != 2:
        raise ValueError(f"Last dimension of input must be size 2 (real and imaginary). "
                         f"Received shape: {x.shape}")
    return (x[..., 0] + 1j * x[..., 1]).astype(
        "complex128" if x.dtype == np.float64 else "complex64")


@keras_operation("ViewAsReal", module=MATH)
def view_as_real(x):
    """The inverse of view_as_complex: a last axis of (real, imag)."""
    x = np.asarray(x)
    return np.stack([np.real(x), np.imag(x)], axis=-1)
