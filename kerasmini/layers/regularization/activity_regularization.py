"""ActivityRegularization: the identity, adding an L1/L2 penalty on its output."""
from kerasmini.dtype_policies import serialize as serialize_policy
from kerasmini.layers.layer import Layer
from kerasmini.regularizers import L1L2


class ActivityRegularization(Layer):
    """Output = input; `losses` gets `(l1 * sum|x| + l2 * sum x**2) / batch size`."""

    supports_masking = True  # hands the mask on unchanged, as Keras's does

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=L1L2(l1=l1, l2=l2), **kwargs)
        self._build_at_init()
        self.l1, self.l2 = l1, l2

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, "dtype": serialize_policy(self.dtype_policy),
                "l1": self.l1, "l2": self.l2}
