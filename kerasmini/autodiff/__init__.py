"""Automatic differentiation: GradientTape and the one hook every differentiable op calls.

The API (what `fit`, losses, optimizers and custom training loops use)
-----------------------------------------------------------------------
`GradientTape(persistent=False, watch_accessed_variables=True)`, as tf.GradientTape::

    with kerasmini.GradientTape() as tape:
        y_pred = model(x, training=True)
        loss = loss_fn(y, y_pred) + sum(model.losses)
    grads = tape.gradient(loss, model.trainable_weights)   # list of arrays (or None)

- `tape.watch(x)`: x a NumPy array (known by identity: watch the very array you pass
  on), a Variable, or a list of them. It returns x as a TapeArray (TF returns None):
  write `x = tape.watch(x)` when you do NumPy arithmetic on x yourself. Trainable
  Variables read while recording are watched automatically (unless
  watch_accessed_variables=False).
- `tape.gradient(target, sources, output_gradients=None, unconnected_gradients="none")`:
  the gradient of sum(target) (a list of targets: of their sum) with respect to each
  source, in the structure of `sources`; each an ndarray of the source's shape and
  dtype, None for a source the target does not depend on ("zero": zeros). A
  non-persistent tape answers once (RuntimeError after, as TF).
- `tape.jacobian(target, sources)`, `tape.batch_jacobian(target, source)`, as TF's:
  one backward per output element (jacobians.py).
- `tape.stop_recording()`, `tape.reset()`, `tape.watched_variables()`.

`record(output, inputs, vjp, name) -> output'`: the one hook of a differentiable
function. `output` is the ndarray just computed from plain arrays, `inputs` the
arrays/Variables it came from (as the function received them), `vjp(g)` returns one
gradient per input (None where there is none) of that input's shape. Hand on the
*returned* value (a TapeArray the tape knows when an input was watched). With no tape
active it returns `output` at once. `@differentiable(vjp, inputs=n)` wraps a whole
kernel: see tape.differentiable (a vjp with a `needed` parameter learns which inputs a
tape follows and may skip the others' gradients, as conv's does for a first layer).

Two ops' rules in one: `differentiable(vjp, through={producer name: joint rule})`
lets a one-input op differentiate itself together with the op that produced its input,
when nothing else reads that value (no other op, not a target, not a source): the tape
then calls the joint rule for both and skips the producer's. One rule per kernel stays
the rule; a joint rule is for pairs whose gradient is cheaper together than apart
(max pooling of a Conv2D's relu: the relu's mask and the bias's sum on the pooled grid,
4x fewer values; ops/max_pooling_vjp.py). Either rule alone must stay correct: the
tape falls back to them whenever the condition fails or the joint rule declines.

`is_recording()`; `NoGradientError` (a LookupError) for everything the tape cannot
differentiate; `TapeArray` (the ndarray subclass of recorded values).

How values are followed, and why
--------------------------------
Each recorded output is returned as a TapeArray registered with the tape by identity;
a Variable read while recording (`layer.kernel.value`) returns a registered TapeArray
view of its array, so the layer code is unchanged. Identity alone cannot tell a
constant from an array computed from recorded values by NumPy code the tape did not
see (both are "new arrays it does not know"): that would be a silent wrong gradient.
The subclass closes the gap: NumPy calls `TapeArray.__array_ufunc__` /
`__array_function__` for any operation on one, so such arithmetic is either recorded
(operators, np.exp, np.sum, np.concatenate, ... have rules in numpy_rules.py) or its
result is *tainted*, and a tainted array reaching a recorded op or `gradient` raises
NoGradientError naming the NumPy function. Views made by ndarray methods are
recorded (reshape, transpose, .T, indexing, copy, astype) or tainted likewise.

In-place NumPy (`y += b`, `np.maximum(y, 0, out=y)`) while recording: the result is
recorded as a new array and returned; the `out` array keeps its old value (earlier
gradient rules may read it) and is tainted, so reading it afterwards raises. Code that
uses the returned value (as `+=` and `return np.maximum(..., out=y)` do) is correct.

Layers: `Layer.__call__` checks, while recording, that every recorded input and every
watched trainable weight of a layer is connected to its output by what was recorded
during the call (`marks()` / `unreached()`: a walk over the call's own entries);
otherwise it raises NoGradientError naming the layer and what is cut off. So a layer
without a gradient rule (a new one whose call() uses NumPy functions without rules, or
a kernel that takes np.asarray of its input) fails loudly, never with a None or zero
gradient.

Limits: `np.asarray(t)` detaches on purpose (as `.numpy()` in TF). The one gap:
NumPy arithmetic on a watched *plain* array (`tape.watch(x); np.exp(-x)`) cannot be
seen, because NumPy calls nobody back for plain arrays, and `-x` is then a constant to
the tape. Layers and kerasmini.ops follow a watched array; for your own NumPy code use
the TapeArray `tape.watch(x)` returns (`x = tape.watch(x)`). Variables have no gap:
their `.value` is a TapeArray while recording. Nested tapes: a
gradient taken while an outer tape follows its target runs its rules recorded (on the
traced values, `vjp.recorded`), so the outer tape differentiates it again; rules not
declared recordable mark their gradients instead (tape._recorded_rule, README).
Cost with no tape active: one list truth test per differentiable op and per
`Variable.value` read.
"""
from kerasmini.autodiff.errors import NoGradientError
from kerasmini.autodiff.numpy_rules import unbroadcast
from kerasmini.autodiff.tape import (GradientTape, differentiable, is_live, is_recording,
                                     marks, record, track, unreached, watches_variables)
from kerasmini.autodiff.traced import TapeArray

__all__ = ["GradientTape", "NoGradientError", "TapeArray", "differentiable", "is_live",
           "is_recording", "marks", "record", "track", "unbroadcast", "unreached",
           "watches_variables"]
