"""Hashing: values -> bins by FarmHash's Fingerprint64 (or, salted, SipHash-2-4), as
tf.keras's Hashing."""
import numpy as np

from kerasmini.layers.arguments import is_int
from kerasmini.dtype_policies import DTypePolicy
from kerasmini.layers.layer import Layer, standardize_dtype
from kerasmini.layers.preprocessing import categorical
from kerasmini.layers.preprocessing.farmhash import fingerprint64
from kerasmini.layers.preprocessing.siphash import salt_key, siphash24

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


class Hashing(Layer):
    """Each value -> `Fingerprint64(its text) % num_bins`: strings by their UTF-8
    bytes, integers (and floats, truncated) by their decimal digits, as TensorFlow's
    `to_hash_bucket_fast`; so kerasmini and tf.keras put every value in the same bin.

    Args:
        num_bins: int > 0. With `mask_value`, the mask value goes to bin 0 and the
            others to bins 1 .. num_bins - 1.
        mask_value: a value (of the inputs' kind) to mask, or None.
        salt: None, an int n (the key [n, n]) or a pair of ints: bins by SipHash-2-4
            under that key (TensorFlow's to_hash_bucket_strong) instead of FarmHash.
        output_mode: "int" (default; dtype "int64" or "int32"), "one_hot",
            "multi_hot", "count" (floatx, or the float dtype given).
        sparse: only False.
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int",
                 sparse=False, **kwargs):
        dtype = kwargs.pop("dtype", None)
        dtype = dtype.get("config", {}).get("name") if isinstance(dtype, dict) else dtype
        if dtype is None:
            dtype = "int64" if output_mode == "int" else None
        if num_bins is None or not is_int(num_bins) or num_bins <= 0:
            raise ValueError("The `num_bins` for `Hashing` cannot be `None` or "
                             f"non-positive values. Received: num_bins={num_bins}.")
        if output_mode == "int" and dtype not in ("int32", "int64"):
            raise ValueError('When `output_mode="int"`, `dtype` should be an integer '
                             f"type, 'int32' or 'in64'. Received: dtype={dtype}")
        if output_mode not in OUTPUT_MODES:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{OUTPUT_MODES}. Received: output_mode={output_mode}")
        if sparse:
            raise ValueError(f"Hashing(sparse={sparse!r}) is not supported by kerasmini "
                             "(there are no sparse arrays).")
        salt = None if salt is None else salt_key(salt, "Hashing")
        super().__init__(**kwargs)
        # an integer policy for int bins (the output dtype, as Keras's)
        self._dtype_policy = DTypePolicy(dtype if output_mode == "int"
                                         else standardize_dtype(dtype))
        self.num_bins, self.mask_value = int(num_bins), mask_value
        self.salt, self.output_mode, self.sparse = salt, output_mode, False
        self._build_at_init()

    def _convert_input(self, inputs):
        values = np.asarray(inputs)
        if values.dtype.kind in "biuf":  # refuses a tape-followed input: no gradient
            return categorical.integer_indices(self, values) \
                if values.dtype.kind == "f" else values
        if values.dtype.kind not in "USO":
            raise ValueError(f"Layer '{self.name}' expects strings or integers. "
                             f"Received: inputs with dtype={values.dtype}")
        return values

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        return categorical.encoded_shape(input_shape, self.output_mode, self.num_bins)

    def call(self, inputs):
        bins = self._bins(inputs)
        if self.output_mode == "int":
            return bins.astype(self.dtype)
        return categorical.encode(bins, self.output_mode, self.num_bins, self.dtype)

    def _bins(self, values):
        """The hash of each distinct value once (a loop over distinct values only)."""
        masked = self.mask_value is not None and self.num_bins > 1
        buckets = self.num_bins - 1 if masked else self.num_bins
        unique, position = np.unique(values, return_inverse=True)
        hashed = np.array([self._hash(_text(v)) % buckets for v in unique.tolist()],
                          dtype=np.int64)
        bins = hashed[position].reshape(values.shape)
        if masked:
            bins = np.where(values == self.mask_value, 0, bins + 1)
        return bins

    def _hash(self, data):
        return fingerprint64(data) if self.salt is None else siphash24(self.salt, data)

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt,
                "mask_value": self.mask_value, "output_mode": self.output_mode,
                "sparse": False}


def _text(value):
    """The bytes TensorFlow hashes: UTF-8 of a string, the decimal digits of a number."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return str(int(value)).encode("ascii")
