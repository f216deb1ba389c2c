"""Merge: layers called on a list of inputs (Add, Multiply, ..., Concatenate, Dot).

Masks, as Keras: a merge hands on the OR of its inputs' masks (None if any input has
none; Concatenate and Dot decide their own). Add, Subtract, Average and Concatenate
compute their values without them; Maximum, Minimum and Multiply leave a masked step
out of the reduction (`call(inputs, mask)`). Keras's merges read the masks from their
input tensors, so a graph records them as implicit arguments, never saved in a config.
"""

import numpy as np

from kerasmini.layers.keras_tensor import is_symbolic, symbolic_call
from kerasmini import autodiff, ops
from kerasmini.layers import masks
from kerasmini.layers.layer import Layer, _call_parameters, call_recorded


class Merge(Layer):
    """Takes a non-empty list of inputs (one input passes through, as in Keras); subclasses
    define `_merge` and the shapes."""

    supports_masking = True
    masks_from_inputs = True  # the graph's node keeps `mask` implicit (keras_tensor.py)

    def __init__(self, **kwargs):  # Keras's signature: Layer's keyword arguments as **kwargs
        super().__init__(**kwargs)

    def __call__(self, inputs, training=None, mask=None):
        self._check_list(inputs)
        if is_symbolic(inputs):
            return symbolic_call(self, list(inputs), mask=mask)
        if mask is None:
            mask = masks.carried(list(inputs))
        arrays = [self._convert_input(x) for x in masks.released(list(inputs))]
        shapes = [x.shape for x in arrays]
        self.compute_output_shape(shapes)  # raises before any state changes
        if mask is not None:
            mask = self._checked_masks(arrays, masks.boolean(list(mask)))
        if not self.built:
            self._build_or_undo(shapes)
        kwargs = {"mask": mask} if mask is not None and "mask" in \
            _call_parameters(type(self)) else {}
        if autodiff.is_recording():
            outputs = call_recorded(self, arrays, lambda: self.call(arrays, **kwargs))
        else:
            outputs = self.call(arrays, **kwargs)
        self._activity_losses = self._activity_penalty(outputs)
        return masks.attach(outputs, self.compute_mask(arrays, mask))

    def _checked_masks(self, inputs, mask):
        if len(mask) != len(inputs):
            raise ValueError("The lists `inputs` and `mask` should have the same length. "
                             f"Received: inputs={len(inputs)} tensors, mask={len(mask)} "
                             "masks")
        return None if all(m is None for m in mask) else mask

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

    def compute_mask(self, inputs, mask=None):
        """The OR of the inputs' masks; None when any input has none."""
        if mask is None:
            return None
        _check_mask_list(inputs, mask)
        if any(m is None for m in mask):
            return None
        output_mask = mask[0]
        for m in mask[1:]:
            output_mask = ops.logical_or(output_mask, m)
        return output_mask


def _check_mask_list(inputs, mask):
    if not isinstance(mask, (list, tuple)):
        raise ValueError(f"`mask` should be a list. Received: mask={mask}")
    if not isinstance(inputs, (list, tuple)) or len(mask) != len(inputs):
        raise ValueError("The lists `inputs` and `mask` should have the same length. "
                         f"Received: inputs={inputs} of length "
                         f"{len(inputs) if isinstance(inputs, (list, tuple)) else 1}, and "
                         f"mask={mask} of length {len(mask)}")


def step_masks(inputs, mask):
    """Each input's (batch, steps) mask broadcast over its features (None kept)."""
    return [None if m is None else np.broadcast_to(np.expand_dims(m, -1), x.shape)
            for x, m in zip(inputs, mask)]


def reduce_skipping_masked(op, inputs, mask):
    """Keras's masked Maximum / Minimum: op over the inputs in order, where a masked
    entry takes the running result's value (and a masked running result the entry's),
    so a masked step never wins; once an input has no mask, nothing is replaced."""
    output, output_mask = None, None
    for x, m in zip(inputs, step_masks(inputs, mask)):
        if output is None:
            output, output_mask = x, m
            continue
        if m is not None:
            x = np.where(m, x, output)
        if output_mask is not None:
            output = np.where(output_mask, output, x)
        output_mask = None if m is None or output_mask is None else output_mask | m
        output = op(output, x)
    return output


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

