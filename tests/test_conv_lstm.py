"""ConvLSTM1D/2D/3D against a loop reference (one output pixel, one kernel tap at a time,
written from the equations), with masks, both data_formats, strides, dilation, initial
and kept states, dropout with the layer's own masks, gradients through time against
central differences, the cell API and argument errors."""
import itertools
import math
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini as keras
from kerasmini import layers


def conv_pixelwise(x, kernel, strides, padding, dilation):
    """x (batch, *spatial, C), kernel (*k, C, F): each output pixel as a sum over the
    kernel's taps of input pixel (zero outside the input) @ tap matrix."""
    rank = kernel.ndim - 2
    spatial, k = x.shape[1:1 + rank], kernel.shape[:rank]
    if padding == "same":
        out = [math.ceil(n / s) for n, s in zip(spatial, strides)]
        before = [max((o - 1) * s + (kk - 1) * d + 1 - n, 0) // 2
                  for o, s, kk, d, n in zip(out, strides, k, dilation, spatial)]
    else:
        out = [(n - (kk - 1) * d - 1) // s + 1 for n, kk, d, s in zip(spatial, k, dilation,
                                                                       strides)]
        before = [0] * rank
    result = np.zeros((x.shape[0], *out, kernel.shape[-1]))
    for position in itertools.product(*(range(o) for o in out)):
        for tap in itertools.product(*(range(kk) for kk in k)):
            source = [p * s - b + t * d for p, s, b, t, d in
                      zip(position, strides, before, tap, dilation)]
            if all(0 <= i < n for i, n in zip(source, spatial)):
                result[(slice(None), *position)] += x[(slice(None), *source)] @ kernel[tap]
    return result


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def reference(args, weights, x, mask=None, initial=None, dropout_masks=(None, None)):
    """The layer's outputs in float64 (channels_last internally), step by step."""
    kernel, recurrent = (np.asarray(w, np.float64) for w in weights[:2])
    rank, filters = kernel.ndim - 2, recurrent.shape[-2]
    bias = np.asarray(weights[2], np.float64) if len(weights) > 2 else np.zeros(4 * filters)
    first = args.get("data_format") == "channels_first"
    x = np.moveaxis(np.asarray(x, np.float64), 2, -1) if first else np.asarray(x, np.float64)
    strides = (args.get("strides", 1),) * rank
    dilation = (args.get("dilation_rate", 1),) * rank
    padding = args.get("padding", "valid")
    conv_x = lambda v, w: conv_pixelwise(v, w, strides, padding, dilation)
    conv_h = lambda v, w: conv_pixelwise(v, w, (1,) * rank, "same", (1,) * rank)
    shape = conv_x(x[:1, 0], kernel[..., :filters]).shape[1:]
    h = c = np.zeros((x.shape[0], *shape))
    if initial is not None:
        h, c = (np.moveaxis(np.asarray(s, np.float64), 1, -1) if first else s
                for s in initial)
    input_masks, recurrent_masks = dropout_masks
    order = range(x.shape[1])[::-1] if args.get("go_backwards") else range(x.shape[1])
    output, sequence = np.zeros_like(h), []
    for t in order:
        z = [conv_x(x[:, t] * (1 if input_masks is None else input_masks[g]),
                    kernel[..., g * filters:(g + 1) * filters])
             + bias[g * filters:(g + 1) * filters]
             + conv_h(h * (1 if recurrent_masks is None else recurrent_masks[g]),
                      recurrent[..., g * filters:(g + 1) * filters]) for g in range(4)]
        new_c = sigmoid(z[1]) * c + sigmoid(z[0]) * np.tanh(z[2])
        new_h = sigmoid(z[3]) * np.tanh(new_c)
        if mask is not None:
            kept = mask[:, t].reshape((-1,) + (1,) * (rank + 1))
            new_h, new_c, new_output = (np.where(kept, new_h, h), np.where(kept, new_c, c),
                                        np.where(kept, new_h, output))
        else:
            new_output = new_h
        h, c, output = new_h, new_c, new_output
        sequence.append(output)
    result = np.stack(sequence, 1) if args.get("return_sequences") else output
    if first:
        result = np.moveaxis(result, -1, 2 if args.get("return_sequences") else 1)
        h, c = np.moveaxis(h, -1, 1), np.moveaxis(c, -1, 1)
    return [result, h, c] if args.get("return_state") else result


SPATIAL = {1: (6,), 2: (4, 5), 3: (3, 4, 3)}


def make(rank, args, dtype="float64", seed=0, channels=2, batch=2, steps=3):
    layer = getattr(layers, f"ConvLSTM{rank}D")(2, 2, dtype=dtype, **args)
    first = args.get("data_format") == "channels_first"
    step_shape = (channels, *SPATIAL[rank]) if first else (*SPATIAL[rank], channels)
    x_shape = (batch, steps, *step_shape)
    layer.build((None, *x_shape[1:]) if not args.get("stateful") else x_shape)
    rng = np.random.default_rng(seed)
    weights = [(rng.standard_normal(w.shape) * 0.5).astype(dtype) for w in layer.get_weights()]
    layer.set_weights(weights)
    return layer, weights, rng.standard_normal(x_shape).astype(dtype)


CASES = [
    (1, {}), (1, {"padding": "same", "strides": 2, "return_sequences": True}),
    (1, {"data_format": "channels_first", "dilation_rate": 2, "return_state": True}),
    (2, {"padding": "same", "go_backwards": True, "return_sequences": True}),
    (2, {"data_format": "channels_first", "strides": 2, "return_state": True,
         "return_sequences": True}),
    (3, {"padding": "same", "return_state": True}),
    (3, {"data_format": "channels_first", "return_sequences": True}),
]


class TestConvLSTM(unittest.TestCase):
    @parameterized.expand([(i, rank, args, mask) for i, (rank, args) in enumerate(CASES)
                           for mask in (False, True)])
    def test_values_against_the_loop_reference(self, _, rank, args, with_mask):
        layer, weights, x = make(rank, args)
        mask = np.array([[1, 0, 1], [0, 1, 1]], bool) if with_mask else None
        got = layer(x, mask=mask)
        want = reference(args, weights, x, mask)
        for g, w in zip(*(o if isinstance(o, list) else [o] for o in (got, want))):
            self.assertEqual(g.shape, w.shape)
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)

    def test_initial_state_and_float32(self):
        args = {"padding": "same", "return_state": True, "data_format": "channels_first"}
        layer, weights, x = make(2, args, dtype="float32")
        rng = np.random.default_rng(1)
        initial = [rng.standard_normal((2, 2, 4, 5)).astype("float32") for _ in range(2)]
        got = layer(x, initial_state=initial)
        want = reference(args, weights, x, initial=initial)
        for g, w in zip(got, want):
            self.assertEqual(g.dtype, np.float32)
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5 * np.max(np.abs(w)))
        with self.assertRaisesRegex(ValueError, "initial_state"):
            layer(x, initial_state=[s[:, :1] for s in initial])

    def test_stateful_keeps_final_states(self):
        args = {"stateful": True, "return_sequences": True}
        layer, weights, x = make(1, args)
        first = reference({**args, "return_state": True}, weights, x)
        np.testing.assert_allclose(layer(x), first[0], rtol=1e-12)
        second = reference(args, weights, x[:, ::-1], initial=first[1:])
        np.testing.assert_allclose(layer(x[:, ::-1]), second, rtol=1e-12)
        self.assertEqual([s.shape for s in layer.states], [(2, 5, 2)] * 2)
        layer.reset_states()
        np.testing.assert_allclose(layer(x), first[0], rtol=1e-12)

    def test_dropout_uses_four_masks_per_side_the_same_at_every_step(self):
        args = {"dropout": 0.4, "recurrent_dropout": 0.3, "padding": "same",
                "return_sequences": True, "seed": 5}
        layer, weights, x = make(2, args)
        drawn = []
        draw = layer.cell.dropout_masks

        def recorded(*a):
            drawn.append(draw(*a))
            return drawn[-1]
        layer.cell.dropout_masks = recorded
        got = layer(x, training=True)
        input_masks, recurrent_masks = drawn[0]
        self.assertEqual(len(input_masks), 4)
        self.assertEqual(len(recurrent_masks), 4)
        self.assertEqual(input_masks[0].shape, (2, 4, 5, 2))
        self.assertEqual(recurrent_masks[0].shape, (2, 4, 5, 2))
        for masks, rate in ((input_masks, 0.4), (recurrent_masks, 0.3)):
            values = np.unique(np.concatenate([m.ravel() for m in masks]))
            np.testing.assert_allclose(values, [0, 1 / (1 - rate)])
            self.assertFalse(np.array_equal(masks[0], masks[1]))  # one per gate
        np.testing.assert_allclose(got, reference(args, weights, x, dropout_masks=drawn[0]),
                                   rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(layer(x), reference(args, weights, x), rtol=1e-12)
        self.assertEqual(drawn[-1], (None, None))  # not training: no masks

    def test_dropout_rate_in_expectation(self):
        layer, _, _ = make(1, {"dropout": 0.25, "seed": 1})
        masks, _ = layer.cell.dropout_masks(400, (6, 2), True)
        kept = np.mean([np.mean(m > 0) for m in masks])
        self.assertAlmostEqual(kept, 0.75, delta=0.01)

    def test_gradients_against_central_differences(self):
        args = {"padding": "same", "strides": 2, "return_sequences": True}
        layer, weights, x = make(1, args)
        mask = np.array([[1, 1, 0], [0, 1, 1]], bool)
        rng = np.random.default_rng(3)
        seed_grad = rng.standard_normal(layer.compute_output_shape(x.shape))
        with keras.GradientTape() as tape:
            watched = tape.watch(x.copy())
            loss = keras.ops.sum(layer(watched, mask=mask) * seed_grad)
        grads = tape.gradient(loss, [watched, *layer.trainable_weights])
        values = [x, *weights]
        for k, grad in enumerate(grads):
            direction = rng.standard_normal(values[k].shape)

            def at(e):
                moved = [v + e * direction if i == k else v for i, v in enumerate(values)]
                return np.sum(reference(args, moved[1:], moved[0], mask) * seed_grad)
            numeric = (at(1e-6) - at(-1e-6)) / 2e-6
            self.assertAlmostEqual(np.sum(grad * direction), numeric,
                                   delta=1e-6 * max(1, abs(numeric)))

    def test_cell_call_is_one_step(self):
        layer, weights, x = make(2, {"padding": "same"})
        states = [np.full((2, 4, 5, 2), 0.1), np.full((2, 4, 5, 2), -0.2)]
        h, (h_again, c) = layer.cell(x[:, 0], states)
        want = reference({"padding": "same", "return_state": True}, weights, x[:, :1],
                         initial=states)
        np.testing.assert_allclose(h, want[0], rtol=1e-12)
        np.testing.assert_allclose(c, want[2], rtol=1e-12)
        self.assertIs(h, h_again)

    def test_shapes_weights_and_attributes(self):
        layer = layers.ConvLSTM2D(5, (3, 2), strides=(2, 1), padding="same")
        self.assertEqual(layer.compute_output_shape((None, 4, 9, 7, 3)), (None, 9 // 2 + 1, 7, 5))
        layer.build((None, 4, 9, 7, 3))
        self.assertEqual([w.shape for w in layer.weights],
                         [(3, 2, 3, 20), (3, 2, 5, 20), (20,)])
        np.testing.assert_array_equal(layer.cell.bias.numpy()[5:10], 1.0)  # unit_forget_bias
        self.assertEqual((layer.filters, layer.kernel_size, layer.strides),
                         (5, (3, 2), (2, 1)))
        both = layers.ConvLSTM1D(2, 3, return_sequences=True, return_state=True)
        self.assertEqual(both.compute_output_shape((2, 4, 8, 1)),
                         [(2, 4, 6, 2), (2, 6, 2), (2, 6, 2)])

    def test_bidirectional_is_forward_and_backward(self):
        args = {"padding": "same", "return_state": True}
        inner = layers.ConvLSTM1D(2, 2, dtype="float64", **args)
        both = layers.Bidirectional(inner, merge_mode="sum", dtype="float64")
        _, _, x = make(1, {})
        both.build(x.shape)
        rng = np.random.default_rng(4)
        weights = [rng.standard_normal(w.shape) * 0.5 for w in both.get_weights()]
        both.set_weights(weights)
        got = both(x)
        forward = reference(args, weights[:3], x)
        backward = reference({**args, "go_backwards": True}, weights[3:], x)
        want = [forward[0] + backward[0], *forward[1:], *backward[1:]]
        self.assertEqual(len(got), 5)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)

    def test_errors(self):
        with self.assertRaisesRegex(ValueError, "dilation_rate"):
            layers.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
        with self.assertRaisesRegex(ValueError, "causal"):
            layers.ConvLSTM1D(2, 3, padding="causal")
        with self.assertRaisesRegex(TypeError, "filters"):
            layers.ConvLSTM3D("2", 3)
        with self.assertRaisesRegex(ValueError, "kernel"):
            layers.ConvLSTM2D(2, 5)(np.zeros((1, 2, 3, 3, 1), "float32"))
        with self.assertRaisesRegex(ValueError, "static"):
            layers.ConvLSTM1D(2, 3).build((None, 4, None, 2))


if __name__ == "__main__":
    unittest.main()
