"""TimeDistributed: the same layer applied to every time step of a sequence."""
import numpy as np

from kerasmini.layers.core.wrapper import Wrapper
from kerasmini.layers.layer import Layer, _call_parameters


class TimeDistributed(Wrapper):
    """(batch, steps, ...) -> (batch, steps, ...'): `layer` called on each step's
    (batch, ...) slice, as Keras calls it, so that one set of weights serves every step.
    A mask (batch, steps) passes through; a wrapped layer that reads masks gets the
    step's column."""

    supports_masking = True

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        super().__init__(layer, **kwargs)

    @staticmethod
    def _step_shape(input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` "
                             f"with at least 3 dimensions, received: {input_shape}")
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        if not self.layer.built:
            self.layer._build_or_undo(self._step_shape(input_shape))
        self.built = True

    def compute_output_shape(self, input_shape):
        step = self.layer.compute_output_shape(self._step_shape(input_shape))
        return (step[0], input_shape[1], *step[1:])

    def call(self, inputs, training=None, mask=None):
        takes_mask = "mask" in _call_parameters(type(self.layer))
        outputs = []
        for t in range(inputs.shape[1]):
            kwargs = {"mask": mask[:, t]} if takes_mask and mask is not None else {}
            outputs.append(self.layer(inputs[:, t], training=training, **kwargs))
        return np.stack(outputs, axis=1)
