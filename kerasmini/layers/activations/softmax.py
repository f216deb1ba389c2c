"""Softmax layer: exp(x) / sum(exp(x)) along `axis`, optionally masked."""
import numpy as np

from kerasmini import activations
from kerasmini.layers.arguments import axes
from kerasmini.layers.layer import Layer


class Softmax(Layer):
    """Args: axis: int or tuple of ints; default -1."""

    supports_masking = True  # as Keras: call() reads a mask, which is passed on

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self._build_at_init()
        self.axis = axes(axis, "axis")

    def call(self, inputs, mask=None):
        """`mask` (broadcastable to inputs; True or > 0.5 keeps a position): as Keras,
        masked logits become a large negative number (-1e9; -3e4 in float16) before the
        softmax and masked outputs 0 after it, so a wholly masked row is all zeros."""
        if mask is None:
            return activations.softmax(inputs, axis=self.axis)
        mask = broadcastable_mask(mask, inputs.shape, "mask")
        logits = np.where(mask, inputs, large_negative_number(inputs.dtype))
        outputs = activations.softmax(logits.astype(inputs.dtype, copy=False), axis=self.axis)
        return np.where(mask, outputs, 0).astype(inputs.dtype, copy=False)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def large_negative_number(dtype):
    """What Keras's Softmax puts in masked positions before the softmax."""
    return -3e4 if np.dtype(dtype) == np.float16 else -1e9


def broadcastable_mask(mask, shape, name):
    """`mask` as booleans (True or > 0.5 keeps), checked to broadcast to `shape` without
    adding axes: ValueError naming the argument otherwise, as Keras's Softmax says it."""
    mask = np.asarray(mask)
    if mask.dtype != bool:
        mask = mask > 0.5
    if mask.ndim > len(shape) or any(m not in (1, s) for m, s in zip(mask.shape[::-1],
                                                                    shape[::-1])):
        raise ValueError(f"The `{name}` must be broadcastable to `inputs` and must not have "
                         "more dimensions; each of its dimensions must be 1 or match the "
                         f"input's. Received: inputs.shape={tuple(shape)}, "
                         f"{name}.shape={mask.shape}")
    return mask
