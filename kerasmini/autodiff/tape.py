"""GradientTape: records differentiable operations, then runs their VJPs backwards.

While a tape is active, every differentiable operation calls `record(output, inputs, vjp,
name)`. The tape keeps, in the order they ran, one entry per operation: the node of its
output, the nodes of its inputs and its vector-Jacobian product. `gradient()` seeds the
target's node with ones and walks the entries backwards, each VJP turning the gradient of
its output into gradients of its inputs, which add up per node.

Arrays are known to a tape by identity: `record` returns its output as a `TapeArray` (an
ndarray subclass, see traced.py) registered under its id. The tape holds a reference to
every registered array, so no id is reused while it lives.
"""
import functools
import inspect
import numbers

import numpy as np

from kerasmini.autodiff.errors import NoGradientError
from kerasmini.autodiff import allocator, jacobians
from kerasmini.autodiff.structure import flat as _flat, map_structure as _map_structure
from kerasmini.autodiff.traced import TapeArray, plain, taint, tainted

# The tapes recording now, innermost last. Every hook in kerasmini first checks
# `if _recording:`: with no tape active, that one test is all inference pays.
_recording = []


# Python types whose values are constants to a tape (the common ones, tested first)
_CONSTANT_TYPES = frozenset({int, float, bool, str})


def is_recording():
    """True while at least one GradientTape is recording."""
    return bool(_recording)


class _Node:
    """One value on the tape: an op's output, a watched array or a watched Variable."""
    __slots__ = ("name", "shape", "variable")

    def __init__(self, name, shape):
        self.name, self.shape = name, tuple(shape)


class _Entry:
    """One recorded op: its output's node, its inputs' nodes, its rule and name, and
    (for the recorded backward) the output and inputs themselves as the tapes know them."""
    __slots__ = ("output", "inputs", "vjp", "name", "traced", "sources")

    def __init__(self, output, inputs, vjp, name, traced=None, sources=()):
        self.output, self.inputs, self.vjp, self.name = output, inputs, vjp, name
        self.traced, self.sources = traced, sources


class GradientTape:
    """Records operations for automatic differentiation, as `tf.GradientTape`.

        with GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_weights)

    Args:
        persistent: allow more than one `gradient()` call (otherwise the tape frees its
            records after the first).
        watch_accessed_variables: watch every trainable Variable read while recording.
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = bool(persistent)
        self._watch_accessed = bool(watch_accessed_variables)
        self._entries = []
        self._nodes = {}       # id(array) -> node, for every registered array
        self._keep = []        # the registered arrays themselves: their ids stay unique
        self._variables = {}   # id(Variable) -> node
        self._used = False

    # ----- recording ---------------------------------------------------------------
    def __enter__(self):
        allocator.keep_freed_memory()  # each step reuses the last one's pages (why: there)
        _recording.append(self)
        return self

    def __exit__(self, *exc):
        self._stop()

    def _stop(self):
        if self in _recording:
            _recording.remove(self)

    def stop_recording(self):
        """Context manager: operations inside it are not recorded (as TF's)."""
        return _Paused(self)

    def reset(self):
        """Forget everything recorded so far."""
        self._entries, self._nodes, self._keep, self._variables = [], {}, [], {}

    def watch(self, tensor):
        """Watch an array (or a Variable, or a list of them): gradients may be taken
        with respect to it. Returns what was watched, arrays as TapeArrays (TF returns
        None; the return value is an addition): NumPy arithmetic on a *plain* watched
        array is invisible to the tape until the array enters a recorded op (NumPy does
        not call back for plain arrays), arithmetic on the returned TapeArray is not."""
        items = tensor if isinstance(tensor, (list, tuple)) else [tensor]
        watched = []
        for item in items:
            if _is_variable(item):
                self._variable_node(item)
                watched.append(item)
                continue
            if not isinstance(item, np.ndarray):
                raise TypeError("GradientTape.watch() takes NumPy arrays or Variables (an "
                                f"array is known by identity); received {item!r}. Convert "
                                "it with np.asarray first and watch that.")
            if id(item) not in self._nodes:
                self._register(item, _Node("watched array", item.shape))
            watched.append(track(item))
        return watched if isinstance(tensor, (list, tuple)) else watched[0]

    def watched_variables(self):
        return [node.variable for node in self._variables.values()]

    def _variable_node(self, variable):
        node = self._variables.get(id(variable))
        if node is None:
            node = self._variables[id(variable)] = _Node(variable.path, variable.shape)
            node.variable = variable
        return node

    def _register(self, array, node):
        self._nodes[id(array)] = node
        self._keep.append(array)

    def _node_of(self, value, op_name):
        """The node of an input of `op_name`: None for a constant; raises for an array
        derived from recorded values by arithmetic the tape did not see."""
        # by id first: a registered array is kept alive, so no other object has its id
        node = self._nodes.get(id(value))
        if node is not None:
            return node
        if value is None or type(value) in _CONSTANT_TYPES or isinstance(
                value, (numbers.Number, str)):
            return None
        if _is_variable(value):
            if self._watch_accessed and value.trainable:
                return self._variable_node(value)
            return self._variables.get(id(value))
        if tainted(value):
            raise NoGradientError(
                f"'{op_name}' received an array computed from recorded values by "
                f"{value._taint}, which GradientTape does not record, so its gradient "
                "would be wrong. Use the differentiable operations of kerasmini.ops "
                "(or Python operators on the recorded arrays) between recorded operations.")
        return None

    # ----- differentiating ----------------------------------------------------------
    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients="none"):
        """Gradients of `target` (the sum of its elements) with respect to `sources`.

        `sources` is a Variable, a watched array, or a list/tuple/dict of them; the
        result has the same structure, each gradient an array of its source's shape
        and dtype, or None for a source the target does not depend on
        (`unconnected_gradients="zero"`: zeros instead).
        """
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError("Unknown value for unconnected_gradients: "
                             f"{unconnected_gradients!r}")
        self._check_unused()
        if self in _recording:
            paused = _Paused(self)
            with paused:
                return self.gradient(target, sources, output_gradients, unconnected_gradients)
        self._used = True
        # an outer tape follows the target (a gradient penalty): the backward runs in
        # recorded mode, so the outer tape records the arithmetic of the rules and the
        # gradients are differentiable again (second order); else plain and fast
        followed = any(is_live(t) for t in _flat(target) + _flat(output_gradients))
        grads = self._backward(_flat(target), output_gradients, _flat(sources), followed)
        result = _map_structure(
            lambda source: self._source_gradient(source, grads, unconnected_gradients),
            sources)
        if not self._persistent:
            self.reset()
        return result

    def jacobian(self, target, sources, unconnected_gradients="none",
                 parallel_iterations=None, experimental_use_pfor=True):
        """d target[i...] / d source[j...] for each of `sources` (a structure, as in
        `gradient`): arrays of shape target.shape + source.shape, None for a source the
        target does not depend on ("zero": zeros). As tf.GradientTape.jacobian;
        the arguments and how it is computed: autodiff/jacobians.py."""
        jacobians.check_options(self, "jacobian", unconnected_gradients,
                                parallel_iterations, experimental_use_pfor)
        results = iter(jacobians.jacobian(self, target, sources, unconnected_gradients))
        return _map_structure(lambda source: next(results), sources)

    def batch_jacobian(self, target, source, unconnected_gradients="none",
                       parallel_iterations=None, experimental_use_pfor=True):
        """d target[b, i...] / d source[b, j...], shape (batch, *target.shape[1:],
        *source.shape[1:]), for a target whose sample b depends on source's sample b
        only. As tf.GradientTape.batch_jacobian (autodiff/jacobians.py)."""
        jacobians.check_options(self, "batch_jacobian", unconnected_gradients,
                                parallel_iterations, experimental_use_pfor)
        return jacobians.batch_jacobian(self, target, source, unconnected_gradients)

    def _check_unused(self):
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute "
                               "one set of gradients (or jacobians)")

    def _gradient_rows(self, target, sources, seeds):
        """One backward from `target` per output gradient in `seeds`: for each of the
        flattened `sources`, the list of its gradients (None where unconnected)."""
        self._check_unused()
        if self in _recording:
            with _Paused(self):
                return self._gradient_rows(target, sources, seeds)
        self._used = True
        flat = _flat(sources)
        followed = is_live(target)  # an outer tape follows it: rows differentiable
        rows = [[] for _ in flat]
        for seed in seeds:
            grads = self._backward([target], [seed], flat, followed)
            for source, source_rows in zip(flat, rows):
                source_rows.append(self._source_gradient(source, grads, "none"))
        if not self._persistent:
            self.reset()
        return rows

    def _backward(self, targets, output_gradients, sources=(), followed=False):
        """Run the VJPs from `targets` back to the start; node -> accumulated gradient.
        followed: an outer tape follows the targets, so run the rules recorded
        (`_recorded_rule`)."""
        seeds = (_flat(output_gradients) if output_gradients is not None
                 else [None] * len(targets))
        grads = {}
        for target, seed in zip(targets, seeds):
            node = self._node_of(target, "GradientTape.gradient (the target)")
            if node is None:
                continue
            target = plain(target)
            if seed is None:
                seed = np.ones_like(target)
            elif followed and isinstance(seed, TapeArray):  # an outer tape follows it
                seed = seed.astype(target.dtype, copy=False)
            else:
                seed = np.asarray(seed, target.dtype)
            _accumulate(grads, node, seed)
        graph = None  # who produces and who reads each node: built if a rule can fuse
        for entry in reversed(self._entries):
            grad = grads.get(entry.output)
            if grad is None:
                continue
            if entry.vjp is None:
                raise NoGradientError(f"No gradient defined for operation '{entry.name}'.")
            if followed:
                input_grads = _recorded_rule(entry, grad)
            elif getattr(entry.vjp, "through", None):
                graph = graph or self._graph(sources)
                if self._fused_backward(entry, grad, grads, graph):
                    continue
                input_grads = _plain_rule(entry, grad)
            else:
                input_grads = _plain_rule(entry, grad)
            for node, input_grad in zip(entry.inputs, input_grads):
                if node is not None and input_grad is not None:
                    _accumulate(grads, node, _checked(input_grad, node, entry.name))
        return grads

    def _graph(self, sources):
        """(producer entry of each op output, times each node is read, the nodes asked
        for as sources): what _fused_backward needs to know a value is read once."""
        producers = {entry.output: entry for entry in self._entries}
        readers = {}
        for entry in self._entries:
            for node in entry.inputs:
                readers[node] = readers.get(node, 0) + 1
        asked = {self._nodes.get(id(source)) for source in sources}
        return producers, readers, asked

    def _fused_backward(self, entry, grad, grads, graph):
        """Run a one-input entry's rule and its input's producer's as one, when the
        entry's rule offers a joint rule for that producer (vjp.through, by op name)
        and nothing else needs the value between them: no other op reads it, it is no
        target (it has no gradient yet) and no source. The joint rule returns the
        producer's input gradients (None: it declines, and each rule runs alone);
        the producer then has no output gradient and is skipped. Returns True if the
        joint rule ran. (Max pooling of a bias + relu: ops/max_pooling_vjp.py.)"""
        producers, readers, asked = graph
        if len(entry.inputs) != 1:
            return False
        node = entry.inputs[0]
        producer = producers.get(node)
        if (producer is None or readers.get(node) != 1 or node in grads or node in asked
                or producer.vjp is None):
            return False
        joint = entry.vjp.through.get(producer.name)
        saved = getattr(producer.vjp, "saved", None)
        if joint is None or saved is None:
            return False
        needed = tuple(input_node is not None for input_node in producer.inputs)
        input_grads = joint(grad, entry.vjp.saved, saved, needed)
        if input_grads is None:
            return False
        for input_node, input_grad in zip(producer.inputs, input_grads):
            if input_node is not None and input_grad is not None:
                _accumulate(grads, input_node,
                            _checked(input_grad, input_node, f"{entry.name} of {producer.name}"))
        return True

    def _source_gradient(self, source, grads, unconnected):
        if _is_variable(source):
            node, like = self._variables.get(id(source)), source._value
        else:
            node, like = self._nodes.get(id(source)), plain(np.asanyarray(source))
        grad = None if node is None else grads.get(node)
        if grad is None:
            return np.zeros_like(like) if unconnected == "zero" else None
        if isinstance(grad, TapeArray):  # recorded mode: a copy the outer tapes follow
            return (taint(np.array(plain(grad), like.dtype), grad._taint) if tainted(grad)
                    else grad.astype(like.dtype, copy=True))
        return np.array(grad, dtype=like.dtype, copy=True)


def _plain_rule(entry, grad):
    """An entry's rule on plain arrays (first order: nothing records it)."""
    if getattr(entry.vjp, "takes_needed", False):
        return entry.vjp(grad, tuple(node is not None for node in entry.inputs))
    return entry.vjp(grad)


SECOND_ORDER = ("the gradient rule of '{}', run by GradientTape.gradient inside another "
                "recording GradientTape: that rule is not differentiable yet (no "
                "second-order gradient through it); compute the gradient outside the "
                "outer tape if it is only read")


def _recorded_rule(entry, grad):
    """An entry's rule in recorded mode: on the output gradient and the forward values
    as the outer tapes know them, so the outer tapes record its arithmetic. Only a rule
    declared recordable (`vjp.recorded(g, out, sources)`, written with operations the
    tape records) runs so; any other computes plain gradients, marked (taint) when an
    outer tape follows its output gradient or its forward values, so that they raise
    where an outer tape would use them, rather than be constants in silence."""
    rule = getattr(entry.vjp, "recorded", None)
    if rule is not None and not tainted(grad):
        return rule(grad, entry.traced, [_traced_source(s) for s in entry.sources])
    input_grads = _plain_rule(entry, plain(grad))
    if not (tainted(grad) or is_live(grad) or is_live(entry.traced)):
        return input_grads  # nothing an outer tape follows: exact constants
    how = grad._taint if tainted(grad) else SECOND_ORDER.format(entry.name)
    return [None if g is None else taint(g, how) for g in input_grads]


def _traced_source(source, seen=None):
    """An op's input as the active tapes know it: a Variable as a registered view of
    `seen` (the plain value its forward read: a later assign does not change it), an
    array overwritten in place since (`out=`, numpy_rules._overwritten) as the view
    that now stands for its recorded value."""
    if _is_variable(source):
        return read_variable(source, source._value if seen is None else seen)
    if tainted(source) and getattr(source, "_recorded_value", None) is not None:
        return source._recorded_value
    return source


def traced_inputs(sources, seen):
    """The recorded op's `sources` as the active tapes know them (`_traced_source`)."""
    return [_traced_source(s, v) for s, v in zip(sources, seen)]


class _Paused:
    """Takes a tape off the recording stack for the duration of a `with` block."""

    def __init__(self, tape):
        self.tape = tape
        self.was_recording = False

    def __enter__(self):
        self.was_recording = self.tape in _recording
        self.tape._stop()

    def __exit__(self, *exc):
        if self.was_recording:
            _recording.append(self.tape)


def record(output, inputs, vjp, name):
    """Put one operation on every active tape that sees one of its inputs.

    output: the ndarray the operation just computed (from plain arrays).
    inputs: the arrays / Variables it was computed from, as the caller received them.
    vjp:    vjp(grad_output) -> one gradient per input (None where not differentiable),
            each of its input's shape (or broadcastable to it). None: no gradient exists,
            an error if the gradient ever reaches this operation.
    name:   the operation's name, for error messages.

    Returns the output to hand on: a TapeArray registered with the tapes when it depends
    on watched values, otherwise `output` itself. With no tape active it returns at once.
    """
    if not _recording:
        return output
    traced = None
    for tape in _recording if len(_recording) == 1 else list(_recording):
        nodes = [tape._node_of(x, name) for x in inputs]
        if nodes.count(None) == len(nodes):
            continue
        if traced is None:
            traced = np.asarray(output).view(TapeArray)
            traced._recorded = True
        node = _Node(name, traced.shape)
        tape._register(traced, node)
        tape._entries.append(_Entry(node, nodes, vjp, name, traced, inputs))
    return output if traced is None else traced


def differentiable(vjp, inputs=1, name=None, through=None, recorded=None):
    """Decorator making a NumPy kernel an operation the tape records.

    `forward(*args, **options)` runs on plain arrays (TapeArrays unwrapped, Variables
    read) and keeps its signature; its first `inputs` positional arguments are the
    differentiable ones. `vjp(g, out, *args, **options)` gets the output gradient, the
    output and the same plain arguments, and returns one gradient per differentiable
    input (or, for one input, the gradient alone). A vjp with a `needed` parameter also
    gets a tuple of booleans, one per differentiable input, False for an input no tape
    follows (a constant, such as the data a model's first layer reads): it may skip
    that gradient (None), which for a first convolution is half the backward's work.
    With no tape active the kernel is called directly: nothing else runs.

    `through` {producer op name: joint rule}: for a one-input op, a rule that
    differentiates this op and the op that produced its input at once, run when nothing
    else reads that input (GradientTape._fused_backward). `joint(g, (out, args, kwargs),
    (producer's out, args, kwargs), needed)` returns the producer's input gradients, or
    None to decline. Each recorded rule keeps its op's (out, plain args, kwargs) in
    `.saved` for it.

    `recorded`: the rule to run when an outer tape follows the gradient (a gradient
    penalty): the same signature as `vjp` (without `needed`), written only with
    operations a tape records (NumPy operators and functions with rules, recorded ops;
    no `out=`, no in-place writes, no np.asarray of a traced value), so that its
    arithmetic on the traced output gradient and inputs is itself differentiable.
    True: `vjp` itself is written so. None: the gradient is marked as not
    differentiable (NoGradientError where an outer tape uses it).
    """
    recorded_rule = vjp if recorded is True else recorded
    takes_needed = "needed" in inspect.signature(vjp).parameters

    def wrap(forward):
        op_name = name or forward.__name__

        @functools.wraps(forward)
        def op(*args, **kwargs):
            if not _recording:
                return forward(*args, **kwargs)
            plain_args = [_array_of(a) for a in args]
            out = forward(*plain_args, **kwargs)
            if takes_needed:
                def backward(g, needed):
                    return _as_tuple(vjp(g, out, *plain_args, needed=needed, **kwargs))
                backward.takes_needed = True
            else:
                def backward(g):
                    return _as_tuple(vjp(g, out, *plain_args, **kwargs))
            backward.saved = (out, plain_args, kwargs)
            if recorded_rule is not None:
                def backward_recorded(g, traced_out, sources):
                    args = traced_inputs(sources, plain_args) + plain_args[len(sources):]
                    return _as_tuple(recorded_rule(g, traced_out, *args, **kwargs))
                backward.recorded = backward_recorded
            if op.through:
                backward.through = op.through
            return record(out, args[:inputs], backward, op_name)

        op.forward = forward  # the bare kernel, for benchmarks and tests
        op.vjp = vjp  # its rule (tests check that both take the same arguments)
        op.recorded = recorded_rule  # its recordable rule, or None (the same check)
        op.through = through if through is not None else {}  # (tests replace entries)
        return op

    return wrap


def _as_tuple(grads):
    """A one-input rule may return its gradient alone rather than a 1-tuple."""
    return grads if isinstance(grads, (tuple, list)) else (grads,)


def _array_of(value):
    if _is_variable(value):
        return value._value
    return plain(value)


def read_variable(variable, value):
    """What `Variable.value` returns while recording: a TapeArray view registered with
    the tapes that watch `variable`, so reading it is seen (and derived views are
    caught); the plain value when no tape watches it."""
    known = []
    for tape in _recording:
        node = tape._variables.get(id(variable))
        if node is None and tape._watch_accessed and variable.trainable:
            node = tape._variable_node(variable)
        if node is not None:
            known.append((tape, node))
    return _registered_view(value, known)


def track(x):
    """x in a form NumPy arithmetic on it is recorded: a watched plain array becomes a
    TapeArray view registered as the same node. Anything else is returned as is."""
    if not _recording or isinstance(x, TapeArray) or not isinstance(x, np.ndarray):
        return x
    return _registered_view(x, [(tape, tape._nodes[id(x)]) for tape in _recording
                                if id(x) in tape._nodes])


def _registered_view(array, known):
    """One TapeArray view of `array`, registered as `node` with each (tape, node) of
    `known`; `array` itself when no tape knows it."""
    if not known:
        return array
    view = array.view(TapeArray)
    view._recorded = True
    for tape, node in known:
        tape._register(view, node)
    return view


def marks():
    """Where each active tape's record ends now (for `unreached`)."""
    return [len(tape._entries) for tape in _recording]


def unreached(outputs, sources, since):
    """The `sources` (arrays or Variables known to an active tape) that nothing recorded
    after `since` (from `marks()`) connects to any of `outputs`: a computation that
    left the tape somewhere between them."""
    missing = []
    for tape, mark in zip(_recording, since):
        reached = {tape._nodes.get(id(out)) for out in outputs} - {None}
        for entry in reversed(tape._entries[mark:]):
            if entry.output in reached:
                reached.update(node for node in entry.inputs if node is not None)
        for source in sources:
            node = (tape._variables.get(id(source)) if _is_variable(source)
                    else tape._nodes.get(id(source)))
            if node is not None and node not in reached and \
                    all(source is not other for other in missing):
                missing.append(source)
    return missing


def watches_variables():
    """True if an active tape watches the trainable Variables it sees read."""
    return any(tape._watch_accessed for tape in _recording)


def is_live(value):
    """True if `value` is registered with an active tape (depends on watched values)."""
    return any(id(value) in tape._nodes for tape in _recording)


def _checked(grad, node, op_name):
    """A VJP must return a gradient of its input's shape: a wrong one is a bug, not
    something to broadcast away."""
    grad = np.asanyarray(grad)  # a recorded gradient stays a TapeArray
    if grad.shape != node.shape:
        raise ValueError(f"The gradient rule of '{op_name}' returned a gradient of shape "
                         f"{grad.shape} for an input of shape {node.shape}.")
    return grad


def _accumulate(grads, node, grad):
    previous = grads.get(node)
    if previous is None:
        grads[node] = grad
    elif tainted(previous) or tainted(grad):  # a marked sum, not an error now
        grads[node] = taint(plain(previous) + plain(grad),
                            previous._taint if tainted(previous) else grad._taint)
    else:
        grads[node] = previous + grad


def _is_variable(value):
    """A kerasmini Variable (duck-typed: variables.py sits above autodiff)."""
    return getattr(value, "_is_variable", False)
