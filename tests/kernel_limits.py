"""Shrink the kernels' size limits so that small inputs take the chunked, blocked and
threaded paths, and record the blocks each kernel walks.

Used by tests/test_kernel_paths.py (against the loop reference) and by conformance
(against tf.keras). It patches the module constants by name, so it follows a kernel
that is rewritten as long as it keeps them (WORKSPACE_BYTES, BLOCK_BYTES,
PARALLEL_BYTES, WORKERS, and SMALL_PRODUCT / MIN_ROWS of the products shared by threads).
`winograd_from` replaces both thresholds from which conv takes ops/winograd.py (its
C F / (C + F) and output pixels), so that small 3x3 stride-1 inputs take it too (0: all).
"""
import contextlib
from unittest import mock

from kerasmini.ops import (bias_activation_vjp, convolution, convolution_vjp,
                           depthwise_convolution, layer_normalize, load,
                           max_pooling_vjp, normalization, prelu, products, resizing,
                           threads, volume_convolution, volume_convolution_vjp,
                           volume_transposed_convolution, window_reduction, windows,
                           winograd)


@contextlib.contextmanager
def shrunk(workspace_bytes=None, block_bytes=None, parallel_bytes=None, workers=None,
           small_product=None, min_rows=None, winograd_from=None):
    """Within the block, the given limits replace the kernels' own; yields the list of
    [(batch slice, row slice), ...] block lists, one per kernel call (via row_blocks)."""
    walked = []

    def recording_row_blocks(*args):
        blocks = list(windows.row_blocks(*args))
        walked.append(blocks)
        return blocks

    patches = [(convolution, "WORKSPACE_BYTES", workspace_bytes),
               (depthwise_convolution, "WORKSPACE_BYTES", workspace_bytes),
               (winograd, "WORKSPACE_BYTES", workspace_bytes),
               (convolution, "WINOGRAD_MIN_CF", winograd_from),
               (convolution, "WINOGRAD_MIN_PIXELS", winograd_from),
               (resizing, "WORKSPACE_BYTES", workspace_bytes),
               (volume_convolution, "WORKSPACE_BYTES", workspace_bytes),
               (window_reduction, "BLOCK_BYTES", block_bytes),
               (layer_normalize, "BLOCK_BYTES", block_bytes),
               (bias_activation_vjp, "BLOCK_BYTES", block_bytes),
               (max_pooling_vjp, "BLOCK_BYTES", block_bytes),
               (prelu, "BLOCK_BYTES", block_bytes),
               (normalization, "BLOCK_BYTES", block_bytes),
               (threads, "PARALLEL_BYTES", parallel_bytes), (threads, "WORKERS", workers),
               (convolution, "SMALL_PRODUCT", small_product),
               (convolution_vjp, "SMALL_PRODUCT", small_product),
               (convolution_vjp, "WORKERS", workers),
               (products, "SMALL_PRODUCT", small_product), (products, "MIN_ROWS", min_rows)]
    with contextlib.ExitStack() as stack:
        for module, name, value in patches:
            if value is not None:
                stack.enter_context(mock.patch.object(module, name, value))
        if workers is not None:  # as if no other process were busy, whatever the machine
            stack.enter_context(mock.patch.object(load, "idle_cores", lambda: workers))
        for module in (convolution, convolution_vjp, depthwise_convolution,
                       window_reduction, winograd, volume_convolution,
                       volume_convolution_vjp, volume_transposed_convolution):
            if hasattr(module, "row_blocks"):
                stack.enter_context(mock.patch.object(module, "row_blocks",
                                                      recording_row_blocks))
        yield walked


def kinds(walks):
    """How each recorded call was cut: 'bands' (row bands of one image at a time) or
    'images' (groups of whole images), '+remainder' when its last block is shorter."""
    found = set()
    for walk in walks:
        if len(walk) < 2:
            continue
        kind = "bands" if any(rows.start > 0 for _, rows in walk) else "images"
        sizes = {(images.stop - images.start, rows.stop - rows.start)
                 for images, rows in walk}
        found.add(kind + ("+remainder" if len(sizes) > 1 else ""))
    return found


DENSE_BUDGETS = [1] + sorted({int(100 * 1.4 ** i) for i in range(22)})


def budgets_covering(run, wanted=("bands+remainder", "images+remainder")):
    """{kind: the first budget under which `run()` walks it}, trying budgets from one
    byte up, 1.4x apart, as the workspace and block limit; cheap (kerasmini only)."""
    found = {}
    for budget in DENSE_BUDGETS:
        with shrunk(workspace_bytes=budget, block_bytes=budget) as walked:
            run()
        for kind in kinds(walked):
            found.setdefault(kind, budget)
    missing = set(wanted) - set(found)
    assert not missing, f"no budget walks {missing}: found {found}"
    return {kind: found[kind] for kind in wanted}


@contextlib.contextmanager
def winograd_calls():
    """`with winograd_calls() as calls:` lists the convolutions conv hands to
    ops/winograd.py within the block, so a test can say which path it checked."""
    calls, real = [], convolution.conv3x3

    def recording(*args):
        calls.append(args[0].shape)
        return real(*args)

    with mock.patch.object(convolution, "conv3x3", recording):
        yield calls
