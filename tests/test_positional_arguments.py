"""Keras's positional constructor forms bind to the same arguments in kerasmini
(`LSTM(32, "relu")` is activation="relu"), and Keras 3's refusals and deprecations hold."""
import unittest
import warnings

from kerasmini import layers


class PositionalArgumentsTest(unittest.TestCase):
    def test_recurrent_layers_bind_activation_second(self):
        for layer in (layers.SimpleRNN(3, "relu"), layers.LSTM(3, "relu"),
                      layers.GRU(3, "relu"), layers.LSTMCell(3, "relu"),
                      layers.GRUCell(3, "relu")):
            self.assertEqual(layer.get_config()["activation"], "relu", type(layer).__name__)

    def test_recurrent_layers_bind_every_position(self):
        lstm = layers.LSTM(3, "relu", "hard_sigmoid", False, "ones", "zeros", "ones", False)
        config = lstm.get_config()
        self.assertEqual((config["recurrent_activation"], config["use_bias"],
                          config["unit_forget_bias"]), ("hard_sigmoid", False, False))
        self.assertEqual(config["kernel_initializer"]["class_name"], "Ones")
        gru = layers.GRU(3, "tanh", "sigmoid", True, "glorot_uniform", "orthogonal",
                         "zeros", None, None, None, None, None, None, None, 0.5, 0.25, 7,
                         True, True, True, False, False, False)
        config = gru.get_config()
        self.assertEqual((config["dropout"], config["recurrent_dropout"], config["seed"],
                          config["return_sequences"], config["return_state"],
                          config["go_backwards"], config["reset_after"]),
                         (0.5, 0.25, 7, True, True, True, False))
        cell = layers.GRUCell(3, "tanh", "sigmoid", True, "glorot_uniform", "orthogonal",
                              "zeros", None, None, None, None, None, None, 0.5, 0.0, False)
        self.assertEqual((cell.dropout, cell.reset_after), (0.5, False))

    def test_simple_rnn_refuses_use_cudnn_as_keras(self):
        with self.assertRaisesRegex(ValueError, "use_cudnn"):
            layers.SimpleRNN(3, use_cudnn="auto")
        with self.assertRaisesRegex(ValueError, "use_cudnn=maybe"):
            layers.GRU(3, use_cudnn="maybe")

    def test_random_image_layers_bind_fill_mode_second(self):
        rotation = layers.RandomRotation(0.2, "nearest", "nearest", 3, 1.5, "channels_first")
        self.assertEqual((rotation.fill_mode, rotation.interpolation, rotation.seed,
                          rotation.fill_value, rotation.data_format),
                         ("nearest", "nearest", 3, 1.5, "channels_first"))
        translation = layers.RandomTranslation(0.1, 0.2, "wrap", "nearest", 4, 2.0)
        self.assertEqual((translation.fill_mode, translation.interpolation,
                          translation.seed, translation.fill_value),
                         ("wrap", "nearest", 4, 2.0))
        zoom = layers.RandomZoom(0.1, None, "constant", "bilinear", 5)
        self.assertEqual((zoom.width_factor, zoom.fill_mode, zoom.seed),
                         (None, "constant", 5))
        self.assertEqual(layers.RandomCrop(2, 2, 1, None, "crop").name, "crop")

    def test_normalization_positional_order(self):
        # Keras's order: ..., renorm, renorm_clipping, renorm_momentum, synchronized
        norm = layers.BatchNormalization(-1, 0.99, 1e-3, True, True, "zeros", "ones",
                                         "zeros", "ones", None, None, None, None, False,
                                         None, 0.5, True)
        self.assertEqual(norm.synchronized, True)
        self.assertEqual(layers.InputLayer((2,), None, None, None, None).batch_shape,
                         (None, 2))

    def test_lora_and_quantization_refused_naming_the_value(self):
        for make, name in ((lambda: layers.Dense(2, lora_rank=4), "lora_rank=4"),
                           (lambda: layers.Dense(2, quantization_config="int8"),
                            "quantization_config='int8'"),
                           (lambda: layers.Embedding(3, 2, lora_rank=4), "lora_rank=4")):
            with self.assertRaisesRegex(ValueError, name):
                make()
        self.assertEqual(layers.Dense(2, lora_alpha=8).units, 2)  # ignored, as in Keras

    def test_keras_2_leftovers_taken_as_keras_3_takes_them(self):
        with self.assertWarnsRegex(UserWarning, "input_length"):
            layers.Embedding(3, 2, input_length=5)
        self.assertTrue(layers.LayerNormalization(rms_scaling=True).rms_scaling)
        boxes = layers.MaxNumBoundingBoxes(3, data_format="channels_first")
        self.assertEqual(boxes.data_format, "channels_first")
        with self.assertRaises(TypeError):
            layers.Discretization([0.5], trainable=False)  # Keras: no **kwargs
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            layers.Embedding(3, 2)


if __name__ == "__main__":
    unittest.main()
