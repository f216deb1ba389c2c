"""SpectralNormalization: keep a layer's kernel at spectral norm ~1 (Miyato et al., 2018)."""
import numpy as np

from kerasmini import initializers
from kerasmini.layers.arguments import is_int
from kerasmini.layers.core.wrapper import Wrapper
from kerasmini.layers.input_spec import InputSpec

EPSILON = 1e-7  # Keras's floor on the norms of the power iteration's vectors


def unit_vector(x):
    """x / ||x|| (the whole array), the inverse norm capped at 1 / EPSILON."""
    with np.errstate(divide="ignore"):
        return x * np.minimum(1 / np.sqrt(np.sum(np.square(x))), 1 / EPSILON)


class SpectralNormalization(Wrapper):
    """Wraps a layer with a `kernel` (or `embeddings`) W. Each call with training=True
    first estimates W's largest singular value sigma by `power_iterations` steps of the
    power iteration from the stored vector u (a non-trainable weight `vector_u`,
    (1, units)):

        v = unit(u W^T), u = unit(v W), sigma = v W u^T     (W reshaped to (-1, units))

    then assigns W / sigma to the kernel and the new u to vector_u, and runs the layer.
    An all-zero kernel is left as it is. At inference the layer runs on the kernel as it
    stands. The gradient is the wrapped layer's at the assigned kernel (the assignment
    is not differentiated, as in Keras).

    Args:
        layer: the layer to wrap (Dense, Conv*, Embedding, ...).
        power_iterations: int >= 1 (default 1).
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if not is_int(power_iterations) or power_iterations <= 0:
            raise ValueError("`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations}`")
        self.power_iterations = int(power_iterations)
        self.kernel = self.vector_u = None

    def build(self, input_shape):
        super().build(input_shape)
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute "
                             "'kernel' nor 'embeddings'")
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        # Keras tracks the kernel as this layer's own weight too (listed first, saved in
        # this layer's vars and in the wrapped layer's): the same Variable, once in
        # `weights`
        self.kernel = kernel
        self._variables = self._variables + [kernel]  # a new list: build can be undone
        self.vector_u = self.add_weight(
            (1, kernel.shape[-1]), initializers.TruncatedNormal(stddev=0.02), "vector_u",
            trainable=False, dtype=kernel.dtype)
        self.built = True

    def normalized_weights(self):
        """(new vector_u, kernel / sigma) from the current values (plain arrays)."""
        kernel, u = self.kernel.numpy(), self.vector_u.numpy()
        w = kernel.reshape(-1, kernel.shape[-1])
        for _ in range(self.power_iterations):
            v = unit_vector(u @ w.T)
            u = unit_vector(v @ w)
        sigma = (v @ w) @ u.T
        return u.astype(self.vector_u.dtype), (kernel / sigma).astype(kernel.dtype)

    def call(self, inputs, training=False):
        if training and np.any(self.kernel.numpy() != 0):
            new_u, new_kernel = self.normalized_weights()
            self.vector_u.assign(new_u)
            self.kernel.assign(new_kernel)
        return self.layer(inputs).astype(inputs.dtype, copy=False)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}
