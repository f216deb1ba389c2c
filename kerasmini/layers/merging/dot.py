"""Dot: per-sample dot products of two inputs along one axis of each."""
import numpy as np

from kerasmini import config
from kerasmini.layers.arguments import is_int
from kerasmini.layers.merging.base_merge import Merge


class Dot(Merge):
    """For each sample b, sums `x[b, ..., i, ...] * y[b, ..., i, ...]` over the axis
    `axes[0]` of x and `axes[1]` of y (never the batch axis).

    The output shape is x's shape without axes[0], then y's without its batch axis and
    axes[1]; a result with only the batch axis left gets a trailing axis of 1.
    `normalize=True` first scales both inputs to unit L2 norm along those axes (the
    result is then the cosine similarity).
    """

    def __init__(self, axes, normalize=False, **kwargs):
        if not is_int(axes):
            if not isinstance(axes, (list, tuple)):
                raise TypeError("Invalid type for argument `axes`: it should be a list or "
                                f"an int. Received: axes={axes}")
            if len(axes) != 2:
                raise ValueError("Invalid format for argument `axes`: it should contain "
                                 f"two elements. Received: axes={axes}")
            if not all(is_int(a) for a in axes):
                raise ValueError("Invalid format for argument `axes`: list elements "
                                 f"should be integers. Received: axes={axes}")
        super().__init__(**kwargs)
        self.axes = int(axes) if is_int(axes) else [int(a) for a in axes]
        self.normalize = bool(normalize)

    def _axes_for(self, shapes):
        pair = [self.axes] * 2 if is_int(self.axes) else self.axes
        return [a % len(s) if a < 0 else a for a, s in zip(pair, shapes)]

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise ValueError("A `Dot` layer should be called on a list of 2 inputs. "
                             f"Received: input_shape={input_shape}")
        shape1, shape2 = (list(s) for s in input_shape)
        if len(shape1) < 2 or len(shape2) < 2:
            raise ValueError("Cannot do batch_dot on inputs with rank < 2. Received "
                             f"inputs with shapes {tuple(shape1)} and {tuple(shape2)}.")
        a1, a2 = self._axes_for((shape1, shape2))
        if not (0 < a1 < len(shape1) and 0 < a2 < len(shape2)):
            raise ValueError(f"Invalid `axes`={self.axes} for inputs of shapes "
                             f"{tuple(shape1)} and {tuple(shape2)}: each axis must be an "
                             "axis of its input other than the batch axis 0.")
        d1, d2 = shape1[a1], shape2[a2]
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(f"Incompatible input shapes: axis values {d1} (at axis {a1}) "
                             f"!= {d2} (at axis {a2}). Full input shapes: "
                             f"{tuple(shape1)}, {tuple(shape2)}")
        shape1.pop(a1)
        shape2.pop(a2)
        out = shape1 + shape2[1:]
        return tuple(out + [1] if len(out) == 1 else out)

    def compute_mask(self, inputs, mask=None):
        return None  # as Keras: the dot product has no steps left to mask

    def _merge(self, inputs):
        x, y = inputs
        a1, a2 = self._axes_for((x.shape, y.shape))
        if self.normalize:
            x, y = l2_normalize(x, a1), l2_normalize(y, a2)
        x = np.moveaxis(x, a1, -1)  # (batch, *x_rest, depth)
        y = np.moveaxis(y, a2, 1)  # (batch, depth, *y_rest)
        x_rest, y_rest = x.shape[1:-1], y.shape[2:]
        out = np.matmul(x.reshape(x.shape[0], -1, x.shape[-1]),
                        y.reshape(y.shape[0], y.shape[1], -1))
        out = out.reshape((x.shape[0], *x_rest, *y_rest))
        return out[:, None] if out.ndim == 1 else out

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def l2_normalize(x, axis):
    """x / ||x|| along `axis`, the inverse norm capped at 1 / epsilon (as keras.ops)."""
    with np.errstate(divide="ignore"):  # an all-zero row: inverse inf, capped below
        inverse = 1.0 / np.sqrt(np.sum(np.square(x), axis=axis, keepdims=True))
    return (x * np.minimum(inverse, 1.0 / config.epsilon())).astype(x.dtype, copy=False)


def dot(inputs, axes=-1, **kwargs):
    """The functional form: `dot([a, b], axes=1)` is `Dot(axes=1)([a, b])`."""
    return Dot(axes=axes, **kwargs)(inputs)
