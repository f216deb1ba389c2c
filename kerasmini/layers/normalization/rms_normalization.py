"""RMSNormalization: scale each sample to unit root mean square over some axes."""
import numpy as np

from kerasmini.layers.arguments import check_axes_in_bounds, is_int, real
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer


class RMSNormalization(Layer):
    """`x / sqrt(mean(x ** 2 over axis) + epsilon) * scale` (Zhang and Sennrich, 2019):
    no centring, unlike LayerNormalization. float16 inputs are normalized in float32.

    Args:
        axis: int or list of ints (default -1), the axes to normalize over; `scale`
            has their sizes and multiplies along them. (tf.keras 3.15 multiplies it along
            the last axes whatever `axis` says: an error, or for equal sizes a wrong
            answer, for axis=1 of a 3D input.)
        epsilon: added to the mean square (default 1e-6).
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        if not (is_int(axis) or (isinstance(axis, (list, tuple)) and axis
                                 and all(is_int(a) for a in axis))):
            raise TypeError("Expected an int or a list/tuple of ints for the argument "
                            f"'axis', but received: {axis!r}")
        epsilon = real(epsilon, "epsilon")
        super().__init__(**kwargs)
        self.axis = int(axis) if is_int(axis) else [int(a) for a in axis]
        self.epsilon = epsilon
        self.scale = None

    def _given_axes(self):
        return [self.axis] if is_int(self.axis) else list(self.axis)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        check_axes_in_bounds(self.axis, input_shape)
        return input_shape

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        axes = sorted(self._given_axes())
        shape = tuple(input_shape[a] for a in axes)
        if None in shape:
            raise ValueError(f"The axes {self.axis} of the input to RMSNormalization must "
                             f"have known sizes. Received input_shape={input_shape}")
        self.scale = self.add_weight(shape, "ones", "scale")
        given = self._given_axes()  # later inputs must match these sizes
        self.input_spec = InputSpec(min_ndim=max(a + 1 if a >= 0 else -a for a in given),
                                    axes={a: input_shape[a] for a in given})
        self.axis = axes  # as Keras's build: a sorted list, negatives kept
        self.built = True

    def call(self, inputs):
        axes = sorted(a % inputs.ndim for a in self._given_axes())
        x = inputs.astype(np.float32) if inputs.dtype == np.float16 else inputs
        mean_square = np.mean(np.square(x), axis=tuple(axes), keepdims=True)
        inverse_rms = 1 / np.sqrt(mean_square + np.asarray(self.epsilon, x.dtype))
        scale = self.scale.value.astype(x.dtype, copy=False).reshape(
            [inputs.shape[a] if a in axes else 1 for a in range(inputs.ndim)])
        return (x * inverse_rms * scale).astype(inputs.dtype, copy=False)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
