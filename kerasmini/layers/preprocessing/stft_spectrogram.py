"""STFTSpectrogram: the short-time Fourier transform of each channel of a signal, as a
convolution with fixed kernels (Keras's layer: two non-trainable weights, real_kernel
and imag_kernel, made by initializers.STFT).

Each channel's signal (batch, time) is cut into frames of frame_length samples,
frame_step apart ('same' padding pads as a Conv1D does), and each frame is multiplied
by both kernels (frame_length, bins): a matmul per frame, bins = fft_length // 2 + 1.
The mode then says what is returned: the real or imaginary part, both ('stft', real
bins then imaginary bins), the angle, the magnitude, its log, or the power spectral
density ('psd', the inner bins counted twice).
"""
import math
import warnings

import numpy as np

from kerasmini import config, initializers
from kerasmini.layers.arguments import standardize_data_format
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.ops.shapes import output_length, same_padding
from kerasmini.ops.spectral import extract_sequences
from kerasmini.ops.window_functions import check_window_name

MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


class STFTSpectrogram(Layer):
    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None,
                 window="hann", periodic=False, scaling="density", padding="valid",
                 expand_dims=False, data_format=None, **kwargs):
        _check_arguments(mode, frame_length, frame_step, fft_length, scaling, padding)
        check_window_name(window)
        super().__init__(**kwargs)
        self.mode, self.frame_length, self.frame_step = mode, frame_length, frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window, self.periodic, self.scaling = window, periodic, scaling
        self.padding, self.expand_dims = padding, expand_dims
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        for side in ("real", "imag"):
            if self.mode != {"real": "imag", "imag": "real"}.get(side):
                kernel = initializers.STFT(side, self.window, self.scaling, self.periodic)
                setattr(self, f"{side}_kernel", self.add_weight(
                    shape, kernel, f"{side}_kernel"))
        self.built = True

    def call(self, inputs):
        if inputs.dtype.name not in ("float16", "float32", "float64"):
            raise TypeError("Invalid input type. Expected `float16`, `float32` or "
                            f"`float64`. Received: input type={inputs.dtype}")
        frames = self._frames(inputs)  # (batch, channels, count, frame_length)
        real = imag = None
        if self.mode != "imag":
            real = self._transform(frames, self.real_kernel)
        if self.mode != "real":
            imag = self._transform(frames, self.imag_kernel)
        return self._arranged(_MODE_OUTPUTS[self.mode](real, imag))

    def _frames(self, inputs):
        signal = np.swapaxes(inputs, 1, 2) if self.data_format == "channels_last" else inputs
        if self.padding == "same":
            before, after = same_padding(signal.shape[-1], self.frame_length,
                                         self._frame_step)
            signal = np.pad(signal, [(0, 0), (0, 0), (before, after)])
        return extract_sequences(signal, self.frame_length, self._frame_step)

    def _transform(self, frames, kernel):
        kernel = kernel.value[:, 0, :].astype(frames.dtype)  # (frame_length, bins)
        return frames @ kernel

    def _arranged(self, outputs):
        """(batch, channels, time, freq) in Keras's output layout."""
        batch, channels, time, freq = outputs.shape
        if self.data_format == "channels_last":
            if self.expand_dims:
                return np.transpose(outputs, (0, 2, 3, 1))
            return np.reshape(np.transpose(outputs, (0, 2, 1, 3)), (batch, time, channels * freq))
        if self.expand_dims:
            return outputs
        return np.reshape(np.transpose(outputs, (0, 1, 3, 2)), (batch, channels * freq, time))

    def compute_output_shape(self, input_shape):
        last = self.data_format == "channels_last"
        channels, length = (input_shape[2], input_shape[1]) if last else input_shape[1:]
        freq = (self._fft_length // 2 + 1) * (2 if self.mode == "stft" else 1)
        time = None if length is None else output_length(
            length, self.frame_length, self._frame_step, self.padding)
        if self.expand_dims:
            return ((input_shape[0], time, freq, channels) if last
                    else (input_shape[0], channels, time, freq))
        merged = None if channels is None else freq * channels
        return (input_shape[0], time, merged) if last else (input_shape[0], merged, time)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode,
                "frame_length": self.frame_length, "frame_step": self.frame_step,
                "fft_length": self.fft_length, "window": self.window,
                "periodic": self.periodic, "scaling": self.scaling,
                "padding": self.padding, "data_format": self.data_format,
                "expand_dims": self.expand_dims}


def _power(real, imag):
    return np.square(real) + np.square(imag)


def _magnitude(real, imag):
    return np.sqrt(np.maximum(_power(real, imag), config.epsilon()))


def _psd(real, imag):
    """The power, each inner bin counted twice (for its mirror image)."""
    power = _power(real, imag)
    inner = np.pad(power[..., 1:-1], [(0, 0)] * (power.ndim - 1) + [(1, 1)])
    return power + inner


_MODE_OUTPUTS = {
    "real": lambda real, imag: real,
    "imag": lambda real, imag: imag,
    "angle": lambda real, imag: np.arctan2(imag, real),
    "stft": lambda real, imag: np.concatenate([real, imag], axis=-1),
    "psd": _psd,
    "magnitude": _magnitude,
    "log": lambda real, imag: np.log(np.maximum(_magnitude(real, imag), config.epsilon())),
}


def _check_arguments(mode, frame_length, frame_step, fft_length, scaling, padding):
    if frame_step is not None and (frame_step > frame_length or frame_step < 1):
        raise ValueError("`frame_step` should be a positive integer not greater than "
                         f"`frame_length`. Received frame_step={frame_step}, "
                         f"frame_length={frame_length}")
    if fft_length is not None and fft_length < frame_length:
        raise ValueError("`fft_length` should be not less than `frame_length`. "
                         f"Received fft_length={fft_length}, frame_length={frame_length}")
    if fft_length is not None and (fft_length & -fft_length) != fft_length:
        warnings.warn("`fft_length` is recommended to be a power of two. "
                      f"Received fft_length={fft_length}")
    if mode not in MODES:
        raise ValueError(f"Output mode is invalid, it must be one of {', '.join(MODES)}. "
                         f"Received: mode={mode}")
    if scaling is not None and scaling not in ("density", "spectrum"):
        raise ValueError("Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                         f"Received scaling={scaling}")
    if padding not in ("valid", "same"):
        raise ValueError("Padding is invalid, it should be 'valid', 'same'. "
                         f"Received: padding={padding}")
