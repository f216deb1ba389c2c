"""Initializers that make the same array every time: Zeros, Ones, Constant, Identity."""
import numpy as np

from kerasmini.initializers.initializer import (Initializer, standardize_dtype,
                                                standardize_shape)
from kerasmini.object_configs import from_numpy_config, numpy_config, plain


class Constant(Initializer):
    """Every element equal to `value`: a scalar, or an array broadcast to the shape
    (keras.io's PointNet starts a Dense's bias at the identity matrix, flattened).

    Args:
        value: a Python scalar or an array-like.
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        dtype = standardize_dtype(dtype)
        return np.broadcast_to(np.asarray(self.value, dtype), standardize_shape(shape)).copy()

    def get_config(self):
        return {"value": numpy_config(self.value)}

    @classmethod
    def from_config(cls, config):
        return cls(**{**config, "value": from_numpy_config(config.get("value", 0.0))})


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return np.zeros(standardize_shape(shape), dtype=standardize_dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return np.ones(standardize_shape(shape), dtype=standardize_dtype(dtype))


class Identity(Initializer):
    """`gain` times the identity matrix (2D shapes only; non-square ones too).

    Args:
        gain: multiplicative factor applied to the identity matrix.

    Note: as in Keras 3, `get_config()` is empty, so `gain` is not saved.
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape)
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        dtype = standardize_dtype(dtype)
        return (self.gain * np.eye(*shape)).astype(dtype)


class STFT(Initializer):
    """Kernels of a Conv1D that computes a short-time Fourier transform: the real
    (cos) or imaginary (-sin) side of the DFT of frames of `T` samples, times a window,
    for F // 2 + 1 frequencies. Shape (T, 1, F // 2 + 1), F = 2 (bins - 1):

        kernel[t, 0, k] = cos or sin(-2 pi t k / F) * window[t] / scale

    Args:
        side: "real" or "imag".
        window: a window name ("hann", "hamming", "blackman", "bartlett", "boxcar"),
            an array of T values, or None (no window).
        scaling: "density" (scale = the window's L2 norm), "spectrum" (its L1 norm) or
            None (1).
        periodic: the named window periodic (for spectra) rather than symmetric.
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        from kerasmini.ops.window_functions import check_window_name
        if side not in ("real", "imag"):
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        check_window_name(window)
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError("Scaling is invalid, it must be `None`, 'density' or "
                             f"'spectrum'. Received scaling={scaling}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape, dtype=None):
        frame_length, _, bins = standardize_shape(shape)
        dtype = standardize_dtype(dtype)
        time = np.arange(frame_length, dtype=dtype).reshape(-1, 1, 1)
        frequency = np.arange(bins, dtype=dtype).reshape(1, 1, -1) / np.asarray(
            (bins - 1) * 2, dtype)
        angle = -2 * time * frequency * np.asarray(np.pi, dtype)
        kernel = (np.cos(angle) if self.side == "real" else np.sin(angle)).astype(dtype)
        window = self._window(frame_length, dtype)
        if window is None:
            return kernel
        scale = {"density": lambda: np.sqrt(np.sum(np.square(window))),
                 "spectrum": lambda: np.sum(np.abs(window)),
                 None: lambda: np.asarray(1, dtype)}[self.scaling]()
        return (kernel * window / scale).astype(dtype)

    def _window(self, frame_length, dtype):
        from kerasmini.ops.window_functions import named_window
        if self.window is None:
            return None
        if isinstance(self.window, str):
            window = named_window(self.window, frame_length, self.periodic)
        else:
            window = np.asarray(self.window)
        window = window.astype(dtype)
        if window.ndim != 1 or window.shape[-1] != frame_length:
            raise ValueError("The shape of `window` must be equal to [frame_length]."
                             f"Received: window shape={window.shape}")
        return window.reshape(frame_length, 1, 1)

    def get_config(self):
        return {"side": self.side, "window": plain(self.window), "periodic": self.periodic,
                "scaling": self.scaling}
