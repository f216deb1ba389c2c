"""Max pooling's gradient, differentiable again: the same routing, as recorded ops.

max_pool's rule sends each window's gradient to one input pixel, the window's first
maximum in row-major order (max_pooling_vjp.py). Which pixel that is depends on x only
through comparisons, so the rule is linear in g with a routing that is constant almost
everywhere: its derivative with respect to x is 0, and with respect to g it is the
transposed routing, which gathers each window's winner. In recorded mode (a gradient
taken inside an outer tape) the winners' positions are found once, an index of x per
output element, and the rule is `scatter(g, x's shape, index)`: a recorded op whose
rule is the gather g[index], whose rule is the scatter (autodiff/numpy_rules.py). Exact
to any order, and the routing is the first-order rule's, ties and NaNs included.
"""
import numpy as np

from kerasmini.autodiff.numpy_rules import scatter
from kerasmini.ops.layout import to_channels_last
from kerasmini.ops.window_gradients import pooling_geometry
from kerasmini.ops.windows import pad_spatial, window_view


def window_winners(x, out, pool_size, strides, pads):
    """(image, row, column, channel) index arrays broadcasting to out's (N, OH, OW, C)
    shape: for each window of the NHWC x, the input pixel its gradient goes to (its
    first maximum in row-major order; a NaN window's first NaN; never a pad)."""
    kh, kw = pool_size
    out_hw = out.shape[1:3]
    windows = window_view(pad_spatial(x, pads, np.nan), pool_size, strides, (1, 1), out_hw)
    inside = window_view(pad_spatial(np.ones((1, *x.shape[1:3], 1), bool), pads, False),
                         pool_size, strides, (1, 1), out_hw)
    best = out[:, :, :, None, None, :]
    hits = ((windows == best) | (np.isnan(windows) & np.isnan(best))) & inside
    first = np.argmax(hits.reshape(*out.shape[:3], kh * kw, out.shape[3]), axis=3)
    row_offset, column_offset = np.divmod(first, kw)
    image, row, column, channel = np.indices(out.shape, sparse=True)
    return (image, row * strides[0] + row_offset - pads[0][0],
            column * strides[1] + column_offset - pads[1][0], channel)


def max_pool_vjp_recorded(g, out, inputs, pool_size, strides=None, padding="valid",
                          data_format=None):
    """max_pool's rule for a gradient taken inside an outer tape: g (traced) scattered
    to each window's winner by recorded ops (the module doc)."""
    x, _, pool_size, strides, pads, data_format = pooling_geometry(
        inputs, out, pool_size, strides, padding, data_format)
    winners = window_winners(x, to_channels_last(np.asarray(out), data_format), pool_size,
                             strides, pads)
    dx = scatter(to_channels_last(g, data_format), x.shape, winners)
    return dx if data_format == "channels_last" else np.moveaxis(dx, -1, 1)
