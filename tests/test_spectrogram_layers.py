"""STFTSpectrogram and MelSpectrogram against float64 NumPy references, NumPy only:
the spectrogram frame by frame through np.fft.rfft (tests/spectrogram_reference.py),
the mel filters by their definition, gradients by finite differences."""
import unittest

import numpy as np
from parameterized import parameterized

from kerasmini import GradientTape, initializers, layers
from tests.gradcheck import numeric_gradient
from tests.spectrogram_reference import stft_spectrogram, window_values

CONFIGS = [
    ("log_default", dict()),
    ("stft_same", dict(mode="stft", frame_length=20, frame_step=7, padding="same")),
    ("psd_hamming_periodic", dict(mode="psd", frame_length=16, expand_dims=True,
                                  window="hamming", periodic=True, scaling="spectrum")),
    ("angle_no_window", dict(mode="angle", frame_length=10, fft_length=16, window=None)),
    ("magnitude_channels_first", dict(mode="magnitude", frame_length=12,
                                      data_format="channels_first")),
    ("real_expand_channels_first", dict(mode="real", frame_length=12, expand_dims=True,
                                        data_format="channels_first")),
    ("imag_blackman_unscaled", dict(mode="imag", frame_length=12, window="blackman",
                                    scaling=None)),
]


class STFTSpectrogramTest(unittest.TestCase):
    @parameterized.expand(CONFIGS)
    def test_against_frame_by_frame_fft(self, _, config):
        x = np.random.default_rng(0).standard_normal((2, 300, 3))
        if config.get("data_format") == "channels_first":
            x = np.swapaxes(x, 1, 2).copy()
        layer = layers.STFTSpectrogram(**config, dtype="float64")
        got, expected = layer(x), stft_spectrogram(x, **config)
        self.assertEqual(got.shape, expected.shape)
        self.assertEqual(tuple(layer.compute_output_shape(x.shape)), expected.shape)
        if config.get("mode") == "angle":  # -pi and pi are one angle (at 0 imag parts)
            got = expected + np.angle(np.exp(1j * (got - expected)))
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)

    def test_build_makes_the_kernels_once(self):
        layer = layers.STFTSpectrogram(frame_length=8, mode="stft")
        layer.build((1, 40, 1))
        layer.set_weights([np.ones((8, 1, 5), "float32")] * 2)
        out = layer(np.ones((1, 40, 1), "float32"))
        self.assertEqual(len(layer.weights), 2)
        np.testing.assert_allclose(out, np.full(out.shape, 8.0))

    def test_gradient(self):
        x = np.random.default_rng(1).standard_normal((1, 40, 2))
        layer = layers.STFTSpectrogram(mode="log", frame_length=8, dtype="float64")
        weights = np.random.default_rng(2).standard_normal(layer(x).shape)
        with GradientTape() as tape:
            tape.watch(x)
            total = np.sum(layer(x) * weights)
        grad = tape.gradient(total, x)
        expected = numeric_gradient(lambda: float(np.sum(layer(x) * weights)), x)
        np.testing.assert_allclose(grad, expected, atol=1e-6 * np.abs(expected).max())

    def test_initializer_kernel_is_the_windowed_dft(self):
        kernel = initializers.STFT("imag", "hann", "spectrum", True)((8, 1, 5), "float64")
        w = window_values("hann", 8, True)
        t, k = np.arange(8)[:, None], np.arange(5)[None, :]
        np.testing.assert_allclose(kernel[:, 0], np.sin(-2 * np.pi * t * k / 8) * w[:, None]
                                   / w.sum(), atol=1e-15)
        self.assertEqual(initializers.get("STFTInitializer").get_config()["side"], "real")

    def test_bad_arguments(self):
        for kwargs, pattern in [({"mode": "power"}, "mode=power"),
                                ({"frame_step": 0}, "frame_step=0"),
                                ({"fft_length": 8}, "fft_length=8"),
                                ({"padding": "causal"}, "padding=causal"),
                                ({"window": "tukey"}, "window='tukey'")]:
            with self.assertRaisesRegex(ValueError, pattern):
                layers.STFTSpectrogram(**kwargs)


class MelSpectrogramTest(unittest.TestCase):
    def test_filters_are_triangles_on_the_mel_scale(self):
        layer = layers.MelSpectrogram(fft_length=64, num_mel_bins=6, sampling_rate=8000,
                                      min_freq=100.0, max_freq=3000.0)
        weights = layer.mel_weights(33).astype("float64")
        mel = lambda f: 1127 * np.log(1 + f / 700)
        edges = np.linspace(mel(100.0), mel(3000.0), 8)
        bins = mel(np.linspace(0, 4000, 33))
        for j in range(6):
            rising = (bins - edges[j]) / (edges[j + 1] - edges[j])
            falling = (edges[j + 2] - bins) / (edges[j + 2] - edges[j + 1])
            expected = np.maximum(0, np.minimum(rising, falling))
            expected[0] = 0  # the zero-frequency bin gets no weight
            np.testing.assert_allclose(weights[:, j], expected, atol=1e-5)

    def test_decibels_of_the_filtered_power(self):
        x = np.random.default_rng(3).standard_normal((2, 700))
        layer = layers.MelSpectrogram(fft_length=64, sequence_stride=32, num_mel_bins=8,
                                      top_db=30.0, dtype="float64")
        padded = np.pad(x, [(0, 0), (32, 32)], mode="reflect")
        frames = np.stack([padded[:, s:s + 64] for s in range(0, padded.shape[1] - 63, 32)],
                          1)
        power = np.abs(np.fft.rfft(frames * np.hanning(65)[:64], axis=-1)) ** 2
        db = 10 * np.log10(np.maximum(power @ layer.mel_weights(33), 1e-10))
        expected = np.swapaxes(np.maximum(db, db.max() - 30.0), 1, 2)
        got = layer(x)
        self.assertEqual(tuple(layer.compute_output_shape(x.shape)), expected.shape)
        np.testing.assert_allclose(got, expected, atol=1e-9)


if __name__ == "__main__":
    unittest.main()
