"""keras.ops on symbolic tensors: `keras.ops.mean(x, axis=1)` on a KerasTensor records a
node of the functional graph, as Keras 3 records an *operation*.

Each op that Keras makes an Operation class for is declared with its Keras class name
and the arguments that class takes in its constructor (its saved config); the others
are the call's arguments (tensors, or values beside them), in the op's own order:

    @keras_operation("Mean", config=("axis", "keepdims"))
    def mean(x, axis=None, keepdims=False): ...

Called on arrays the function runs as written. Called with a KerasTensor anywhere among
its arguments it computes nothing: `layers/operation.py` records a node whose output
shape and dtype come from running the function on small probe arrays (unknown sizes
tried as 2 and 3: a size that follows them is unknown in the output too). Saved, the
node is Keras's (module, class name, config, positional call arguments), and loading
finds the class in `declared_operations()`, a table of what is declared here: nothing
else.

The graph node lives in layers/ (above ops/), so it is imported when first needed.
"""
import functools
import importlib
import inspect
from collections import namedtuple

OperationSpec = namedtuple("OperationSpec", ["class_name", "module", "function",
                                             "config", "call"])

# (Keras module, class name) -> OperationSpec, for every op declared with keras_operation
OPERATIONS = {}
# the (module, class name) of ops whose Keras function passes every call argument, None
# included (LayerNorm's gamma and beta): their nodes keep the trailing Nones others drop
FULL_CALLS = set()

# the files that declare operations; imported by declared_operations() before a lookup,
# since kerasmini.ops imports each file on first use
FAMILIES = ("arrays", "contractions", "core", "creation", "elementwise", "image", "linalg",
            "math", "nn", "reductions")


def declared_operations():
    """OPERATIONS, once every family file has declared its operations."""
    for family in FAMILIES:
        importlib.import_module(f"kerasmini.ops.{family}")
    return OPERATIONS


NUMPY, NN, CORE, LINALG, MATH, IMAGE = (f"keras.src.ops.{m}" for m in (
    "numpy", "nn", "core", "linalg", "math", "image"))


def keras_operation(class_name, config=(), module=NUMPY, full_call=False):
    """Declare `function` as Keras's operation `class_name` (see the module docstring);
    full_call: its nodes keep every call argument given, as FULL_CALLS says."""
    if full_call:
        FULL_CALLS.add((module, class_name))

    def wrap(function):
        signature = inspect.signature(function)
        call = tuple(name for name in signature.parameters if name not in config)
        spec = OperationSpec(class_name, module, function, tuple(config), call)
        OPERATIONS[(module, class_name)] = spec

        @functools.wraps(function)
        def op(*args, **kwargs):
            if _any_symbolic(args) or _any_symbolic(kwargs.values()):
                from kerasmini.layers.operation import record_operation
                return record_operation(spec, signature.bind(*args, **kwargs))
            return function(*args, **kwargs)

        op.spec = spec
        return op
    return wrap


def _any_symbolic(values):
    return any(_is_symbolic(v) for v in values)


def _is_symbolic(value):
    if isinstance(value, (list, tuple)):
        return _any_symbolic(value)
    return type(value).__name__ == "KerasTensor" and hasattr(value, "_keras_history")
