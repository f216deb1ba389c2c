"""InputSpec: the rank, dtype and sizes a layer accepts, checked on every call (keras.InputSpec).

A layer sets `self.input_spec` (one spec, or a list of one spec per input); Layer.__call__
checks the input against it before building or calling, with Keras's messages.
"""
import numpy as np


class InputSpec:
    """`dtype`, `shape` (None for any size; sets ndim), `ndim`, `max_ndim`, `min_ndim`,
    `axes` ({axis: size}), `allow_last_axis_squeeze` (a trailing axis of 1 may be
    missing or extra when `shape` is compared), `name`, `optional`."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = np.dtype(dtype).name if dtype is not None else None
        if shape is not None:
            self.shape = tuple(None if d is None else int(d) for d in shape)
            self.ndim = len(self.shape)
        else:
            self.shape, self.ndim = None, ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.name, self.optional = name, optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            axes = axes or {}
            self.axes = {int(k): axes[k] for k in axes}
        except (ValueError, TypeError):
            raise TypeError("Argument `axes` must be a dict with integer keys. "
                            f"Received: axes={axes}") from None
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            max_dim = (self.ndim if self.ndim else self.max_ndim) - 1
            if max(self.axes) > max_dim:
                raise ValueError(f"Axis {max(self.axes)} is greater than the maximum "
                                 f"allowed value: {max_dim}")

    def __repr__(self):
        parts = [f"{key}={value}" for key, value in (
            ("dtype", self.dtype), ("shape", self.shape), ("ndim", self.ndim),
            ("max_ndim", self.max_ndim), ("min_ndim", self.min_ndim),
            ("axes", self.axes)) if value]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes,
                "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def assert_input_compatibility(spec, shape, layer_name, dtype=None):
    """Raise Keras's ValueError when the input of `shape` (and `dtype`, if given)
    breaks `spec`. `spec` is one InputSpec or a list; `shape` one shape tuple or a
    structure of them (several inputs), matched one to one."""
    if not spec:
        return
    specs = list(spec) if isinstance(spec, (list, tuple)) else [spec]
    shapes = [tuple(shape)] if _is_one_shape(shape) else _flat_shapes(shape)
    if len(shapes) != len(specs):
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it '
                         f"received {len(shapes)} input tensors. Input shapes received: "
                         f"{shapes}")
    for index, (one_spec, one_shape) in enumerate(zip(specs, shapes)):
        if one_spec is not None:
            _check_input(one_spec, one_shape, layer_name, index, dtype)


def _is_one_shape(shape):
    return all(d is None or isinstance(d, (int, np.integer)) for d in shape)


def _flat_shapes(structure):
    if isinstance(structure, dict):
        structure = list(structure.values())
    if _is_one_shape(structure):
        return [tuple(structure)]
    return [s for item in structure for s in _flat_shapes(item)]


def _check_input(spec, shape, layer_name, index, dtype):
    prefix = (f"Input {index} with name '{spec.name}' of layer '{layer_name}' is "
              "incompatible with the layer: ")
    ndim = len(shape)
    if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
        raise ValueError(f"{prefix}expected ndim={spec.ndim}, found ndim={ndim}. "
                         f"Full shape received: {shape}")
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        raise ValueError(f"{prefix}expected max_ndim={spec.max_ndim}, found ndim={ndim}")
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        raise ValueError(f"{prefix}expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                         f"Full shape received: {shape}")
    if spec.dtype is not None and dtype is not None and np.dtype(dtype).name != spec.dtype:
        raise ValueError(f"{prefix}expected dtype={spec.dtype}, "
                         f"found dtype={np.dtype(dtype).name}")
    for axis, size in spec.axes.items():
        if size is not None and shape[axis] not in (size, None):
            raise ValueError(f"{prefix}expected axis {axis} of input shape to have value "
                             f"{size}, but received input with shape {shape}")
    if spec.shape is not None:
        _check_shape(spec, shape, prefix)


def _check_shape(spec, shape, prefix):
    spec_shape = spec.shape
    if spec.allow_last_axis_squeeze:
        shape = shape[:-1] if shape and shape[-1] == 1 else shape
        spec_shape = spec_shape[:-1] if spec_shape and spec_shape[-1] == 1 else spec_shape
    for spec_dim, dim in zip(spec_shape, shape):
        if spec_dim is not None and dim is not None and spec_dim != dim:
            raise ValueError(f"{prefix}expected shape={spec.shape}, found shape={shape}")
