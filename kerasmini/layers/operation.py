"""Keras 3's tensor operations as nodes of a functional graph.

In Keras 3, `x + 3.0`, `keras.ops.mean(x, axis=1)` or `keras.ops.concatenate([a, b])` on
symbolic tensors records an *operation* (class Add, Mean, Concatenate of module
keras.src.ops.numpy, ...) in the model, and the saved config lists it among the layers
with its constructor arguments as config and its positional arguments (tensors, lists of
them, plain numbers). kerasmini records the same nodes for every keras.ops function
declared with its Keras class (kerasmini/ops/symbolic.py): an Operation is a weightless
Layer called with positional arguments, not counted in `model.layers` (as in Keras) but
shown by `summary()` and saved.
"""
import inspect

import numpy as np

from kerasmini.layers.keras_tensor import (KerasHistory, KerasTensor, Node, is_symbolic,
                                          map_structure)
from kerasmini.layers.layer import Layer
from kerasmini.ops.symbolic import FULL_CALLS


# ----- keras.ops functions on symbolic tensors (kerasmini/ops/symbolic.py) -------------
PROBE_SIZES = (2, 3)  # an unknown size is tried as each: what follows it stays unknown


class Operation(Layer):
    """The node of a keras.ops function called on KerasTensors: Keras's class name and
    constructor arguments (`config`), called with the function's other arguments
    (tensors, numbers). One subclass per declared op (`operation_class`), named as Keras
    names it; a weightless Layer, so that recording, naming, summary rows and configs
    are the layers' own."""
    spec = None  # the op's OperationSpec

    def __init__(self, name=None, **config):
        unknown = set(config) - set(self.spec.config)
        if unknown:
            raise TypeError(f"Operation {type(self).__name__} takes the arguments "
                            f"{list(self.spec.config)}. Received: {sorted(unknown)}")
        super().__init__(name=name)
        self._build_at_init()
        self.config = config

    @property
    def CALL_KEYWORDS(self):  # noqa: N802 (what a saved call may pass by name)
        return self.spec.call

    def takes_keyword(self, key, value):
        """A saved call's keyword outside CALL_KEYWORDS: taken by an op whose function
        has **keywords (rearrange's axis sizes), when its value is an int."""
        parameters = inspect.signature(self.spec.function).parameters.values()
        return any(p.kind is p.VAR_KEYWORD for p in parameters) and type(value) is int

    def __call__(self, *args, training=None, **kwargs):
        bound = self.call_signature().bind(*args, **kwargs)
        if is_symbolic(list(bound.arguments.values())):
            return self._record_node(bound)
        return self.compute(*args, **kwargs)

    @classmethod
    def call_signature(cls):
        """The op function's signature without the constructor's (config) arguments."""
        parameters = inspect.signature(cls.spec.function).parameters.values()
        return inspect.Signature([p for p in parameters if p.name not in cls.spec.config])

    def compute(self, *args, **kwargs):
        arguments = self.call_signature().bind(*args, **kwargs).arguments
        return _invoke(self.spec.function, {**arguments, **self.config})

    def _record_node(self, bound):
        described, structure = _probe_outputs(self, bound)
        index = len(getattr(self, "_inbound_nodes", []))
        tensors = [KerasTensor(shape, dtype=dtype, name=self.name,
                               history=KerasHistory(self, index, position))
                   for position, (shape, dtype) in enumerate(described)]
        full = (self.spec.module, self.spec.class_name) in FULL_CALLS
        node = Node(self, list(bound.args) if full else _trimmed(list(bound.args)), tensors,
                    dict(bound.kwargs), positional=True)
        self._inbound_nodes = list(getattr(self, "_inbound_nodes", [])) + [node]
        return tensors[0] if structure is None else structure(tensors)

    def compute_output_shape(self, input_shape):
        """The output shape(s) for the positional arguments' shapes (a number's is ())."""
        def placeholder(shape):
            return KerasTensor(shape, dtype=self.dtype)
        args = [placeholder(s) if _is_shape(s) else [placeholder(t) for t in s]
                for s in input_shape]
        described, structure = _probe_outputs(self, self.call_signature().bind(*args))
        shapes = [shape for shape, _ in described]
        return shapes[0] if structure is None else shapes

    def get_config(self):
        return {"name": self.name, **self.config}


def _is_shape(shape):
    return isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape)


def _trimmed(args):
    """The call's positional arguments without trailing Nones (defaults Keras omits)."""
    while args and args[-1] is None:
        args.pop()
    return args


def _probe_outputs(operation, bound):
    """([(shape, dtype)] of the op's outputs, their container type or None for one
    output), from running it on probe arrays: a size that changes with the probe
    size is unknown (None)."""
    runs = []
    for size in PROBE_SIZES:
        arguments = map_structure(lambda v: _probe(v, size), dict(bound.arguments))
        with np.errstate(all="ignore"):
            runs.append(_invoke(operation.spec.function, {**arguments, **operation.config}))
    structure = type(runs[0]) if isinstance(runs[0], (list, tuple)) else None
    pairs = zip(*[r if structure else [r] for r in runs])
    return [(tuple(a if a == b else None for a, b in zip(np.shape(x), np.shape(y))),
             np.asarray(x).dtype.name) for x, y in pairs], structure


def _probe(value, size):
    """A KerasTensor as an array of its shape (unknown sizes = `size`): zeros, with
    ones on the diagonal of square matrices (so inverses and factorizations exist)."""
    if not isinstance(value, KerasTensor):
        return value
    shape = tuple(size if d is None else d for d in value.shape)
    array = np.zeros(shape, value.dtype)
    if len(shape) >= 2 and shape[-1] == shape[-2]:
        array += np.eye(shape[-1], dtype=value.dtype)
    return array


_CLASSES = {}


def operation_class(spec):
    """The Operation subclass named as Keras's class for `spec` (made once)."""
    key = (spec.module, spec.class_name)
    if key not in _CLASSES:
        _CLASSES[key] = type(spec.class_name, (Operation,),
                             {"spec": spec, "__module__": __name__,
                              "__doc__": f"Keras's {spec.class_name} operation "
                                         f"({spec.module}) as a graph node."})
    return _CLASSES[key]


def record_operation(spec, bound):
    """keras_operation's symbolic path: a new node of Keras's class for the op, called
    on the bound arguments (config arguments go to the constructor)."""
    config = {k: v for k, v in bound.arguments.items() if k in spec.config}
    cls = operation_class(spec)
    args, kwargs = _call_parts(cls.call_signature(), bound.arguments)
    return cls(**_defaults_filled(spec, config))(*args, **kwargs)


def _call_parts(signature, arguments):
    """(positional, keyword) arguments calling a function of `signature` with the named
    `arguments`: in the signature's order while none is missing (a *args parameter
    spread out), by keyword after a gap."""
    args, kwargs = [], {}
    for name, parameter in signature.parameters.items():
        if name not in arguments:
            continue
        value = arguments[name]
        if parameter.kind is parameter.VAR_POSITIONAL:
            args.extend(value)
        elif parameter.kind is parameter.VAR_KEYWORD:
            kwargs.update(value)
        elif parameter.kind is parameter.KEYWORD_ONLY or kwargs or len(args) != list(
                signature.parameters).index(name):
            kwargs[name] = value
        else:
            args.append(value)
    return args, kwargs


def _invoke(function, arguments):
    """function called with the named `arguments` (its config's and its call's)."""
    args, kwargs = _call_parts(inspect.signature(function), arguments)
    return function(*args, **kwargs)


def _defaults_filled(spec, config):
    """The constructor arguments with the function's defaults, as Keras saves them."""
    parameters = inspect.signature(spec.function).parameters
    return {name: config.get(name, parameters[name].default) for name in spec.config}
