"""keras.backend: clear_session, which scripts call between models, and config's getters."""
import gc

from kerasmini.config import (epsilon, floatx, image_data_format, set_epsilon, set_floatx,
                              set_image_data_format)

__all__ = ["clear_session", "epsilon", "floatx", "image_data_format", "set_epsilon",
           "set_floatx", "set_image_data_format"]


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
