"""HashedCrossing: a bin for each combination of categorical features, as tf.keras's
(TensorFlow's sparse_cross_hashed on one value per feature)."""
import numpy as np

from kerasmini.layers.arguments import is_int
from kerasmini.layers.keras_tensor import is_symbolic, symbolic_call
from kerasmini.dtype_policies import DTypePolicy
from kerasmini.layers.layer import Layer, standardize_dtype
from kerasmini.layers.preprocessing import categorical
from kerasmini.layers.preprocessing.farmhash import MASK, fingerprint64

CROSS_KEY = 0xDECAFCAFFE  # TensorFlow's default hash_key for sparse_cross_hashed
CAT_MULTIPLIER = 0xc6a4a7935bd1e995


def fingerprint_cat64(fp1, fp2):
    """TensorFlow's FingerprintCat64: two 64-bit fingerprints into one."""
    def shift_mix(value):
        return value ^ (value >> 47)
    result = fp1 ^ CAT_MULTIPLIER
    result ^= (shift_mix((fp2 * CAT_MULTIPLIER) & MASK) * CAT_MULTIPLIER) & MASK
    result = (result * CAT_MULTIPLIER) & MASK
    result = (shift_mix(result) * CAT_MULTIPLIER) & MASK
    return shift_mix(result)


def feature_hash(value):
    """A string's Fingerprint64 of its UTF-8 bytes; an integer is its own hash (as a
    64-bit two's complement), as TensorFlow's cross does."""
    if isinstance(value, bytes):
        return fingerprint64(value)
    if isinstance(value, str):
        return fingerprint64(value.encode("utf-8"))
    return int(value) & MASK


class HashedCrossing(Layer):
    """`hash(feature_1, ..., feature_n) % num_bins` for each sample.

    Args:
        num_bins: the number of bins.
        output_mode: "int" (int64 bins) or "one_hot" (floatx, or the dtype given).
        sparse: only False.

    Call it on a list or tuple of at least two arrays of strings or integers, all of
    shape (), (batch,) or (batch, 1).
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None,
                 **kwargs):
        if output_mode not in ("int", "one_hot"):
            raise ValueError("Unknown value for `output_mode` argument of HashedCrossing. "
                             "Allowed values are: ('int', 'one_hot'). Received: "
                             f"output_mode={output_mode}")
        if not is_int(num_bins) or num_bins <= 0:
            raise ValueError("`num_bins` of HashedCrossing must be a positive integer. "
                             f"Received: num_bins={num_bins}")
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend "
                             f"(kerasmini has no sparse arrays). Received: sparse={sparse}")
        dtype = dtype.get("config", {}).get("name") if isinstance(dtype, dict) else dtype
        if output_mode == "int":
            dtype = dtype or "int64"
            if dtype not in ("int32", "int64"):
                raise ValueError("HashedCrossing(output_mode='int') outputs integers: "
                                 f"`dtype` must be 'int32' or 'int64'. Received: dtype={dtype}")
        super().__init__(name=name, **kwargs)
        # an integer policy for int bins (the output dtype, as Keras's)
        self._dtype_policy = DTypePolicy(dtype if output_mode == "int"
                                         else standardize_dtype(dtype))
        self.num_bins, self.output_mode, self.sparse = int(num_bins), output_mode, False
        self._build_at_init()

    def __call__(self, inputs, **kwargs):  # a list in, as merge layers (base_merge.py)
        if not isinstance(inputs, (list, tuple)):
            raise ValueError("`HashedCrossing` should be called on a list or tuple of "
                             f"inputs. Received: inputs={inputs}")
        if len(inputs) < 2:
            raise ValueError("`HashedCrossing` should be called on at least two inputs. "
                             f"Received: inputs={inputs}")
        if is_symbolic(inputs):
            return symbolic_call(self, list(inputs), **kwargs)
        arrays = self._convert_input(inputs)
        self.compute_output_shape([a.shape for a in arrays])
        return self.call(arrays)

    def _convert_input(self, inputs):
        arrays = [np.asarray(x) for x in inputs]
        shape = arrays[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError("All `HashedCrossing` inputs should have shape `()`, "
                             f"`(batch_size)` or `(batch_size, 1)`. Received: shapes "
                             f"{[a.shape for a in arrays]}")
        if any(a.shape != shape for a in arrays[1:]):
            raise ValueError("All `HashedCrossing` inputs should have equal shape. "
                             f"Received: shapes {[a.shape for a in arrays]}")
        if not all(a.dtype.kind in "iuUSO" for a in arrays):
            raise ValueError("All `HashedCrossing` inputs should have an integer or string "
                             f"dtype. Received: dtypes {[str(a.dtype) for a in arrays]}")
        return arrays

    def compute_output_shape(self, input_shape):
        if len(input_shape) < 2 or not all(isinstance(s, (tuple, list)) for s in input_shape):
            raise ValueError("Expected as input a list/tuple of 2 tensors. "
                             f"Received input_shape={input_shape}")
        shape = tuple(input_shape[0])
        if self.output_mode == "int":
            return shape
        return categorical.encoded_shape(shape, "one_hot", self.num_bins)

    def call(self, inputs):
        columns = [a.reshape(-1).tolist() for a in inputs]
        bins = []
        for values in zip(*columns):  # one sample's features: a loop of hash arithmetic
            crossed = CROSS_KEY
            for value in values:
                crossed = fingerprint_cat64(crossed, feature_hash(value))
            bins.append(crossed % self.num_bins)
        bins = np.array(bins, dtype=np.int64).reshape(inputs[0].shape)
        if self.output_mode == "int":
            return bins.astype(self.dtype)
        return categorical.encode(bins, "one_hot", self.num_bins, self.dtype)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": False,
                "name": self.name, "dtype": self.dtype}
