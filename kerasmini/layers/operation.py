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

    def _record(self, args, out_shape):
        dtypes = {a.dtype for a in args if isinstance(a, KerasTensor)}
        nodes = list(getattr(self, "_inbound_nodes", []))
        output = KerasTensor(out_shape, dtype=dtypes.pop() if len(dtypes) == 1 else self.dtype,
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

