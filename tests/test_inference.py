"""predict's graph walk (models/inference.py): BatchNormalization folded into the layer
before it, relu in place, values let go of after their last reader, and the heap setting
(ops/heap.py). Expectations come from calling the same layers one by one (no rewrite)."""
import os
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini as keras
from kerasmini import layers
from kerasmini.models import inference
from kerasmini.ops import heap
from tests.helpers import assert_close, random_input

FOLDABLE = {  # name: (layer class, arguments)
    "conv2d": (layers.Conv2D, dict(filters=6, kernel_size=3, padding="same")),
    "conv2d_no_bias_strided": (layers.Conv2D, dict(filters=6, kernel_size=3, strides=2,
                                                   use_bias=False)),
    "conv2d_channels_first": (layers.Conv2D, dict(filters=6, kernel_size=3,
                                                  data_format="channels_first")),
    "conv2d_groups": (layers.Conv2D, dict(filters=6, kernel_size=3, groups=2)),
    "depthwise": (layers.DepthwiseConv2D, dict(kernel_size=3, padding="same")),
    "depthwise_multiplier_2": (layers.DepthwiseConv2D, dict(kernel_size=3,
                                                            depth_multiplier=2)),
    "dense": (layers.Dense, dict(units=6)),
}


def conv_bn_relu(conv, shape, dtype, bn_axis=-1, activation="relu", **bn_args):
    """Input -> conv -> BatchNormalization -> activation, with BN statistics randomized."""
    inputs = keras.Input(shape, dtype=dtype)
    bn = layers.BatchNormalization(axis=bn_axis, dtype=dtype, **bn_args)
    outputs = layers.Activation(activation, dtype=dtype)(bn(conv(inputs)))
    model = keras.Model(inputs, outputs)
    randomize(model, seed=1)
    return model


def randomize(model, seed):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.uniform(0.5, 1.5, w.shape) if "variance" in w.path
                       else rng.standard_normal(w.shape) for w in model.weights])


def layer_by_layer(model, x):
    """The model's output from calling each layer in turn: no rewrite, no fold."""
    values = {id(model.inputs[0]): x}
    for depth in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[depth]:
            if not node.is_input:
                args = node.call_args
                arg = ([values[id(t)] for t in args] if isinstance(args, list)
                       else values[id(args)])
                values[id(node.outputs[0])] = node.operation(arg)
    return values[id(model.outputs[0])]


def input_shape(name):
    return (4, 9, 9) if name == "conv2d_channels_first" else (
        (5, 4) if name == "dense" else (9, 9, 4))


class FoldTest(unittest.TestCase):
    @parameterized.expand([(name, dtype) for name in FOLDABLE
                           for dtype in ("float32", "float64")])
    def test_folded_predict_matches_layer_by_layer(self, name, dtype):
        layer_class, arguments = FOLDABLE[name]
        conv = layer_class(**arguments, dtype=dtype)
        axis = 1 if name == "conv2d_channels_first" else -1
        model = conv_bn_relu(conv, input_shape(name), dtype, bn_axis=axis)
        self.assertEqual(len(model._plan.folds), 1, name)
        x = random_input((3, *input_shape(name)), dtype, seed=2)
        folded, expected = model.predict(x, verbose=0), layer_by_layer(model, x)
        assert_close(folded, expected, dtype, name)
        self.assertEqual(folded.dtype, expected.dtype)  # the folded bias in the layer's dtype

    @parameterized.expand([("conv_bn", "linear"), ("conv_bn_relu", "relu"),
                           ("bn_relu", "relu")])
    def test_mixed_precision_layers_are_not_rewritten(self, _, activation):
        """mixed_float16 layers cast their float32 weights in their own call; the rewrites
        call kernels directly, so they leave such layers alone (float16 out, as theirs)."""
        inputs = keras.Input((7, 7, 3))
        conv = layers.Conv2D(5, 3, dtype="mixed_float16") if _.startswith("conv") else \
            (lambda x: x)
        bn = layers.BatchNormalization(dtype="mixed_float16")
        outputs = layers.Activation(activation, dtype="mixed_float16")(bn(conv(inputs)))
        model = keras.Model(inputs, outputs)
        randomize(model, seed=1)
        x = random_input((2, 7, 7, 3), "float32", seed=3)
        got, expected = model.predict(x, verbose=0), layer_by_layer(model, x)
        self.assertEqual(got.dtype, np.float16)
        np.testing.assert_array_equal(got, expected)

    @parameterized.expand([("no_center", dict(center=False)), ("no_scale", dict(scale=False))])
    def test_batch_normalization_without_beta_or_gamma(self, _, bn_args):
        model = conv_bn_relu(layers.Conv2D(5, 3, dtype="float64"), (7, 7, 3), "float64",
                             **bn_args)
        x = random_input((2, 7, 7, 3), seed=3)
        assert_close(model.predict(x, verbose=0), layer_by_layer(model, x), "float64", _)

    def test_batch_normalization_is_not_called_when_folded(self):
        model = conv_bn_relu(layers.Conv2D(5, 3), (7, 7, 3), "float32")
        bn = model.layers[2]
        calls = []
        bn.call = lambda *a, **k: calls.append(1)  # an instance attribute: would be seen
        model.predict(random_input((2, 7, 7, 3), "float32"), verbose=0)
        self.assertEqual(calls, [])

    def test_what_does_not_fold(self):
        cases = {"conv with an activation": (layers.Conv2D(5, 3, activation="relu",
                                                           dtype="float64"), -1),
                 "bn on another axis": (layers.Conv2D(5, 3, dtype="float64"), 1),
                 "another dtype": (layers.Conv2D(5, 3, dtype="float32"), -1)}
        for what, (conv, axis) in cases.items():
            model = conv_bn_relu(conv, (7, 7, 5), "float64", bn_axis=axis)
            self.assertEqual(model._plan.folds, {}, what)
            x = random_input((2, 7, 7, 5), seed=4)
            assert_close(model.predict(x, verbose=0), layer_by_layer(model, x), "float64",
                         what)
        inputs = keras.Input((7, 7, 3))  # the conv's output read twice
        conv = layers.Conv2D(5, 3)(inputs)
        model = keras.Model(inputs, layers.Add()([layers.BatchNormalization()(conv), conv]))
        randomize(model, seed=5)
        self.assertEqual(model._plan.folds, {})

    def test_weights_and_layers_are_unchanged_by_predict(self):
        model = conv_bn_relu(layers.Conv2D(5, 3), (7, 7, 3), "float32")
        before = [w.copy() for w in model.get_weights()]
        model.predict(random_input((2, 7, 7, 3), "float32"), verbose=0)
        for a, b in zip(model.get_weights(), before):
            np.testing.assert_array_equal(a, b)
        self.assertEqual([type(layer).__name__ for layer in model.layers],
                         ["InputLayer", "Conv2D", "BatchNormalization", "Activation"])

    def test_new_weights_refold(self):
        model = conv_bn_relu(layers.Conv2D(5, 3, dtype="float64"), (7, 7, 3), "float64")
        x = random_input((2, 7, 7, 3), seed=6)
        first = model.predict(x, verbose=0)
        changes = {
            "set_weights": lambda: randomize(model, seed=7),
            "kernel.assign": lambda: model.layers[1].kernel.assign(
                model.layers[1].kernel.numpy() * 2),
            "moving_mean.assign": lambda: model.layers[2].moving_mean.assign(
                model.layers[2].moving_mean.numpy() + 1),
            "moving_variance.assign": lambda: model.layers[2].moving_variance.assign(
                model.layers[2].moving_variance.numpy() * 3),
            "gamma.assign": lambda: model.layers[2].gamma.assign(
                -model.layers[2].gamma.numpy()),
            "beta.assign": lambda: model.layers[2].beta.assign(
                model.layers[2].beta.numpy() - 1),
            "bias.assign": lambda: model.layers[1].bias.assign(
                model.layers[1].bias.numpy() + 1),
        }
        for what, change in changes.items():
            change()
            expected = layer_by_layer(model, x)
            self.assertFalse(np.allclose(expected, first), what)  # the change shows
            assert_close(model.predict(x, verbose=0), expected, "float64", what)
            first = expected

    def test_training_refolds(self):
        model = conv_bn_relu(layers.Conv2D(5, 3), (7, 7, 3), "float32",
                             activation="linear")
        x = random_input((8, 7, 7, 3), "float32", seed=8)
        model.compile(optimizer="sgd", loss="mse")
        model.predict(x, verbose=0)
        model.fit(x, np.ones((8, 5, 5, 5), "float32"), epochs=1, verbose=0)
        assert_close(model.predict(x, verbose=0), layer_by_layer(model, x), "float32",
                     "after fit")


class InPlaceReluTest(unittest.TestCase):
    def test_model_input_is_not_overwritten(self):
        inputs = keras.Input((6,))
        model = keras.Model(inputs, layers.Activation("relu")(inputs))
        x = random_input((4, 6), "float32")
        before = x.copy()
        out = model.predict(x, verbose=0)
        np.testing.assert_array_equal(x, before)
        np.testing.assert_array_equal(out, np.maximum(before, 0))

    def test_value_read_twice_is_not_overwritten(self):
        inputs = keras.Input((6,))
        hidden = layers.Dense(6)(inputs)
        relu = layers.ReLU(max_value=0.5)(hidden)  # hidden is read again by the Add
        model = keras.Model(inputs, [layers.Add()([relu, hidden]), hidden])
        randomize(model, seed=9)
        x = random_input((4, 6), "float32", seed=10)
        hidden_expected = model.layers[1](x)
        total, hidden_out = model.predict(x, verbose=0)
        assert_close(hidden_out, hidden_expected, "float32", "hidden")
        assert_close(total, np.clip(hidden_expected, 0, 0.5) + hidden_expected,
                     "float32", "relu + hidden")

    def test_array_held_under_another_name_is_not_overwritten(self):
        inputs = keras.Input((6,))
        hidden = layers.Dense(6)(inputs)
        same = layers.Activation("linear")(hidden)  # returns the very same array
        model = keras.Model(inputs, [layers.Activation("relu")(same), hidden])
        randomize(model, seed=13)
        x = random_input((4, 6), "float32", seed=14)
        expected = model.layers[1](x)
        relu, hidden_out = model.predict(x, verbose=0)
        assert_close(hidden_out, expected, "float32", "hidden")
        assert_close(relu, np.maximum(expected, 0), "float32", "relu")

    def test_view_of_a_kept_array_is_not_overwritten(self):
        inputs = keras.Input((6,))
        hidden = layers.Dense(6)(inputs)
        reshaped = layers.Reshape((2, 3))(hidden)  # a view of hidden's memory
        model = keras.Model(inputs, [layers.ReLU()(reshaped), hidden])
        randomize(model, seed=19)
        x = random_input((4, 6), "float32", seed=20)
        expected = model.layers[1](x)
        relu, hidden_out = model.predict(x, verbose=0)
        assert_close(hidden_out, expected, "float32", "hidden")
        assert_close(relu, np.maximum(expected, 0).reshape(4, 2, 3), "float32", "relu")

    def test_view_of_the_input_is_not_overwritten(self):
        inputs = keras.Input((2, 3))
        model = keras.Model(inputs, layers.Activation("relu")(layers.Flatten()(inputs)))
        x = random_input((4, 2, 3), "float32")
        before = x.copy()
        model.predict(x, verbose=0)
        np.testing.assert_array_equal(x, before)

    def test_relu_overwrites_a_fresh_output(self):
        inputs = keras.Input((6,))
        model = keras.Model(inputs, layers.ReLU(6.0)(layers.Dense(6)(inputs)))
        randomize(model, seed=11)
        x = 10 * random_input((4, 6), "float32", seed=12)
        expected = np.clip(model.layers[1](x), 0, 6)
        relu = model.layers[2]
        relu.call = lambda *args: self.fail("ReLU.call ran: not in place")
        assert_close(model.predict(x, verbose=0), expected, "float32", "relu6")
        self.assertFalse(inference._relu_in_place(model._plan.nodes[0], {}, []))  # Dense


class FusedReluTest(unittest.TestCase):
    @parameterized.expand([("relu", -1, lambda: layers.Activation("relu")),
                           ("relu6", -1, lambda: layers.ReLU(6.0)),
                           ("channels_first", 1, lambda: layers.ReLU())])
    def test_batch_normalization_then_relu_in_one_pass(self, _, axis, relu):
        inputs = keras.Input((5, 6, 4))
        merged = layers.Concatenate(axis=axis)([inputs, inputs])  # read twice: no fold
        normalized = layers.BatchNormalization(axis=axis)(merged)
        model = keras.Model(inputs, layers.Add()([relu()(normalized), merged]))
        randomize(model, seed=15)
        self.assertEqual(len(model._plan.fused_relus), 1)
        x = 3 * random_input((2, 5, 6, 4), "float32", seed=16)
        expected = layer_by_layer(model, x)
        model.layers[3].call = lambda *args: self.fail("the ReLU ran on its own")
        assert_close(model.predict(x, verbose=0), expected, "float32", _)

    def test_not_fused_when_the_normalized_value_is_read_again(self):
        inputs = keras.Input((4,))
        normalized = layers.BatchNormalization()(inputs)
        model = keras.Model(inputs, layers.Add()([layers.ReLU()(normalized), normalized]))
        randomize(model, seed=17)
        self.assertEqual(model._plan.fused_relus, {})
        x = random_input((3, 4), "float32", seed=18)
        assert_close(model.predict(x, verbose=0), layer_by_layer(model, x), "float32", "")


class ReleaseTest(unittest.TestCase):
    def test_each_value_is_let_go_of_after_its_last_reader(self):
        inputs = keras.Input((4,))
        a = layers.Dense(4, name="a")(inputs)
        b = layers.Dense(4, name="b")(a)
        unused = layers.Dense(4, name="unused")(a)
        out = layers.Add(name="add")([a, b])
        model = keras.Model(inputs, [out, unused])
        released = {node.operation.name: node for node in model._plan.nodes}
        ids = {id(inputs): "input", id(a): "a", id(b): "b"}

        def names(node):
            return sorted(ids[i] for i in model._plan.released[node])
        self.assertEqual(names(released["a"]), ["input"])
        self.assertEqual(names(released["add"]), ["a", "b"])  # a's last reader
        self.assertEqual(names(released["b"]), [])
        self.assertEqual(names(released["unused"]), [])  # a model output: kept


class HeapTest(unittest.TestCase):
    def test_trim_threshold_raised_inside_predict_only_and_nested(self):
        calls = []
        saved = heap._mallopt
        heap._mallopt = lambda parameter, value: calls.append((parameter, value))
        try:
            with heap.freed_memory_kept():
                with heap.freed_memory_kept():
                    pass
                self.assertEqual(calls, [(heap.M_TRIM_THRESHOLD, heap.TRIM_DURING)])
            self.assertEqual(calls[-1], (heap.M_TRIM_THRESHOLD, heap.TRIM_AFTER))
            self.assertEqual(len(calls), 2)
        finally:
            heap._mallopt = saved

    def test_predict_raises_it(self):
        calls = []
        saved = heap._mallopt
        heap._mallopt = lambda parameter, value: calls.append(value)
        try:
            model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
            model.predict(np.ones((2, 3), "float32"), verbose=0)
        finally:
            heap._mallopt = saved
        self.assertEqual(calls, [heap.TRIM_DURING, heap.TRIM_AFTER])


class SequentialTest(unittest.TestCase):
    def test_sequential_predict_folds_through_its_graph(self):
        model = keras.Sequential([keras.Input((7, 7, 3)), layers.Conv2D(4, 3),
                                  layers.BatchNormalization(), layers.ReLU(),
                                  layers.Flatten()])
        randomize(model, seed=21)
        self.assertEqual(len(model._graph._plan.folds), 1)
        x = random_input((2, 7, 7, 3), "float32", seed=22)
        expected = x
        for layer in model.layers:
            expected = layer(expected)
        model.layers[1].call = lambda *args: self.fail("BatchNormalization ran: not folded")
        assert_close(model.predict(x, verbose=0), expected, "float32", "sequential")

    def test_other_shapes_go_layer_by_layer(self):
        model = keras.Sequential([layers.Conv2D(4, 3), layers.GlobalAveragePooling2D()])
        model(random_input((2, 7, 7, 3), "float32"))  # built for 7x7 images
        x = random_input((2, 9, 8, 3), "float32", seed=23)
        expected = model.layers[1](model.layers[0](x))
        assert_close(model.predict(x, verbose=0), expected, "float32", "9x8 images")
        with self.assertRaisesRegex(ValueError, "conv2d"):  # the layer's own error
            model(random_input((2, 9, 8, 5), "float32"))


def minor_page_faults():
    with open("/proc/self/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[7])


@unittest.skipUnless(os.path.exists("/proc/self/stat") and heap._find_mallopt() is not None,
                     "counts page faults through Linux's /proc, with glibc's allocator")
class PageFaultTest(unittest.TestCase):
    def test_a_second_predict_reuses_the_memory_of_the_first(self):
        model = keras.Sequential([keras.Input((64, 64, 4))] + [
            layers.Conv2D(32, 3, padding="same") for _ in range(4)])  # 4 MiB outputs
        x = random_input((8, 64, 64, 4), "float32")
        model.predict(x, verbose=0)
        before = minor_page_faults()
        model.predict(x, verbose=0)
        faults = minor_page_faults() - before
        # the four outputs alone are 4096 pages; their memory given back and taken
        # again would fault on each page
        self.assertLess(faults, 1000)
