"""Keras 3's tensor operations as nodes of a functional graph.

In Keras 3, `x + 3.0` or `x * y` on symbolic tensors records an *operation* (class Add of
module keras.src.ops.numpy, ...) in the model, and the saved config lists it among the
layers with its positional arguments (tensors and plain numbers). kerasmini records the
same nodes: an Operation is a weightless Layer called with positional arguments, not
counted in `model.layers` (as in Keras) but shown by `summary()` and saved.
"""
import numbers

import numpy as np

from kerasmini.layers.keras_tensor import KerasHistory, KerasTensor, Node, is_symbolic
from kerasmini.layers.layer import Layer
from kerasmini.layers.merging.base_merge import broadcast_shape


class Operation(Layer):
    """A weightless node called as `op(x1, x2, ...)`; subclasses define `compute(*arrays)`."""

    def __init__(self, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._build_at_init()

    def __call__(self, *args, training=None):
        for arg in args:
            if not isinstance(arg, (KerasTensor, np.ndarray, numbers.Number)):
                raise TypeError(f"Operation '{self.name}' ({type(self).__name__}) takes "
                                f"tensors and numbers. Received: {arg!r}")
        shapes = [np.shape(a) if not isinstance(a, KerasTensor) else a.shape for a in args]
        out_shape = self.compute_output_shape(shapes)
        if is_symbolic(list(args)):
            return self._record(args, out_shape)
        return self.compute(*[self._convert(a, args) for a in args])

    def _convert(self, arg, args):
        """Plain numbers take the dtype of the array arguments (Keras's weak typing);
        arrays pass as they are (a GradientTape follows them)."""
        if not isinstance(arg, numbers.Number):
            return arg
        dtypes = [a.dtype for a in args if not isinstance(a, numbers.Number)]
        return np.asarray(arg, dtype=np.result_type(*dtypes) if dtypes else self.dtype)

    output_dtype = None  # None: the tensors' dtype; "bool" for comparisons

    def _record(self, args, out_shape):
        dtypes = {a.dtype for a in args if isinstance(a, KerasTensor)}
        dtype = self.output_dtype or (dtypes.pop() if len(dtypes) == 1 else self.dtype)
        nodes = list(getattr(self, "_inbound_nodes", []))
        output = KerasTensor(out_shape, dtype=dtype,
                             name=self.name, history=KerasHistory(self, len(nodes), 0))
        node = Node(self, list(args), [output], positional=True)
        self._inbound_nodes = nodes + [node]
        return output

    def compute(self, *arrays):
        raise NotImplementedError

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(name=config.get("name"))


class Elementwise(Operation):
    """An operation on two arguments that broadcast, e.g. `x + y`, `x * 0.5`."""

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"Operation '{self.name}' ({type(self).__name__}) takes 2 "
                             f"arguments. Received {len(input_shape)}.")
        return broadcast_shape(input_shape, self.name)


class Add(Elementwise):
    def compute(self, x1, x2):
        return np.add(x1, x2)


class Subtract(Elementwise):
    def compute(self, x1, x2):
        return np.subtract(x1, x2)


class Multiply(Elementwise):
    def compute(self, x1, x2):
        return np.multiply(x1, x2)


class TrueDivide(Elementwise):
    def compute(self, x1, x2):
        return np.true_divide(x1, x2)



class NotEqual(Elementwise):
    """`x1 != x2`: how Keras 3 computes Embedding(mask_zero=True)'s and Masking's mask."""
    output_dtype = "bool"

    def compute(self, x1, x2):
        return np.not_equal(x1, x2)


class Any(Operation):
    """`np.any(x, axis, keepdims)`: a Masking layer's mask (a step is kept when any of
    its features differs from mask_value)."""
    output_dtype = "bool"

    def __init__(self, axis=None, keepdims=False, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.axis, self.keepdims = axis, bool(keepdims)

    def compute_output_shape(self, input_shape):
        (shape,) = input_shape
        axes = range(len(shape)) if self.axis is None else [self.axis % len(shape)]
        return tuple(1 if i in axes else d for i, d in enumerate(shape)
                     if self.keepdims or i not in axes)

    def compute(self, x):
        return np.any(x, axis=self.axis, keepdims=self.keepdims)

    def get_config(self):
        return {"name": self.name, "axis": self.axis, "keepdims": self.keepdims}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def not_equal(x1, x2):
    """x1 != x2 on arrays; on symbolic tensors, a NotEqual node of the graph (as Keras)."""
    return NotEqual()(x1, x2) if is_symbolic([x1, x2]) else np.not_equal(x1, x2)


def any(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name: keras.ops.any)
    return Any(axis, keepdims)(x) if is_symbolic(x) else np.any(x, axis, keepdims=keepdims)
