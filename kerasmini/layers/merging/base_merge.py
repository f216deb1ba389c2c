"""Merge: layers called on a list of inputs (Add, Multiply, ..., Concatenate, Dot)."""

from kerasmini.layers.keras_tensor import is_symbolic, symbolic_call
from kerasmini import autodiff
from kerasmini.layers.layer import Layer, call_recorded


class Merge(Layer):
    """Takes a non-empty list of inputs (one input passes through, as in Keras); subclasses
    define `_merge` and the shapes."""

    mask_not_implemented = True  # Keras's reads a mask; a mask here raises (layer.py)

    def __call__(self, inputs, training=None, **kwargs):
        if is_symbolic(inputs):
            self._check_list(inputs)
            return symbolic_call(self, list(inputs), **kwargs)
        self._check_list(inputs)
        arrays = [self._convert_input(x) for x in inputs]
        shapes = [x.shape for x in arrays]
        self.compute_output_shape(shapes)  # raises before any state changes
        if not self.built:
            self._build_or_undo(shapes)
        if autodiff.is_recording():
            outputs = call_recorded(self, arrays, lambda: self.call(arrays))
        else:
            outputs = self.call(arrays)
        self._activity_losses = self._activity_penalty(outputs)
        return outputs

    def _check_list(self, inputs):
        if not isinstance(inputs, (list, tuple)) or not inputs:
            raise ValueError("A merge layer should be called on a non-empty list of "
                             f"inputs. Received: inputs={inputs!r}")

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        """Elementwise merges: the shape the inputs broadcast to."""
        return broadcast_shape(input_shape, self.name)

    def call(self, inputs):
        return self._merge(inputs)


def broadcast_shape(shapes, layer_name):
    """The shape the inputs broadcast to (batch included); None stays unknown."""
    ndim = max(len(s) for s in shapes)
    out = []
    for dims in zip(*[(1,) * (ndim - len(s)) + tuple(s) for s in shapes]):
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(f"Inputs of layer '{layer_name}' have incompatible shapes: "
                             f"{[tuple(s) for s in shapes]}")
        if known:
            out.append(known.pop())
        else:
            out.append(None if None in dims else 1)
    return tuple(out)

