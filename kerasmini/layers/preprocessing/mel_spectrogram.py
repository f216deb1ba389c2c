"""MelSpectrogram: a signal's power spectrum on the mel scale, in decibels.

(batch, time) or (time,) -> (batch, num_mel_bins, frames): the stft of the signal
(centred, keras.ops.stft), its magnitude to the power mag_exp, weighted by triangular
mel filters (HTK's mel(f) = 1127 ln(1 + f / 700), peaks of 1), then, with
power_to_db, 10 log10 of it relative to ref_power, floored at min_power and at top_db
below the largest value of the whole batch (Keras's). No weights.
"""
import numpy as np

from kerasmini.layers.layer import Layer
from kerasmini.ops.spectral import extract_sequences, stft


class MelSpectrogram(Layer):
    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None,
                 window="hann", sampling_rate=16000, num_mel_bins=128, min_freq=20.0,
                 max_freq=None, power_to_db=True, top_db=80.0, mag_exp=2.0,
                 min_power=1e-10, ref_power=1.0, **kwargs):
        sequence_length = sequence_length or fft_length
        if fft_length < sequence_length:
            raise ValueError("`fft_length` must be greater than or equal to  "
                             f" `sequence_length`. Received: `sequence_length`="
                             f"{sequence_length}, `fft_length`={fft_length}.")
        self.fft_length, self.sequence_stride = fft_length, sequence_stride
        self.sequence_length, self.window = sequence_length, window
        self.sampling_rate, self.num_mel_bins = sampling_rate, num_mel_bins
        self.min_freq, self.max_freq = min_freq, max_freq or int(sampling_rate / 2)
        self.power_to_db, self.top_db, self.mag_exp = power_to_db, top_db, mag_exp
        self.min_power, self.ref_power = min_power, ref_power
        super().__init__(**kwargs)

    def call(self, inputs):
        dtype = self.compute_dtype if self.compute_dtype in ("float32", "float64") \
            else "float32"  # stft computes in float32 or float64
        real, imag = stft(inputs.astype(dtype), self.sequence_length, self.sequence_stride,
                          self.fft_length, self.window, center=True)
        spectrum = np.power(np.sqrt(np.square(real) + np.square(imag)), self.mag_exp)
        mel = spectrum @ self._filters(spectrum.shape[-1], dtype)  # BLAS, recorded
        if self.power_to_db:
            mel = self._decibels(mel)
        return np.swapaxes(mel, -1, -2).astype(self.compute_dtype)

    def _filters(self, bins, dtype):
        """mel_weights in `dtype`, made once per layer (they depend on its arguments
        and the stft's bins only)."""
        if getattr(self, "_filter_cache", (None,))[0] != (bins, dtype):
            self._filter_cache = ((bins, dtype), self.mel_weights(bins).astype(dtype))
        return self._filter_cache[1]

    def mel_weights(self, bins):
        """(bins, num_mel_bins) triangular filters over the stft's bins, in float32 as
        Keras's linear_to_mel_weight_matrix (the zero-frequency bin gets none)."""
        frequencies = np.linspace(0, self.sampling_rate / 2, bins, dtype="float32")[1:]
        bin_mels = _mel(frequencies)[:, None]
        edges = extract_sequences(np.linspace(
            _mel(np.float32(self.min_freq)), _mel(np.float32(self.max_freq)),
            self.num_mel_bins + 2, dtype="float32"), 3, 1)
        lower, center, upper = (edges[:, i][None, :] for i in range(3))
        rising = (bin_mels - lower) / (center - lower)
        falling = (upper - bin_mels) / (upper - center)
        weights = np.maximum(np.float32(0), np.minimum(rising, falling))
        return np.pad(weights, [(1, 0), (0, 0)])

    def _decibels(self, power):
        log_power = 10.0 * np.log10(np.maximum(power, self.min_power))
        reference = np.abs(np.asarray(self.ref_power, power.dtype))
        log_power = log_power - 10.0 * np.log10(np.maximum(reference, self.min_power))
        floor = np.max(log_power) - self.top_db  # of the whole batch, as Keras
        return np.maximum(log_power, floor).astype(power.dtype)

    def compute_output_shape(self, input_shape):
        """(batch,) num_mel_bins, frames: 1 + (time + 2 (fft_length // 2) -
        fft_length) // sequence_stride frames, as stft makes them (Keras's own
        formula, (time + stride + 1) // stride, is one too many for some lengths)."""
        *batch, length = input_shape
        frames = None if length is None else 1 + (
            length + 2 * (self.fft_length // 2) - self.fft_length) // self.sequence_stride
        return tuple(batch) + (self.num_mel_bins, frames)

    def get_config(self):
        return {**super().get_config(), "fft_length": self.fft_length,
                "sequence_stride": self.sequence_stride,
                "sequence_length": self.sequence_length, "window": self.window,
                "sampling_rate": self.sampling_rate, "num_mel_bins": self.num_mel_bins,
                "min_freq": self.min_freq, "max_freq": self.max_freq,
                "power_to_db": self.power_to_db, "top_db": self.top_db,
                "mag_exp": self.mag_exp, "min_power": self.min_power,
                "ref_power": self.ref_power}


def _mel(hertz):
    """HTK's mel scale: 1127 ln(1 + f / 700)."""
    return np.float32(1127.0) * np.log(1.0 + hertz / np.float32(700.0))
