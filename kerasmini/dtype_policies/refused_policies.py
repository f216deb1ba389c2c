"""Keras's quantized dtype policies and DTypePolicyMap, by name, refused: kerasmini has
no quantized kernels (int8, float8, int4, GPTQ, AWQ), so a script or a file asking for
one stops here instead of computing in float in silence."""
from kerasmini.refused import Refused


class _RefusedPolicy(Refused):
    namespace = "keras.dtype_policies"
    reason = "kerasmini has no quantized kernels (int8, float8, int4, GPTQ, AWQ)."


class QuantizedDTypePolicy(_RefusedPolicy):
    pass


class QuantizedFloat8DTypePolicy(_RefusedPolicy):
    pass


class Int4DTypePolicy(_RefusedPolicy):
    pass


class GPTQDTypePolicy(_RefusedPolicy):
    pass


class AWQDTypePolicy(_RefusedPolicy):
    pass


class DTypePolicyMap(_RefusedPolicy):
    reason = ("a map of per-layer policies exists for quantized models, and kerasmini has "
              "no quantized kernels.")
