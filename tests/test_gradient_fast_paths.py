"""The training step's fast paths against loop references: the conv gradient that skips
what nobody needs (and its chunk boundaries), max pooling's gradient with finite and
non-finite output gradients, relu's gradient, and the tape's `needed` flags."""
import platform
from unittest import mock

import numpy as np
import pytest

from kerasmini import ops
from kerasmini.activation_gradients import RULES
from kerasmini.autodiff import GradientTape, allocator, differentiable
from kerasmini.ops import convolution_vjp, threads as threads_module
from kerasmini.ops import differentiable_kernels as kernels
from kerasmini.ops import max_pooling_vjp as max_pooling_vjp_module
from kerasmini.ops.convolution_vjp import conv_vjp
from kerasmini.ops.max_pooling_vjp import max_pool_vjp
from tests import reference
from tests.helpers import assert_close, random_input
from tests.kernel_limits import DENSE_BUDGETS, kinds, shrunk

CONV = [  # (strides, padding, dilation, groups); stride 1 "valid" here takes the scatter
    ((1, 1), "same", (1, 1), 1),
    ((1, 1), "same", (1, 2), 2),  # groups of two channels by the rotated-kernel conv
    ((1, 1), "valid", (2, 1), 2),
    ((2, 1), "same", (1, 1), 1),
    ((2, 2), "valid", (1, 1), 2),
]


def conv_gradients_reference(x, kernel, g, strides, padding, dilation, groups,
                             input_gradient=True):
    """conv is linear in each argument: d sum(conv * g) / d element = sum(conv of the
    one-hot array * g), each conv by the loop reference (dx None unless asked for)."""
    def derivative(shape, convolve):
        grad = np.zeros(shape)
        for index in np.ndindex(*shape):
            one_hot = np.zeros(shape)
            one_hot[index] = 1.0
            grad[index] = np.sum(convolve(one_hot) * g)
        return grad
    dx = derivative(x.shape, lambda e: reference.conv2d(e, kernel, None, strides, padding,
                                                        dilation, groups)
                    ) if input_gradient else None
    dk = derivative(kernel.shape, lambda e: reference.conv2d(x, e, None, strides, padding,
                                                             dilation, groups))
    return dx, dk


def _calls(monkeypatch, module, name, note):
    """module.name still runs, and each call adds note(*args) to the returned list."""
    real, seen = getattr(module, name), []
    monkeypatch.setattr(module, name, lambda *args: seen.append(note(*args)) or real(*args))
    return seen


def _conv_operands(batch, strides, padding, dilation, groups):
    """x (batch, 7, 5, 2 per group), a 3x2 kernel to 4 filters, the conv's output and a
    gradient."""
    x = random_input((batch, 7, 5, 2 * groups), seed=1)
    kernel = random_input((3, 2, 2, 4), seed=2)
    out = kernels.conv.forward(x, kernel, strides, padding, None, dilation)
    return x, kernel, out, random_input(out.shape, seed=3)


@pytest.mark.parametrize("strides,padding,dilation,groups", CONV, ids=str)
def test_conv_gradients_skip_what_is_not_needed_on_every_chunking(strides, padding, dilation,
                                                                  groups, monkeypatch):
    by_convolution = _calls(monkeypatch, convolution_vjp, "_input_gradient_stride_one",
                            lambda *args: True)
    x, kernel, out, g = _conv_operands(3, strides, padding, dilation, groups)
    expected_dx, expected_dk = conv_gradients_reference(x, kernel, g, strides, padding,
                                                        dilation, groups)
    walks = []
    for budget in DENSE_BUDGETS:
        for needed in [(True, True), (False, True), (True, False)]:
            with shrunk(workspace_bytes=budget) as walked:
                dx, dk = conv_vjp(g, out, x, kernel, strides, padding, None, dilation,
                                  needed=needed)
            walks += walked
            context = f"{strides} {padding} {dilation} groups {groups} {needed} {budget}"
            for grad, wanted, expected in [(dx, needed[0], expected_dx),
                                           (dk, needed[1], expected_dk)]:
                if wanted:
                    assert_close(grad, expected, "float64", context)
                else:
                    assert grad is None, context
    assert {"bands+remainder", "images+remainder"} <= kinds(walks)
    assert bool(by_convolution) == (strides == (1, 1) and padding == "same")


@pytest.mark.parametrize("strides,padding,dilation,groups", CONV, ids=str)
def test_conv_gradient_blocks_on_two_threads_give_the_serial_bits(strides, padding, dilation,
                                                                 groups, monkeypatch):
    # blocks of whole images run on the threads, each with its own kernel-gradient
    # buffer added in block order: the same bits as one block after the other
    parallel = _calls(monkeypatch, convolution_vjp, "over_parts",
                      lambda task, parts: len(parts))
    x, kernel, out, g = _conv_operands(5, strides, padding, dilation, groups)
    for budget in DENSE_BUDGETS:
        results = []
        for workers in (1, 2):
            with shrunk(workspace_bytes=budget, workers=workers, small_product=0):
                results.append(conv_vjp(g, out, x, kernel, strides, padding, None, dilation))
        for serial, threaded in zip(*results):
            np.testing.assert_array_equal(threaded, serial, err_msg=f"budget {budget}")
    assert parallel  # some budget cut whole images into several blocks


def test_a_kernel_gradient_within_one_workspace_is_cut_for_two_threads(monkeypatch):
    # a first layer's patches (few channels) fit the workspace whole, in one block on one
    # core; large work is cut into whole-image blocks anyway (GRADIENT_BLOCKS, never less
    # than an image), which the threads share
    parallel = _calls(monkeypatch, convolution_vjp, "over_parts",
                      lambda task, parts: len(parts))
    x, kernel, out, g = _conv_operands(9, (1, 1), "valid", (1, 1), 1)
    _, expected_dk = conv_gradients_reference(x, kernel, g, (1, 1), "valid", (1, 1), 1,
                                              input_gradient=False)
    for needed in [(False, True), (True, True)]:
        parallel.clear()
        with shrunk(workers=2, small_product=0) as walked:
            dx, dk = conv_vjp(g, out, x, kernel, (1, 1), "valid", None, (1, 1),
                              needed=needed)
        assert [rows for _, rows in walked[0]] == [slice(0, out.shape[1])] * 9, needed
        assert parallel[0] == 9, needed
        assert_close(dk, expected_dk, "float64", str(needed))


@pytest.mark.parametrize("padding,groups", [("same", 1), ("same", 2)])
def test_one_channel_per_group_scatters_at_stride_one(padding, groups, monkeypatch):
    # one input channel per group: the input gradient by the scatter, even where the
    # input is not much larger than the output (the convolution would be a
    # matrix-vector product)
    by_convolution = _calls(monkeypatch, convolution_vjp, "_input_gradient_stride_one",
                            lambda *args: True)
    x = random_input((2, 6, 5, groups), seed=1)
    kernel = random_input((3, 2, 1, 4), seed=2)
    out = kernels.conv.forward(x, kernel, 1, padding)
    g = random_input(out.shape, seed=3)
    expected_dx, expected_dk = conv_gradients_reference(x, kernel, g, (1, 1), padding,
                                                        (1, 1), groups)
    dx, dk = conv_vjp(g, out, x, kernel, 1, padding)
    assert_close(dx, expected_dx, "float64", "dx")
    assert_close(dk, expected_dk, "float64", "dk")
    assert not by_convolution


def test_conv_gradient_float32_stays_float32():
    x = random_input((2, 6, 6, 3), "float32", 1)
    kernel = random_input((3, 3, 3, 4), "float32", 2)
    out = kernels.conv.forward(x, kernel, 2, "same")
    g = random_input(out.shape, "float32", 3)
    dx, dk = conv_vjp(g, out, x, kernel, 2, "same")
    assert dx.dtype == dk.dtype == np.float32
    dx64, dk64 = conv_vjp(g.astype("float64"), out, x.astype("float64"),
                          kernel.astype("float64"), 2, "same")
    assert_close(dx, dx64, "float32", "dx")
    assert_close(dk, dk64, "float32", "dk")


def test_tape_tells_a_rule_which_inputs_it_follows():
    received = []

    def vjp(g, out, a, b, needed):
        received.append(needed)
        return (g * b if needed[0] else None), (g * a if needed[1] else None)

    multiply = differentiable(vjp, inputs=2)(lambda a, b: a * b)
    a, b = np.array([2.0, 3.0]), np.array([5.0, 7.0])
    with GradientTape() as tape:
        tape.watch(b)
        loss = ops.sum(multiply(a, b))
    np.testing.assert_array_equal(tape.gradient(loss, b), a)
    assert received == [(False, True)]


def max_pool_gradient_reference(x, g, pool, strides, padding):
    """Each window's gradient to its first NaN, else to its first maximum (row-major)."""
    n, h, w, c = x.shape
    oh, top = reference.out_size_and_pad_before(h, pool[0], strides[0], 1, padding)
    ow, left = reference.out_size_and_pad_before(w, pool[1], strides[1], 1, padding)
    dx = np.zeros(x.shape)
    for b, i, j, ch in np.ndindex(n, oh, ow, c):
        y0, z0 = i * strides[0] - top, j * strides[1] - left
        pixels = [(y, z) for y in range(max(y0, 0), min(y0 + pool[0], h))
                  for z in range(max(z0, 0), min(z0 + pool[1], w))]
        values = [x[b, y, z, ch] for y, z in pixels]
        nans = [k for k, v in enumerate(values) if np.isnan(v)]
        k = nans[0] if nans else values.index(max(values))
        dx[(b, *pixels[k], ch)] += g[b, i, j, ch]
    return dx


@pytest.mark.parametrize("pool,strides,padding", [
    ((2, 2), (2, 2), "valid"), ((3, 3), (2, 2), "same"), ((2, 3), (1, 1), "valid"),
    ((3, 2), (3, 2), "same"), ((3, 2), (1, 2), "valid"), ((2, 4), (2, 4), "valid")],
    ids=str)
@pytest.mark.parametrize("gradient", ["finite", "inf and nan", "only -inf", "only +inf"])
@pytest.mark.parametrize("threads,block_images,blocks", [
    (1, 3, [3]), (2, 3, [1, 2]), (1, 2, [1, 2]), (2, 1, [1, 1, 1])], ids=str)
def test_max_pool_gradient_matches_the_loop_reference(pool, strides, padding, gradient,
                                                      threads, block_images, blocks):
    # blocks of images (at most block_images each), on one or two threads
    rng = np.random.default_rng(4)
    x = rng.integers(0, 3, (3, 7, 6, 3)).astype("float64")  # many ties
    x[0, 1, 2, 0] = x[1, 4, 4, 2] = np.nan
    out = kernels.max_pool.forward(x, pool, strides, padding)
    g = rng.standard_normal(out.shape)
    if gradient == "inf and nan":
        g[0, 0, 0, :] = [np.inf, -np.inf, np.nan]
        g[1, -1, -1, 1] = np.nan
    elif gradient != "finite":  # one kind alone: each must turn the select on by itself
        g[0, 0, 0, 1] = g[1, -1, -1, 2] = {"only -inf": -np.inf, "only +inf": np.inf}[gradient]
    seen = []
    with shrunk(parallel_bytes=0, workers=threads), \
            mock.patch.object(max_pooling_vjp_module, "BLOCK_BYTES",
                              block_images * x[:1].nbytes), \
            mock.patch.object(max_pooling_vjp_module, "over_row_blocks",
                              _spy(threads_module.over_row_blocks, seen)):
        dx = max_pool_vjp(g, out, x, pool, strides, padding)
    assert seen == blocks  # image counts of the blocks
    np.testing.assert_allclose(dx, max_pool_gradient_reference(x, g, pool, strides, padding),
                               rtol=1e-12, atol=0)


def _spy(over_row_blocks, seen):
    def spied(task, rows, row_bytes, budget_bytes):
        images = []

        def recorded(part):
            images.append(part.stop - part.start)
            task(part)

        over_row_blocks(recorded, rows, row_bytes, budget_bytes)
        seen.extend(sorted(images))
    return spied


def test_relu_gradient_is_g_where_x_is_positive_and_keeps_nan():
    x = np.array([-1.0, 0.0, 2.0, -3.0, 4.0], "float32")
    g = np.array([1.0, 2.0, 3.0, np.nan, np.inf], "float32")
    dx = RULES["relu"](g, x, np.maximum(x, 0))
    np.testing.assert_array_equal(dx, [0.0, 0.0, 3.0, np.nan, np.inf])  # nan * 0: TF's
    assert dx.dtype == np.float32


def test_recording_keeps_freed_memory_for_the_next_step_on_glibc():
    with GradientTape():
        pass
    assert allocator.keep_freed_memory() is (platform.libc_ver()[0] == "glibc")
