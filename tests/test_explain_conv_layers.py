"""explain() for the depthwise, separable and transposed convolutions, Conv1D 'causal'
and the 1D pooling / resizing layers: the words agree with compute_output_shape and
count_params, and say the formulas students look for."""
import itertools
import unittest

from parameterized import parameterized

from kerasmini import layers

CASES = [
    ("DepthwiseConv2D", dict(kernel_size=3, strides=s, padding=p, depth_multiplier=m,
                             data_format=f), (2, 9, 8, 3) if f == "channels_last" else (2, 3, 9, 8))
    for s, p, m, f in itertools.product((1, 2), ("valid", "same"), (1, 2),
                                        ("channels_last", "channels_first"))
] + [
    ("SeparableConv2D", dict(filters=5, kernel_size=(3, 2), strides=s, padding=p,
                             depth_multiplier=m, use_bias=b), (2, 9, 8, 3))
    for s, p, m, b in itertools.product((1, 2), ("valid", "same"), (1, 3), (True, False))
] + [
    ("Conv2DTranspose", dict(filters=4, kernel_size=k, strides=s, padding=p,
                             output_padding=op, dilation_rate=d), (2, 5, 6, 3))
    for k, (s, d), p, op in itertools.product((1, 3, 4), ((1, 1), (2, 1), (3, 1), (1, 2)),
                                              ("valid", "same"), (None, 0, 1))
    if (op is None or op < s) and not (p == "same" and op == 0 and ((k - 1) * d) % 2)
] + [
    ("DepthwiseConv1D", dict(kernel_size=3, strides=2, depth_multiplier=2), (2, 9, 3)),
    ("SeparableConv1D", dict(filters=4, kernel_size=3, padding="same"), (2, 9, 3)),
    ("Conv1DTranspose", dict(filters=4, kernel_size=3, strides=2, output_padding=1), (2, 9, 3)),
    ("Conv1D", dict(filters=4, kernel_size=3, padding="causal", dilation_rate=2), (2, 9, 3)),
    ("Conv1D", dict(filters=4, kernel_size=2, padding="causal", strides=2), (2, 9, 3)),
    ("AveragePooling1D", dict(pool_size=3, strides=2, padding="same"), (2, 9, 3)),
    ("GlobalAveragePooling1D", dict(keepdims=True), (2, 9, 3)),
    ("GlobalMaxPooling1D", {}, (2, 9, 3)),
    ("UpSampling2D", dict(size=(2, 3)), (2, 4, 5, 3)),
    ("UpSampling1D", dict(size=3), (2, 4, 3)),
    ("ZeroPadding1D", dict(padding=(1, 2)), (2, 4, 3)),
    ("Cropping1D", dict(cropping=(1, 2)), (2, 6, 3)),
    ("Resizing", dict(height=3, width=7), (2, 4, 5, 3)),
    ("CenterCrop", dict(height=3, width=2), (2, 4, 5, 3)),
    ("Conv3D", dict(filters=6, kernel_size=(3, 2, 3), strides=(1, 2, 2), padding="same",
                    groups=3), (2, 7, 9, 8, 3)),
    ("Conv3D", dict(filters=2, kernel_size=3, dilation_rate=(2, 1, 1),
                    data_format="channels_first"), (2, 3, 7, 9, 8)),
    ("Conv3DTranspose", dict(filters=4, kernel_size=3, strides=(2, 1, 2), padding="same",
                             output_padding=(1, 0, 0)), (2, 4, 5, 6, 3)),
    ("MaxPooling3D", dict(pool_size=2, padding="same"), (2, 5, 6, 7, 3)),
    ("AveragePooling3D", dict(pool_size=(1, 3, 3), strides=2), (2, 5, 6, 7, 3)),
    ("GlobalAveragePooling3D", dict(keepdims=True), (2, 5, 6, 7, 3)),
    ("GlobalMaxPooling3D", {}, (2, 5, 6, 7, 3)),
    ("UpSampling3D", dict(size=(1, 2, 3)), (2, 4, 5, 6, 3)),
    ("ZeroPadding3D", dict(padding=(1, 0, 2)), (2, 4, 5, 6, 3)),
    ("Cropping3D", dict(cropping=((1, 0), (0, 2), 1)), (2, 4, 5, 6, 3)),
    ("SpatialDropout3D", dict(rate=0.5), (2, 4, 5, 6, 3)),
]


class ExplainConvLayersTest(unittest.TestCase):
    @parameterized.expand([(f"{i}_{name}", name, args, shape)
                           for i, (name, args, shape) in enumerate(CASES)])
    def test_agrees_with_the_layer(self, _, name, args, shape):
        layer = getattr(layers, name)(**args)
        explanation = layer.explain(shape)  # before build: from the arguments alone
        self.assertTrue(explanation.ok, explanation.problem)
        self.assertEqual(explanation.output_shape, tuple(layer.compute_output_shape(shape)))
        layer.build(shape)
        self.assertEqual(layer.explain(shape).params, layer.count_params(), str(explanation))
        if layer.weights:
            self.assertEqual(explanation.params, layer.count_params(), str(explanation))

    def test_transposed_formula_with_output_padding(self):
        text = str(layers.Conv2DTranspose(8, 3, strides=2, padding="same",
                                          output_padding=1).explain((1, 5, 6, 4)))
        self.assertIn("(in - 1) * s + (k % 2) + output_padding = (5 - 1) * 2 + 1 + 1 = 10",
                      text)
        text = str(layers.Conv2DTranspose(8, 4, strides=2).explain((1, 5, 6, 4)))
        self.assertIn("(in - 1) * s + max(k, s) = (5 - 1) * 2 + max(4, 2) = 12", text)

    def test_volume_words(self):
        text = str(layers.Conv3D(8, 3, padding="same").explain((1, 4, 8, 8, 2)))
        self.assertIn("depth: 4 in, kernel 3, stride 1, padding 'same'", text)
        self.assertIn("1 front, 1 back", text)
        self.assertIn("kd * kh * kw * (in / groups) * filters + filters = "
                      "3 * 3 * 3 * (2 / 1) * 8 + 8 = 440", text)
        text = str(layers.MaxPooling3D(3, strides=2, padding="same").explain((1, 4, 8, 8, 2)))
        self.assertIn("pads with -inf", text)

    def test_transposed_impossible_output_padding_is_explained(self):
        explanation = layers.Conv2DTranspose(8, 4, strides=2, padding="same",
                                             output_padding=0).explain((1, 5, 6, 4))
        self.assertFalse(explanation.ok)
        self.assertIn("one pixel short", explanation.problem)

    def test_separable_parameter_saving(self):
        text = str(layers.SeparableConv2D(64, 3).explain((1, 32, 32, 32)))
        self.assertIn("depthwise 3 * 3 * 32 * 1 = 288, pointwise 32 * 64 = 2048, bias 64: "
                      "2400 in all", text)
        self.assertIn("has 3 * 3 * 32 * 64 + 64 = 18496", text)
        self.assertIn("7.7x fewer", text)

    def test_depthwise_and_causal_words(self):
        text = str(layers.DepthwiseConv2D(3, depth_multiplier=2).explain((1, 9, 9, 4)))
        self.assertIn("4 * 2 = 8 channels", text)
        text = str(layers.Conv1D(4, 3, padding="causal", dilation_rate=2).explain((1, 5, 4)))
        self.assertIn("4 zeros before the first step", text)

    def test_picture_of_a_transposed_convolution_is_the_diagram(self):
        """It scatters rather than slides: no sliding-window picture, the model diagram."""
        import sys
        from unittest import mock

        from kerasmini.explain import cli
        fake = mock.Mock()
        with mock.patch.dict(sys.modules, {"kerasmini.explain.pictures": fake}), \
                mock.patch("kerasmini.explain.pictures", fake, create=True):
            cli.draw([layers.Conv2DTranspose(2, 3, strides=2)], (1, 5, 5, 2), "x.png")
            cli.draw([layers.DepthwiseConv2D(3)], (1, 5, 5, 2), "y.png")
            cli.draw([layers.Conv3D(2, 3)], (1, 5, 5, 5, 2), "z.png")  # a volume: diagram
        self.assertEqual(fake.draw_model.call_count, 2)
        fake.draw_layer_windows.assert_called_once()
