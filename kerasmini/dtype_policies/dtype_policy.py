"""DTypePolicy: the dtype a layer computes in and the dtype it keeps its weights in.

"float32" (or "float16", "float64") computes and stores in that dtype; "mixed_float16"
computes in float16 and keeps float32 weights, which a layer casts to float16 as it reads
them (`variables.autocast_scope`), so an optimizer updates float32 master weights.

The global policy (`set_dtype_policy`) is what a layer created without `dtype=` gets.
Until one is set, it follows `config.floatx()`. Keras instead fixes it at the first layer
created, after which `set_floatx` no longer changes new layers; kerasmini does not copy
that (docs/mixed_precision.md).

bfloat16 ("bfloat16", "mixed_bfloat16") and the quantized policies (int8, float8, int4,
GPTQ, AWQ) are refused with NotImplementedError: NumPy has no bfloat16 and no quantized
kernels, and computing in another dtype in silence would give other numbers.
"""
import numpy as np

from kerasmini import config

QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")
_MIXED = {"mixed_float16": ("float16", "float32")}
_BFLOAT16 = ("bfloat16", "mixed_bfloat16")


class DTypePolicy:
    """A layer's compute dtype and variable dtype, by name ("float32", "mixed_float16").

    Passing `dtype="mixed_float16"` to a layer is the same as passing
    `dtype=DTypePolicy("mixed_float16")`; `DTypePolicy()` is the global policy.
    """

    def __init__(self, name=None):
        if name is None:
            name = dtype_policy().name
        self._compute_dtype, self._variable_dtype = _parse_name(name)
        # whether a layer must cast its weights as it reads them (Layer.__call__ asks
        # on every call: a plain attribute)
        self._mixed = self._compute_dtype != self._variable_dtype
        self._name = name
        self._quantization_mode = None

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        """The dtype of a layer's inputs, computations and outputs."""
        return self._compute_dtype

    @property
    def variable_dtype(self):
        """The dtype of a layer's weights (float32 under mixed_float16)."""
        return self._variable_dtype

    @property
    def quantization_mode(self):
        return self._quantization_mode

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and self._name == other._name

    def __hash__(self):
        return hash(self._name)


class FloatDTypePolicy(DTypePolicy):
    """Keras's alias of DTypePolicy (the class name some Keras 3 files record)."""


def _parse_name(name):
    """(compute dtype, variable dtype) of a policy name, with Keras's errors."""
    if not isinstance(name, str):
        raise TypeError("'name' must be a string, such as 'mixed_float16'. "
                        f"Received: name={name} (of type {type(name)})")
    if name in _MIXED:
        return _MIXED[name]
    if name in _BFLOAT16:
        raise NotImplementedError(
            f"kerasmini does not support the dtype policy '{name}': NumPy has no bfloat16 "
            "type, and computing in another dtype would give other numbers. Use "
            "'mixed_float16' (float16 compute, float32 weights) or 'float32'.")
    try:
        dtype = np.dtype(name).name
    except TypeError:
        dtype = None
    if dtype is None or np.dtype(dtype).kind not in "biuf":
        raise ValueError(f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid "
                         "policies include 'mixed_float16', 'mixed_bfloat16', and the name "
                         "of any float dtype such as 'float32'.")
    return dtype, dtype


def from_string(name):
    """The policy a string names, as Keras reads `dtype=` and `set_dtype_policy`: a
    quantized name ("int8_from_float32") is refused, kerasmini having no such kernels."""
    if not name.startswith(QUANTIZATION_MODES):
        return DTypePolicy(name)
    if "_from_" not in name:
        raise ValueError("Cannot convert `policy` into a valid pair (`mode`, "
                         "`source_name`) to instantiate `QuantizedDTypePolicy`. "
                         f"Received: policy={name}")
    raise NotImplementedError(
        "kerasmini does not support quantized dtype policies (int8, float8, int4, GPTQ, "
        f"AWQ): it has no quantized kernels. Received: policy={name}")


_global_policy = None  # None: follow config.floatx()


def set_dtype_policy(policy):
    """Set the policy of layers created from now on without `dtype=`."""
    global _global_policy
    if isinstance(policy, str):
        policy = from_string(policy)
    elif not isinstance(policy, DTypePolicy):
        raise ValueError("Invalid `policy` argument. Expected the string name of a policy "
                         "(such as 'mixed_float16') or a `DTypePolicy` instance. "
                         f"Received: policy={policy} (of type {type(policy)})")
    _global_policy = policy


def dtype_policy():
    """The global policy: the one set, else DTypePolicy(floatx())."""
    if _global_policy is not None:
        return _global_policy
    return DTypePolicy(config.floatx())


def reset_dtype_policy():
    """Forget the policy set (clear_session): layers follow floatx() again."""
    global _global_policy
    _global_policy = None
