"""Gradients w.r.t. inputs and every trainable weight, three ways (gradients.py):
kerasmini's GradientTape, tf.GradientTape, central differences of the float64 reference.

Grids: the value grids' own configurations, thinned to fit about a minute on 2 cores:
every 12th Conv2D configuration (float32; float64 for channels_last; float16 for every
5th of those), every 6th MaxPool2D one, every 3rd Dense one, every 2nd configuration of
the model-building layers (every 8th of the large Conv1D, BatchNormalization and
AveragePooling2D grids), BatchNormalization also with training=True, each on the first
input shape of its configuration. Issue 11's layers (grids_conv_layers: depthwise,
separable, transposed and causal convolutions, 1D pooling, upsampling, 1D padding and
cropping, resizing, center crop): every 4th configuration of each grid, float32 and (for
channels_last) float64. Activations: all of Keras's, by name.
Dropout with training=True: both libraries' gradient must be the mask / (1 - rate).
"""
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from conformance import grids, grids_conv_layers, grids_layers, harness, reference_volume_layers
from conformance.gradients import GRAD_RTOL, check_gradients
from conformance.grids import tiered
from conformance.test_layers_values import layer_weights
from kerasmini.check import divergences
from kerasmini.ops import differentiable_kernels as kernels

tf, keras = harness.tf, harness.keras


def case_name(func, num, param):
    return f"{func.__name__}_{param.args[0]}"


def _first(shapes):
    return harness.as_shape(shapes[0])


def conv2d_cases():
    cases = []
    for i, (name, args, shapes) in enumerate(grids.conv_configs()):
        if i % 12:
            continue
        run_tf = args["groups"] == 1 or i % 48 == 0  # grouped: XLA-compiled per call in TF
        cases.append((f"{name}_float32", args, "float32", _first(shapes), run_tf))
        if args["data_format"] == "channels_last":
            cases.append((f"{name}_float64", args, "float64", _first(shapes), run_tf))
        if i % 60 == 0:
            cases.append((f"{name}_float16", args, "float16", _first(shapes), run_tf))
    return tiered(cases)


def pool_cases():
    return tiered((f"{name}_{dtype}", layer, args, dtype, _first(shapes))
                  for i, (name, layer, args, shapes) in enumerate(grids.pool_configs())
                  if i % 6 == 0 for dtype in ("float32", "float64"))


def dense_cases():
    return tiered((f"{name}_{dtype}", args, dtype, _first(shapes))
                  for i, (name, args, shapes) in enumerate(grids.dense_configs())
                  if i % 3 == 0 for dtype in ("float32", "float64", "float16")
                  if dtype != "float16" or i % 4 == 0)


LARGE_GRIDS = ("Conv1D", "BatchNormalization", "AveragePooling2D", "AvgPool2D")


def layer_cases():
    """The model-building layers at inference, then BatchNormalization with training=True
    (all of those in every tier: the batch statistics' gradient is the one that is easy
    to get wrong)."""
    cases, training = [], []
    for make in grids_layers.SINGLE_INPUT + grids_layers.MERGE:
        for i, (name, layer, args, shapes) in enumerate(make()):
            if layer in ("Dropout",) or i % (8 if layer in LARGE_GRIDS else 2):
                continue
            for dtype in ("float32", "float64"):
                if dtype == "float64" and (layer in grids_layers.FLOAT32_ONLY or (
                        layer == "Conv1D" and args["data_format"] == "channels_first")):
                    continue  # TF has no float64 NCHW convolution, 3D pooling on CPU
                cases.append((f"{name}_{dtype}", layer, args, dtype, shapes[0], None))
            if layer == "BatchNormalization":
                training.append((f"{name}_training", layer, args, "float64", shapes[0], True))
    return tiered(cases) + training


def conv_layer_cases():
    """Issue 11's layers: every 4th configuration of each grid, on its first shape."""
    cases = []
    for make in grids_conv_layers.SINGLE_INPUT:
        for name, layer, args, shapes in make()[::4]:
            for dtype in ("float32", "float64"):
                if dtype == "float64" and args.get("data_format") == "channels_first":
                    continue  # TF has no float64 NCHW convolution on CPU
                cases.append((f"{name}_{dtype}", layer, args, dtype, shapes[0], None))
    return tiered(cases)


def grouped_conv1d(layer, args):
    return layer == "Conv1D" and args.get("groups", 1) > 1


class TestConv2DGradients(unittest.TestCase):
    @parameterized.expand(conv2d_cases(), name_func=case_name)
    def test(self, name, args, dtype, shape, run_tf):
        check_gradients("Conv2D", args, dtype, shape, name, run_tf=run_tf)


class TestMaxPool2DGradients(unittest.TestCase):
    @parameterized.expand(pool_cases(), name_func=case_name)
    def test(self, name, layer, args, dtype, shape):
        check_gradients(layer, args, dtype, shape, name)


class TestDenseGradients(unittest.TestCase):
    @parameterized.expand(dense_cases(), name_func=case_name)
    def test(self, name, args, dtype, shape):
        check_gradients("Dense", args, dtype, shape, name)


class TestLayerGradients(unittest.TestCase):
    @parameterized.expand(layer_cases() + conv_layer_cases(), name_func=case_name)
    def test(self, name, layer, args, dtype, shape, training):
        check_gradients(layer, args, dtype, shape, name, training=training,
                        make_weights=layer_weights, run_tf=not grouped_conv1d(layer, args))


ALL_ACTIVATIONS = sorted(set(kerasmini.activations.ALL_OBJECTS_DICT) - {"threshold"})


class TestActivationGradients(unittest.TestCase):
    """Every Keras activation by name (the Activation layer's grid covers those with a
    textbook reference; these compare the gradient with central differences of
    kerasmini's float64 forward, itself checked against tf.keras by the value suite,
    and with tf.GradientTape)."""

    @parameterized.expand([(name,) for name in ALL_ACTIVATIONS])
    def test(self, name):
        harness.note(f"grad activation {name}", "float64", "gradients")
        rng = np.random.default_rng(harness.seed_of("activation-gradient", name))
        # away from every kink: |x| in (0.1, 0.4) + k/2 avoids 0, +-0.5, +-1, +-3, 6
        x = (rng.uniform(0.1, 0.4, (4, 6)) + rng.integers(0, 8, (4, 6)) / 2) * \
            rng.choice([-1, 1], (4, 6))
        fn, tf_fn = kerasmini.activations.get(name), keras.activations.get(name)
        seed_grad = rng.standard_normal(np.shape(fn(x)))
        km, tf_grad = input_gradients(fn, tf_fn, x, seed_grad)
        ref = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            up, down = x.copy(), x.copy()
            up[i] += 1e-6
            down[i] -= 1e-6
            ref[i] = np.sum((fn(up) - fn(down)) * seed_grad) / 2e-6
        harness.three_way(km, tf_grad, ref, "float64", f"activation {name}",
                          lambda _: "tf-float64-constants-rounded-to-float32", rtol=1e-9)


class TestDropoutTrainingGradients(unittest.TestCase):
    """The gradient of dropout is its mask scaled by 1 / (1 - rate), in both libraries
    (masks are random: the rule is compared, not the values)."""

    @parameterized.expand([(0.3, None), (0.5, (None, 1, 4))])
    def test(self, rate, noise_shape):
        harness.note("grad Dropout", "float32", "gradients")
        x = np.random.default_rng(0).uniform(1, 2, (64, 3, 4)).astype("float32")
        args = dict(rate=rate, noise_shape=noise_shape)
        m, t = kerasmini.layers.Dropout(**args), keras.layers.Dropout(**args)
        with kerasmini.GradientTape() as tape:
            tape.watch(x)
            y = m(x, training=True)
        km_grad, km_out = tape.gradient(y, x), np.asarray(y)
        xt = tf.constant(x)
        with tf.GradientTape() as tf_tape:
            tf_tape.watch(xt)
            yt = t(xt, training=True)
        tf_grad, tf_out = np.asarray(tf_tape.gradient(yt, xt)), np.asarray(yt)
        for grad, out, who in ((km_grad, km_out, "kerasmini"), (tf_grad, tf_out, "tf.keras")):
            np.testing.assert_allclose(grad, (out != 0) / np.float32(1 - rate), rtol=1e-6,
                                       err_msg=f"{who}: dropout gradient is not mask/(1-rate)")
        harness.record_error(0.0, 0.0)


class TestMaxPooling3DTieGradients(unittest.TestCase):
    """Windows with tied maxima (small integers): each window's gradient goes to its
    first maximal voxel in (depth, row, column) order, as MaxPool2D's does in both
    libraries (any single tied voxel gives a subgradient: the gradient's sum stays the
    output gradient's). The reference is that rule as a loop over windows; TF 2.21's
    MaxPool3D gives every tied voxel the whole gradient (a divergence, recorded)."""

    @parameterized.expand([(2, None, "valid", "channels_last"),
                           (3, 2, "same", "channels_first"),
                           ((2, 3, 2), 1, "valid", "channels_last")])
    def test(self, pool_size, strides, padding, data_format):
        harness.note("grad MaxPooling3D", "float32", "gradients")
        args = dict(pool_size=pool_size, strides=strides, padding=padding,
                    data_format=data_format)
        rng = np.random.default_rng(harness.seed_of("maxpool3d-ties", str(args)))
        x = rng.integers(0, 3, (2, 4, 5, 6, 2)).astype("float32")
        if data_format == "channels_first":
            x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
        m, t = kerasmini.layers.MaxPooling3D(**args), keras.layers.MaxPooling3D(**args)
        seed_grad = rng.standard_normal(m(x).shape).astype("float32")
        km, tf_grad = input_gradients(m, t, x, seed_grad)
        ref = first_maximum_gradient(x, seed_grad, args)
        harness.three_way(km, tf_grad, ref, "float32", f"MaxPooling3D ties {args}",
                          lambda _: divergences.MAXPOOL3D_TIES)


def input_gradients(km_fn, tf_fn, x, seed_grad):
    """d sum(f(x) * seed_grad) / dx by kerasmini's tape and by tf.GradientTape."""
    with kerasmini.GradientTape() as tape:
        loss = kerasmini.ops.sum(km_fn(tape.watch(x)) * seed_grad)
    km = tape.gradient(loss, x)
    xt = tf.constant(x)
    with tf.GradientTape() as tf_tape:
        tf_tape.watch(xt)
        tf_loss = tf.reduce_sum(tf_fn(xt) * seed_grad)
    return km, np.asarray(tf_tape.gradient(tf_loss, xt))


def first_maximum_gradient(x, g, args):
    """d/dx of sum(max_pool3d(x) * g) with each window's gradient on its first maximal
    voxel in (depth, row, column) order; a loop over output voxels."""
    last = args["data_format"] == "channels_last"
    x = np.asarray(x if last else np.moveaxis(x, 1, -1), np.float64)
    g = np.asarray(g if last else np.moveaxis(g, 1, -1), np.float64)
    pool = reference_volume_layers._triple(args["pool_size"])
    strides = pool if args["strides"] is None else reference_volume_layers._triple(
        args["strides"])
    befores = [reference_volume_layers._windows(n, k, s, 1, args["padding"])[1]
               for n, k, s in zip(x.shape[1:4], pool, strides)]
    dx = np.zeros_like(x)
    for n, *o, c in np.ndindex(g.shape):
        box = [range(max(oi * s - b, 0), min(oi * s - b + k, size)) for oi, s, b, k, size
               in zip(o, strides, befores, pool, x.shape[1:4])]
        voxels = [(d, h, w) for d in box[0] for h in box[1] for w in box[2]]
        best = max(x[n, d, h, w, c] for d, h, w in voxels)
        d, h, w = next(v for v in voxels if x[(n, *v, c)] == best)
        dx[n, d, h, w, c] += g[(n, *o, c)]
    return dx if last else np.moveaxis(dx, -1, 1)


class TestEmbeddingGradients(unittest.TestCase):
    """Embedding's weight gradient, three ways: each looked-up row collects the output
    gradient of every position that read it (repeated indices add up); the reference is
    that sum written as a loop over positions."""

    @parameterized.expand([("float32",), ("float64",)])
    def test(self, dtype):
        harness.note("grad Embedding", dtype, "gradients")
        rng = np.random.default_rng(harness.seed_of("embedding-gradient", dtype))
        indices = rng.integers(0, 7, (3, 5))
        indices[0, :3] = 2  # a row read three times
        table = rng.standard_normal((7, 4)).astype(dtype)
        seed_grad = rng.standard_normal((3, 5, 4)).astype(dtype)
        m = kerasmini.layers.Embedding(7, 4, dtype=dtype)
        t = keras.layers.Embedding(7, 4, dtype=dtype)
        for layer in (m, t):
            layer.build((3, 5))
            layer.set_weights([table])
        with kerasmini.GradientTape() as tape:
            loss = kerasmini.ops.sum(m(indices) * seed_grad)
        km = tape.gradient(loss, m.trainable_weights)[0]
        with tf.GradientTape() as tf_tape:
            tf_loss = tf.reduce_sum(t(indices) * seed_grad)
        tf_grad = np.asarray(tf.convert_to_tensor(
            tf_tape.gradient(tf_loss, t.trainable_weights)[0]))
        ref = np.zeros((7, 4))
        for position in np.ndindex(indices.shape):
            ref[indices[position]] += seed_grad[position]
        harness.three_way(km, tf_grad, ref, dtype, f"Embedding {dtype}: d/d embeddings",
                          rtol=GRAD_RTOL[dtype])


class TestConvReluPoolGradients(unittest.TestCase):
    """Conv2D(activation="relu") then MaxPooling2D, the README convnet's pair: kerasmini
    differentiates the relu and the pooling in one rule (ops/max_pooling_vjp.py's
    max_pool_of_relu_vjp, checked to run here). Gradients of the input, kernel and bias
    against tf.GradientTape and central differences of the float64 reference (conv2d,
    relu, max_pool2d loops; a negative bias makes windows whose relu outputs are all 0)."""

    @parameterized.expand([
        ("tiling_float32", dict(pool_size=2), "float32", "channels_last"),
        ("tiling_float64", dict(pool_size=2), "float64", "channels_last"),
        ("overlap_same_float32", dict(pool_size=3, strides=2, padding="same"), "float32",
         "channels_last"),
        ("overlap_valid_float64", dict(pool_size=(2, 3), strides=1), "float64",
         "channels_last"),
        ("channels_first_float32", dict(pool_size=2), "float32", "channels_first")])
    def test(self, name, pool_args, dtype, data_format):
        from unittest import mock
        from conformance import reference
        from kerasmini.ops.max_pooling_vjp import max_pool_of_relu_vjp
        harness.note("grad Conv2D relu + MaxPooling2D", dtype, "gradients")
        rng = np.random.default_rng(harness.seed_of("conv-relu-pool", name))
        shape = (2, 2, 9, 8) if data_format == "channels_first" else (2, 9, 8, 2)
        x = rng.standard_normal(shape).astype(dtype)
        kernel = (rng.standard_normal((3, 3, 2, 3)) / 3).astype(dtype)
        bias = np.array([-0.3, 0.1, -1.0], dtype)
        conv_args = dict(filters=3, kernel_size=3, activation="relu", data_format=data_format,
                         dtype=dtype)
        pool_args = dict(pool_args, data_format=data_format, dtype=dtype)

        def model(lib):
            stack = lib.Sequential([lib.layers.Conv2D(**conv_args),
                                    lib.layers.MaxPooling2D(**pool_args)])
            stack.build(shape)
            stack.layers[0].set_weights([kernel, bias])
            return stack

        km_model = model(kerasmini)
        tf_model = model(keras)
        seed_grad = rng.standard_normal(km_model(x).shape).astype(dtype)
        calls = []
        joint = {"bias_add_relu": lambda *a: calls.append(1) or max_pool_of_relu_vjp(*a)}
        with mock.patch.dict(kernels.max_pool.through, joint):
            with kerasmini.GradientTape() as tape:
                x_t = tape.watch(x)
                loss = kerasmini.ops.sum(km_model(x_t, training=True) * seed_grad)
            km = tape.gradient(loss, [x_t] + km_model.layers[0].trainable_weights)
        self.assertEqual(calls, [1], "the joint rule did not run")
        xt = tf.constant(x)
        with tf.GradientTape() as tf_tape:
            tf_tape.watch(xt)
            tf_loss = tf.reduce_sum(tf_model(xt, training=True) * seed_grad)
        tf_grads = [np.asarray(g) for g in tf_tape.gradient(
            tf_loss, [xt] + tf_model.layers[0].trainable_weights)]

        bias_shape = (3,) if data_format == "channels_last" else (3, 1, 1)

        def reference_loss(x64, kernel64, bias64):
            y = np.maximum(reference.conv2d(x64, kernel64, None, 1, "valid", data_format, 1)
                           + bias64.reshape(bias_shape), 0)
            pooled = reference.max_pool2d(y, pool_args["pool_size"], pool_args.get("strides"),
                                          pool_args.get("padding", "valid"), data_format)
            return np.sum(pooled * seed_grad.astype(np.float64))

        operands = [x.astype(np.float64), kernel.astype(np.float64), bias.astype(np.float64)]
        for index, what in enumerate(["input", "kernel", "bias"]):
            ref = np.zeros(operands[index].shape)
            for element in np.ndindex(*ref.shape):
                up, down = [o.copy() for o in operands], [o.copy() for o in operands]
                up[index][element] += 1e-6
                down[index][element] -= 1e-6
                ref[element] = (reference_loss(*up) - reference_loss(*down)) / 2e-6
            harness.three_way(km[index], tf_grads[index], ref, dtype,
                              f"Conv2D relu + MaxPooling2D {pool_args} {dtype}: {what}",
                              rtol=GRAD_RTOL[dtype])
