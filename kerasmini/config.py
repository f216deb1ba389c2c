"""Global settings, as in `keras.config`: default float type, epsilon, image layout,
and the global dtype policy (kept in dtype_policies/dtype_policy.py)."""

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"

_FLOAT_TYPES = ("float16", "float32", "float64")
_DATA_FORMATS = ("channels_last", "channels_first")


def floatx():
    """The default float type of new layers and weights, e.g. 'float32'."""
    return _FLOATX


def set_floatx(value):
    global _FLOATX
    value = str(value)
    if value not in _FLOAT_TYPES:
        raise ValueError(
            f"Unknown `floatx` value: {value}. Expected one of {set(_FLOAT_TYPES)}"
        )
    _FLOATX = value


def epsilon():
    """The small constant that keeps divisions away from zero (1e-7)."""
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    """'channels_last' (NHWC, the default) or 'channels_first' (NCHW)."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    global _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in _DATA_FORMATS:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', "
            f"'channels_last'}}. Received: data_format={data_format}"
        )
    _IMAGE_DATA_FORMAT = data_format


def set_dtype_policy(policy):
    """The dtype policy of layers created from now on without `dtype=` ("float32",
    "mixed_float16", or a DTypePolicy); see kerasmini/dtype_policies/."""
    from kerasmini.dtype_policies.dtype_policy import set_dtype_policy as set_policy
    set_policy(policy)  # imported here: dtype_policies imports config


def dtype_policy():
    """The global DTypePolicy (DTypePolicy(floatx()) until one is set)."""
    from kerasmini.dtype_policies.dtype_policy import dtype_policy as global_policy
    return global_policy()
