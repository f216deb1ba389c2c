"""GradientTape.jacobian and batch_jacobian, as tf.GradientTape's: one vector-Jacobian
product per output element (per output row for batch_jacobian), each the tape's
backward seeded with a one-hot output gradient.

jacobian(y, x)[i..., j...] = d y[i...] / d x[j...]: row i of the flattened Jacobian is
the gradient of y.flat[i], i.e. the backward seeded with the i-th unit vector.
batch_jacobian(y, x)[b, i..., j...] = d y[b, i...] / d x[b, j...] for a y whose sample
b depends on x's sample b only: one backward per position i within a sample, seeded
with ones at that position of every sample, gives all the samples' rows at once.

The rows are stacked with np.stack: inside an outer tape that follows the target, each
row is a recorded gradient (second order) and the stack is recorded too, so the
Jacobian differentiates again (a Hessian is a jacobian of a jacobian).

TensorFlow's arguments: `unconnected_gradients` as for `gradient` (batch_jacobian
returns zeros for an unconnected source either way, as TF does);
`experimental_use_pfor=False` runs the same loop (TF's while_loop; its result is the
same), and needs a persistent tape, as in TF's eager mode; `parallel_iterations`, how
many of TF's iterations run at once (memory), has no counterpart: the products run one
after the other, whatever it says, and it must be None or a positive int.
"""
import numpy as np

from kerasmini.autodiff.structure import flat


def check_options(tape, what, unconnected_gradients, parallel_iterations,
                  experimental_use_pfor):
    """TF's refusals, in TF's order, before any gradient is computed."""
    tape._check_unused()
    if unconnected_gradients not in ("none", "zero"):
        raise ValueError("Unknown value for unconnected_gradients: "
                         f"{unconnected_gradients!r}")
    counted = isinstance(parallel_iterations, int) and not isinstance(parallel_iterations,
                                                                       bool)
    if parallel_iterations is not None and not (counted and parallel_iterations >= 1):
        raise ValueError("`parallel_iterations` must be None or a positive integer. "
                         f"Received: parallel_iterations={parallel_iterations!r}")
    if not experimental_use_pfor and not tape._persistent:
        raise RuntimeError("GradientTape must be created with persistent=True to compute "
                           f"the {what} with eager execution enabled and with "
                           "experimental_use_pfor set to False.")


def jacobian(tape, target, sources, unconnected_gradients):
    """The Jacobian of `target` with respect to each of the flattened `sources`
    (module doc): a list, in the order of tape._flat."""
    target = _one_target(target, "jacobian")
    shape, size = np.shape(target), int(np.size(target))
    seeds = (np.eye(1, size, i, dtype=target.dtype).reshape(shape) for i in range(size))
    rows = tape._gradient_rows(target, sources, seeds)
    return [_stacked(source_rows, source, shape, None, unconnected_gradients)
            for source_rows, source in zip(rows, flat(sources))]


def batch_jacobian(tape, target, source, unconnected_gradients):
    """The per-sample Jacobians of `target` with respect to `source` (module doc)."""
    target = _one_target(target, "batch_jacobian")
    for array in (target, source):
        if np.ndim(array) < 2:
            raise ValueError(f"Shape {tuple(np.shape(array))} must have rank at least 2")
    if np.shape(target)[0] != np.shape(source)[0]:
        raise ValueError("Need first dimension of target shape "
                         f"({tuple(np.shape(target))}) and source shape "
                         f"({tuple(np.shape(source))}) to match.")
    shape = np.shape(target)
    batch, size = shape[0], int(np.prod(shape[1:]))
    seeds = (np.broadcast_to(np.eye(1, size, j, dtype=target.dtype), (batch, size)).reshape(
        shape) for j in range(size))
    rows = tape._gradient_rows(target, [source], seeds)[0]
    # an unconnected source: zeros whatever unconnected_gradients says, as TF's
    return _stacked(rows, source, shape[1:], batch, "zero")


def _one_target(target, what):
    if isinstance(target, (list, tuple, dict)):
        raise AttributeError(f"GradientTape.{what} differentiates one target tensor; "
                             f"received a {type(target).__name__} (tf.GradientTape fails "
                             f"with \"'{type(target).__name__}' object has no attribute "
                             "'shape'\"). Stack the targets into one array first.")
    return np.asanyarray(target)


def _stacked(rows, source, target_shape, batch, unconnected):
    """One source's rows (its gradients, or None where unconnected) as one array:
    target_shape + the source's shape, or for batch_jacobian (batch given)
    (batch, *target_shape, *the source's shape after its batch axis)."""
    source_shape, dtype = tuple(source.shape), np.dtype(source.dtype)
    shape = (tuple(target_shape) + source_shape if batch is None else
             (batch, *target_shape, *source_shape[1:]))
    if all(row is None for row in rows):
        return None if unconnected == "none" else np.zeros(shape, dtype)
    rows = [np.zeros(source_shape, dtype) if row is None else row for row in rows]
    return np.reshape(np.stack(rows, axis=0 if batch is None else 1), shape)
