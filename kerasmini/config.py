"""Global settings, as in `keras.config`: default float type, epsilon, image layout, the
limits on fit, interactive logging, what kerasmini is (its backend, no unsafe mode), and
the global dtype policy (kept in dtype_policies/dtype_policy.py)."""
import os

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


# ----- debugging limits on fit (Keras reads the same environment variables) -----------
def _limit_from_environment(variable):
    value = os.environ.get(variable)
    return None if value is None else _limit(int(value), variable)


def _limit(value, argument):
    """None (no limit) or a positive int."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"Argument `{argument}` must be a positive integer or None. "
                         f"Received: {argument}={value!r}")
    return value


_MAX_EPOCHS = _limit_from_environment("KERAS_MAX_EPOCHS")
_MAX_STEPS_PER_EPOCH = _limit_from_environment("KERAS_MAX_STEPS_PER_EPOCH")


def max_epochs():
    """The cap on the epochs of any fit (None: no cap)."""
    return _MAX_EPOCHS


def set_max_epochs(max_epochs):
    """Cap the epochs of every later fit (a debugging aid: a script runs quickly
    unchanged); None removes the cap. fit warns when it applies it."""
    global _MAX_EPOCHS
    _MAX_EPOCHS = _limit(max_epochs, "max_epochs")


def max_steps_per_epoch():
    """The cap on the steps of an epoch of fit, evaluate or predict (None: no cap)."""
    return _MAX_STEPS_PER_EPOCH


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Cap the batches of every epoch of fit, evaluate and predict; None removes it."""
    global _MAX_STEPS_PER_EPOCH
    _MAX_STEPS_PER_EPOCH = _limit(max_steps_per_epoch, "max_steps_per_epoch")


# ----- where messages go (kerasmini/utils/io_utils.py's print_msg) -------------------
_INTERACTIVE_LOGGING = True


def enable_interactive_logging():
    """Progress bars, summaries and callbacks' notes go to standard output (default)."""
    global _INTERACTIVE_LOGGING
    _INTERACTIVE_LOGGING = True


def disable_interactive_logging():
    """They go to Python's logger "kerasmini" at level INFO (Keras: absl's logging)."""
    global _INTERACTIVE_LOGGING
    _INTERACTIVE_LOGGING = False


def is_interactive_logging_enabled():
    return _INTERACTIVE_LOGGING


# ----- what kerasmini is, and the switches that do not apply to it -------------------
BACKEND = "numpy"  # kerasmini computes with NumPy, as Keras's "numpy" backend


def backend():
    """The backend's name: "numpy"."""
    return BACKEND


def set_backend(backend):
    """kerasmini is its own NumPy backend: any other name is refused (Keras would reload
    itself on TensorFlow, JAX or PyTorch)."""
    if backend != BACKEND:
        raise ValueError(f"kerasmini runs on NumPy only: it cannot switch to another "
                         f"backend. Received: backend={backend!r}")


def is_nnx_enabled():
    """False: Flax NNX is a JAX backend feature."""
    return False


def enable_unsafe_deserialization():
    """Refused: kerasmini never runs code from a file (a Lambda's bytecode), so there is
    no unsafe mode to turn on."""
    raise ValueError("kerasmini never deserializes code from a file, so unsafe "
                     "deserialization cannot be enabled. Save a Lambda's function with a "
                     "name and pass it as custom_objects, or register it.")


def is_traceback_filtering_enabled():
    """False: kerasmini shows every frame of a traceback (its frames are plain NumPy
    code, worth reading)."""
    return False


def disable_traceback_filtering():
    """Nothing to do: kerasmini never filters tracebacks."""


def enable_traceback_filtering():
    """Refused: kerasmini does not filter tracebacks, so it cannot turn filtering on."""
    raise NotImplementedError("kerasmini does not filter tracebacks: they show every "
                              "frame, kerasmini's included.")


# Keras's flag: None (the default, and what enable sets: use flash attention where the
# backend can) or False. Flash attention computes the same attention in another order;
# kerasmini's attention is the same either way, so the flag is kept only to be read.
_FLASH_ATTENTION = None


def enable_flash_attention():
    global _FLASH_ATTENTION
    _FLASH_ATTENTION = None


def disable_flash_attention():
    global _FLASH_ATTENTION
    _FLASH_ATTENTION = False


def is_flash_attention_enabled():
    """None (enabled where possible, Keras's default) or False (disabled)."""
    return _FLASH_ATTENTION
