"""STFTSpectrogram, MelSpectrogram and initializers.STFT: kerasmini against tf.keras,
with the float64 frame-by-frame FFT (tests/spectrogram_reference.py) deciding where
they disagree. Values in float32 and float64, weights, configs, output shapes,
gradients against tf.GradientTape, summaries and .keras files both ways."""
import os
import tempfile
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from conformance import harness
from conformance.gradients import GRAD_RTOL
from tests.spectrogram_reference import stft_spectrogram
from tests.test_spectrogram_layers import CONFIGS

tf, keras = harness.tf, harness.keras
TOLERANCE = {"float32": harness.RTOL["float32"], "float64": 1e-12}

MEL_CONFIGS = [
    ("default", dict(), (2, 3000)),
    ("hamming_short_frames", dict(fft_length=256, sequence_stride=100, sequence_length=200,
                                  num_mel_bins=40, window="hamming", sampling_rate=8000,
                                  min_freq=50, max_freq=3000), (2, 3000)),
    ("magnitude_unbatched", dict(fft_length=128, sequence_stride=64, power_to_db=False,
                                 mag_exp=1.0, num_mel_bins=16), (3000,)),
    ("top_db_ref_power", dict(fft_length=128, sequence_stride=64, top_db=20.0,
                              ref_power=3.0, num_mel_bins=16), (2, 1000)),
]


def _input(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _stft_input(config, dtype):
    x = _input((2, 300, 3), dtype)
    return np.swapaxes(x, 1, 2).copy() if config.get("data_format") == "channels_first" \
        else x


def _same_angles(got, expected):
    """got with each angle moved by whole turns to the one nearest expected (-pi and pi
    are one angle; the sign of an imaginary part rounded to zero picks either)."""
    return expected + np.angle(np.exp(1j * (got - expected)))


def _close(test, got, expected, dtype, what):
    scale = max(float(np.max(np.abs(expected))), 1.0)
    error = float(np.max(np.abs(np.asarray(got, "float64") - expected)))
    test.assertLessEqual(error, TOLERANCE[dtype] * scale,
                         f"{what} ({dtype}): max error {error:.3g}, scale {scale:.3g}")


class STFTSpectrogramTest(unittest.TestCase):
    @parameterized.expand([(f"{name}_{dtype}", config, dtype) for name, config in CONFIGS
                           for dtype in ("float32", "float64")])
    def test_values_weights_config(self, name, config, dtype):
        x = _stft_input(config, dtype)
        ours = kerasmini.layers.STFTSpectrogram(**config, dtype=dtype, name="s")
        theirs = keras.layers.STFTSpectrogram(**config, dtype=dtype, name="s")
        got, reference = ours(x), stft_spectrogram(x, **config)
        # TensorFlow's CPU convolution has no float64 channels_first kernel: there the
        # float64 reference alone is compared
        tf_runs = not (dtype == "float64" and config.get("data_format") == "channels_first")
        expected = np.asarray(theirs(x)) if tf_runs else reference.astype(dtype)
        if config.get("mode") == "angle":
            got, expected = _same_angles(got, reference), _same_angles(expected, reference)
        self.assertEqual((got.shape, got.dtype.name), (expected.shape, expected.dtype.name))
        self.assertEqual(tuple(ours.compute_output_shape(x.shape)),
                         tuple(theirs.compute_output_shape(x.shape)))
        _close(self, got, expected, dtype, name)
        if dtype == "float64":  # float32 rounding of log |X| is TF's and ours alike
            _close(self, got, reference, dtype, f"{name} vs float64 reference")
        for w, v in zip(ours.weights, theirs.weights):
            self.assertEqual((w.name, w.shape, w.trainable), (v.name, tuple(v.shape),
                                                                v.trainable))
            _close(self, np.asarray(w.value), np.asarray(v), dtype, f"{name} {w.name}")
        self.assertEqual(ours.get_config(), theirs.get_config())
        rebuilt = kerasmini.layers.STFTSpectrogram.from_config(theirs.get_config())
        self.assertEqual(rebuilt.get_config(), theirs.get_config())

    def test_gradient_against_tf(self):
        config = dict(mode="log", frame_length=16, frame_step=5, padding="same")
        x = _input((2, 80, 2), "float64")
        weights = _input((2, 16, 18), "float64", seed=1)
        ours = kerasmini.layers.STFTSpectrogram(**config, dtype="float64")
        with kerasmini.GradientTape() as tape:
            tape.watch(x)
            total = np.sum(ours(x) * weights)
        theirs = keras.layers.STFTSpectrogram(**config, dtype="float64")
        tensor = tf.constant(x)
        with tf.GradientTape() as tf_tape:
            tf_tape.watch(tensor)
            tf_total = tf.reduce_sum(theirs(tensor) * weights)
        _close(self, tape.gradient(total, x), np.asarray(tf_tape.gradient(tf_total, tensor)),
               "float64", "STFTSpectrogram gradient")


class MelSpectrogramTest(unittest.TestCase):
    @parameterized.expand(MEL_CONFIGS)
    def test_values_and_config(self, name, config, shape):
        x = _input(shape, "float32")
        ours, theirs = kerasmini.layers.MelSpectrogram(**config, name="m"), \
            keras.layers.MelSpectrogram(**config, name="m")
        got, expected = ours(x), np.asarray(theirs(x))
        self.assertEqual((got.shape, got.dtype.name), (expected.shape, expected.dtype.name))
        self.assertEqual(tuple(ours.compute_output_shape(x.shape)), got.shape)
        _close(self, got, expected, "float32", name)
        self.assertEqual(ours.get_config(), theirs.get_config())
        self.assertEqual(ours.weights, [])

    def test_output_shape_where_keras_formula_is_one_too_many(self):
        """For 1023 samples and stride 64, stft makes 16 frames (both libraries
        compute 16); Keras's compute_output_shape says 17, kerasmini's 16."""
        config = dict(fft_length=128, sequence_stride=64, num_mel_bins=16)
        x = _input((2, 1023), "float32")
        self.assertEqual(np.asarray(keras.layers.MelSpectrogram(**config)(x)).shape,
                         (2, 16, 16))
        self.assertEqual(kerasmini.layers.MelSpectrogram(**config).compute_output_shape(
            x.shape), (2, 16, 16))

    def test_gradient_against_tf(self):
        # float32: tf.keras's MelSpectrogram fails in float64 (its mel filters are
        # float32 and TensorFlow will not subtract them from float64)
        config = dict(fft_length=64, sequence_stride=32, num_mel_bins=8, power_to_db=False)
        x = _input((2, 300), "float32")
        weights = _input((2, 8, 10), "float32", seed=2)
        with kerasmini.GradientTape() as tape:
            tape.watch(x)
            total = np.sum(kerasmini.layers.MelSpectrogram(**config)(x) * weights)
        tensor = tf.constant(x)
        with tf.GradientTape() as tf_tape:
            tf_tape.watch(tensor)
            tf_total = tf.reduce_sum(keras.layers.MelSpectrogram(**config)(tensor) * weights)
        grad, tf_grad = tape.gradient(total, x), np.asarray(tf_tape.gradient(tf_total, tensor))
        error = float(np.max(np.abs(grad - tf_grad)))
        self.assertLessEqual(error, GRAD_RTOL["float32"] * float(np.max(np.abs(tf_grad))),
                             f"MelSpectrogram gradient: max error {error:.3g}")


class STFTInitializerTest(unittest.TestCase):
    @parameterized.expand([
        ("real_hann", ("real", "hann", "density", False)),
        ("imag_hamming_periodic", ("imag", "hamming", "spectrum", True)),
        ("real_blackman_unscaled", ("real", "blackman", None, False)),
        ("imag_no_window", ("imag", None, "density", False)),
    ])
    def test_kernel_and_config(self, _, arguments):
        ours, theirs = kerasmini.initializers.STFT(*arguments), \
            keras.initializers.STFT(*arguments)
        for dtype in ("float32", "float64"):
            _close(self, ours((24, 1, 17), dtype), np.asarray(theirs((24, 1, 17), dtype)),
                   dtype, "STFT kernel")
        self.assertEqual(ours.get_config(), theirs.get_config())
        self.assertIsInstance(kerasmini.initializers.get(
            {"class_name": "STFTInitializer", "config": theirs.get_config()}),
            kerasmini.initializers.STFT)


def _models(library):
    signal = library.Input((400, 2), name="signal")  # named: no per-process numbers
    spectrum = library.layers.STFTSpectrogram(mode="log", frame_length=32,
                                              frame_step=16, name="stft")(signal)
    audio = library.Input((1000,), name="audio")
    mel = library.layers.MelSpectrogram(fft_length=128, sequence_stride=64,
                                        num_mel_bins=20, name="mel")(audio)
    return library.Model(signal, spectrum, name="s"), library.Model(audio, mel, name="m")


class SpectrogramModelsTest(unittest.TestCase):
    def test_summaries_and_files_both_ways(self):
        for ours, theirs in zip(_models(kerasmini), _models(keras)):
            lines, tf_lines = [], []
            ours.summary(print_fn=lambda line, **_: lines.append(line))
            theirs.summary(print_fn=lambda line, **_: tf_lines.append(line))
            self.assertEqual("\n".join(lines), "\n".join(tf_lines))
            x = _input((2,) + tuple(theirs.input_shape[1:]), "float32")
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "m.keras")
                theirs.save(path)
                _close(self, kerasmini.models.load_model(path).predict(x, verbose=0),
                       theirs.predict(x, verbose=0), "float32", "tf.keras file")
                ours.save(path)
                _close(self, keras.models.load_model(path).predict(x, verbose=0),
                       ours.predict(x, verbose=0), "float32", "kerasmini file")


if __name__ == "__main__":
    unittest.main()
