"""keras.mixed_precision: Keras 2's names for dtype policies, kept by Keras 3 as aliases
(`set_global_policy("mixed_float16")` is `config.set_dtype_policy("mixed_float16")`)."""
from kerasmini.lazy_exports import lazy_exports

_POLICY = "kerasmini.dtype_policies.dtype_policy"
_EXPORTS = {
    "DTypePolicy": _POLICY,
    "Policy": (_POLICY, "DTypePolicy"),
    "dtype_policy": _POLICY,
    "global_policy": (_POLICY, "dtype_policy"),
    "set_dtype_policy": _POLICY,
    "set_global_policy": (_POLICY, "set_dtype_policy"),
    "LossScaleOptimizer": "kerasmini.optimizers.loss_scale_optimizer",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
