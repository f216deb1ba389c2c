"""Masks carried by arrays between eager layer calls, as Keras's tensors carry theirs.

In a functional or Sequential graph a mask is a tensor of the graph (keras_tensor.py).
Between eager calls (a subclassed model's `call`: `x = self.embedding(ids); x =
self.lstm(x)`) Keras hands the mask on as an attribute of the output tensor; kerasmini
does the same with NumPy arrays: an output with a mask is returned as a `MaskedOutput`
(an ndarray subclass viewing the same memory) whose `_keras_mask` is the boolean mask,
or, while a GradientTape records, the same attribute set on the TapeArray. The next
layer call takes the mask from there (unless given `mask=`) and works on the plain
array, so arithmetic on a carrier makes ordinary arrays and no mask spreads by
accident. Only outputs that have a mask are wrapped.
"""
import numpy as np

from kerasmini import tree
from kerasmini.autodiff import TapeArray


class MaskedOutput(np.ndarray):
    """A layer's output array that carries its mask in `_keras_mask` (Keras's name)."""

    _keras_mask = None


def carried(inputs):
    """The mask `inputs` carry: one array's, or a list of them for a list of inputs."""
    if isinstance(inputs, (list, tuple)):
        found = [getattr(x, "_keras_mask", None) for x in inputs]
        return found if any(m is not None for m in found) else None
    return getattr(inputs, "_keras_mask", None)


def merged(mask, carried):
    """The `mask=` given, or where it is None (a list: entry by entry) the carried one."""
    if mask is None:
        return carried
    if isinstance(mask, (list, tuple)) and isinstance(carried, (list, tuple)) \
            and len(mask) == len(carried):
        return [m if m is not None else c for m, c in zip(mask, carried)]
    return mask


def for_call(layer, given, carried_mask, call_kwargs, is_tensor):
    """The mask call() receives: `mask=` when given; else the carried one, but only for a
    call of one tensor argument. Keras's Layer.__call__ fills `mask` in that case alone,
    so an RNN called with a tensor `initial_state` runs unmasked, while its output still
    carries the input's mask (compute_mask of the first argument). A merge reads its
    inputs' masks whatever it is called with."""
    if given is not None or layer.masks_from_inputs:
        return carried_mask
    others = [v for k, v in call_kwargs.items() if k not in ("mask", "training")]
    return None if any(is_tensor(leaf) for leaf in tree.flatten(others)) else carried_mask


def released(inputs):
    """`inputs` with every carrier viewed as a plain array again."""
    if isinstance(inputs, (list, tuple)):
        return type(inputs)(released(x) for x in inputs)
    return inputs.view(np.ndarray) if type(inputs) is MaskedOutput else inputs


def boolean(mask):
    """A mask as a plain boolean array (a list of them, None kept, for several inputs):
    no gradient flows through a mask."""
    if isinstance(mask, (list, tuple)):
        return [None if m is None else boolean(m) for m in mask]
    return np.asarray(mask).astype(bool, copy=False)


def attach(outputs, mask):
    """`outputs` carrying `mask` (one per output for a list of outputs)."""
    if mask is None:
        return outputs
    if isinstance(outputs, (list, tuple)):
        masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(outputs)
        return type(outputs)(attach(o, m) for o, m in zip(outputs, masks))
    mask = boolean(mask)
    if isinstance(outputs, TapeArray):
        outputs._keras_mask = mask
        return outputs
    carrier = np.asarray(outputs).view(MaskedOutput)
    carrier._keras_mask = mask
    return carrier
