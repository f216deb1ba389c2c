"""Slow, obviously-correct float64 spectrograms from NumPy's FFT, for tests/ and
conformance/: each frame of each channel, windowed and scaled, through np.fft.rfft."""
import numpy as np

WINDOWS = {"hann": np.hanning, "hamming": np.hamming, "blackman": np.blackman,
           "bartlett": np.bartlett}


def window_values(window, length, periodic):
    if window is None:
        return np.ones(length)
    if not isinstance(window, str):
        return np.asarray(window, "float64")
    return WINDOWS[window](length + 1)[:length] if periodic else WINDOWS[window](length)


def stft_spectrogram(x, mode="log", frame_length=256, frame_step=None, fft_length=None,
                     window="hann", periodic=False, scaling="density", padding="valid",
                     expand_dims=False, data_format="channels_last"):
    """STFTSpectrogram's output, frame by frame (Python loops: a reference)."""
    x = np.asarray(x, "float64")
    step = frame_step or frame_length // 2
    fft = fft_length or 1 << (frame_length - 1).bit_length()
    w = window_values(window, frame_length, periodic)
    scale = {"density": np.sqrt(np.sum(w * w)), "spectrum": np.sum(np.abs(w)),
             None: 1.0}[scaling if window is not None else None]
    signals = np.swapaxes(x, 1, 2) if data_format == "channels_last" else x
    if padding == "same":
        total = max((-(-signals.shape[-1] // step) - 1) * step + frame_length
                    - signals.shape[-1], 0)
        signals = np.pad(signals, [(0, 0), (0, 0), (total // 2, total - total // 2)])
    count = 1 + (signals.shape[-1] - frame_length) // step
    spectra = np.zeros(signals.shape[:2] + (count, fft // 2 + 1), complex)
    for b in range(signals.shape[0]):
        for c in range(signals.shape[1]):
            for f in range(count):
                frame = signals[b, c, f * step:f * step + frame_length] * w / scale
                spectra[b, c, f] = np.fft.rfft(frame, fft)
    out = _mode(spectra, mode)  # (batch, channels, time, freq)
    batch, channels, time, freq = out.shape
    if data_format == "channels_last":
        return (np.transpose(out, (0, 2, 3, 1)) if expand_dims else
                np.transpose(out, (0, 2, 1, 3)).reshape(batch, time, channels * freq))
    return out if expand_dims else np.transpose(out, (0, 1, 3, 2)).reshape(
        batch, channels * freq, time)


def _mode(spectra, mode, epsilon=1e-7):
    real, imag = spectra.real, spectra.imag
    power = real ** 2 + imag ** 2
    if mode == "psd":
        power[..., 1:-1] *= 2
        return power
    magnitude = np.sqrt(np.maximum(power, epsilon))
    return {"real": real, "imag": imag, "angle": np.arctan2(imag, real),
            "stft": np.concatenate([real, imag], -1), "magnitude": magnitude,
            "log": np.log(np.maximum(magnitude, epsilon))}[mode]
