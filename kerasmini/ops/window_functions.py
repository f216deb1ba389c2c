"""keras.ops's window functions (symmetric, as NumPy's): bartlett, blackman, hamming,
hanning in floatx, kaiser in float32 (TensorFlow's kaiser_window). Each takes the
window's length as x."""
import numpy as np

from kerasmini import config
from kerasmini.ops.arguments import tensor


def _length(x):
    return int(np.asarray(tensor(x)))


def _cosine_sum(length, coefficients):
    """sum_k (-1)^k a_k cos(2 pi k n / (length - 1)) for n in [0, length), in float64
    (1 for a window of one)."""
    if length == 1:
        return np.ones(1)
    phase = 2 * np.pi * np.arange(length) / max(length - 1, 1)
    window = sum((-1) ** k * a * np.cos(k * phase) for k, a in enumerate(coefficients))
    return np.asarray(window, "float64").reshape(length)


def _triangle(length):
    """0 at both ends, 1 in the middle, in float64."""
    if length <= 1:
        return np.ones(length)
    n = np.arange(length)
    ramp = 2 * n / (length - 1)
    return np.where(n <= (length - 1) / 2, ramp, 2 - ramp)


_BLACKMAN, _HAMMING, _HANN = (0.42, 0.5, 0.08), (0.54, 0.46), (0.5, 0.5)


def bartlett(x):
    """The triangular window, 0 at both ends and 1 in the middle."""
    return _triangle(_length(x)).astype(config.floatx())


def blackman(x):
    return _cosine_sum(_length(x), _BLACKMAN).astype(config.floatx())


def hamming(x):
    return _cosine_sum(_length(x), _HAMMING).astype(config.floatx())


def hanning(x):
    return _cosine_sum(_length(x), _HANN).astype(config.floatx())


def kaiser(x, beta):
    """I0(beta sqrt(1 - (2n / (x - 1) - 1)^2)) / I0(beta), in float32."""
    length = _length(x)
    if length == 1:
        return np.ones(1, "float32")
    ratio = 2 * np.arange(length) / (length - 1) - 1
    window = np.i0(beta * np.sqrt(np.clip(1 - ratio * ratio, 0, None))) / np.i0(beta)
    return window.astype("float32")


# scipy.signal.get_window's names for the windows above (Keras's STFT initializer asks
# scipy for them; kerasmini computes them itself, so other scipy windows are refused)
_NAMED = {"hann": lambda n: _cosine_sum(n, _HANN), "hanning": lambda n: _cosine_sum(n, _HANN),
          "hamming": lambda n: _cosine_sum(n, _HAMMING),
          "blackman": lambda n: _cosine_sum(n, _BLACKMAN), "bartlett": _triangle,
          "boxcar": np.ones, "rect": np.ones, "rectangular": np.ones, "ones": np.ones}


def check_window_name(window):
    """Raise ValueError naming `window` unless it is one of the windows kerasmini makes."""
    if isinstance(window, str) and window not in _NAMED:
        raise ValueError(f"Unknown window type. kerasmini makes the windows "
                         f"{sorted(_NAMED)}. Received: window={window!r}")


def named_window(window, length, periodic=False):
    """The window `window` of `length` samples in float64, symmetric, or periodic (the
    first `length` of a symmetric window one longer: scipy's fftbins=True)."""
    check_window_name(window)
    values = np.asarray(_NAMED[window](length + 1 if periodic else length), "float64")
    return values[:length]
