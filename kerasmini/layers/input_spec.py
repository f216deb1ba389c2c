"""InputSpec: the rank and fixed axis sizes a layer accepts, checked on every call."""


class InputSpec:
    """`ndim` (exact rank), `min_ndim` (least rank), `axes` ({axis: size} once built)."""

    def __init__(self, ndim=None, min_ndim=None, axes=None):
        self.ndim = ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})


def assert_input_compatibility(spec, shape, layer_name):
    """Raise Keras's ValueError when `shape` breaks `spec`."""
    if spec is None:
        return
    prefix = (f"Input 0 with name 'None' of layer '{layer_name}' is incompatible "
              "with the layer: ")
    ndim = len(shape)
    if spec.ndim is not None and ndim != spec.ndim:
        raise ValueError(f"{prefix}expected ndim={spec.ndim}, found ndim={ndim}. "
                         f"Full shape received: {tuple(shape)}")
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        raise ValueError(f"{prefix}expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                         f"Full shape received: {tuple(shape)}")
    for axis, size in spec.axes.items():
        received = shape[axis]
        if received is not None and received != size:
            raise ValueError(
                f"{prefix}expected axis {axis} of input shape to have value {size}, "
                f"but received input with shape {tuple(shape)}")
