"""keras.backend: clear_session, which scripts call between models, config's getters,
and the small dtype and naming helpers Keras exports here."""
import gc

import numpy as np

from kerasmini.config import (backend, epsilon, floatx, image_data_format, set_epsilon,
                              set_floatx, set_image_data_format)
from kerasmini.lazy_exports import lazy_exports
from kerasmini.ops import dtypes
from kerasmini.ops.dtypes import standardize_dtype

# keras.utils' is_keras_tensor (utils/summary_utils.py), imported when first read: this
# module stays light for scripts that only call clear_session
__getattr__, __dir__ = lazy_exports(__name__, {
    "is_keras_tensor": "kerasmini.utils.summary_utils"})
__all__ = ["backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format",
           "is_float_dtype", "is_int_dtype", "is_keras_tensor", "result_type",
           "set_epsilon", "set_floatx", "set_image_data_format", "standardize_dtype"]


def clear_session(free_memory=True):
    """Forget the layer and optimizer names handed out so far (the next Dense is 'dense'
    again) and the global dtype policy set, as Keras; then collect garbage if
    `free_memory`."""
    from kerasmini.dtype_policies.dtype_policy import reset_dtype_policy
    from kerasmini.layers import layer  # lazy: layers import config, not backend
    layer._name_counts.clear()
    reset_dtype_policy()
    if free_memory:
        gc.collect()


def get_uid(prefix=""):
    """1, 2, 3, ... per prefix. The counter is the one that names layers, as in Keras:
    after a first Dense, get_uid("dense") is 2 and the next Dense is "dense_2"."""
    from kerasmini.layers import layer
    layer._name_counts[prefix] += 1
    return layer._name_counts[prefix]


def result_type(*dtypes_):
    """The dtype keras.ops gives an operation on values of these dtypes (names, NumPy
    dtypes, or Python's bool / int / float as weak types). Values are refused, as
    Keras's backend.result_type refuses them (keras.ops's own takes values)."""
    for dtype in dtypes_:
        if isinstance(dtype, (bool, int, float, complex, np.generic, np.ndarray)):
            raise ValueError(f"Invalid dtype: {dtype}")
    return dtypes.result_type(*dtypes_)


def is_float_dtype(dtype):
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype):
    return standardize_dtype(dtype).startswith(("int", "uint"))

