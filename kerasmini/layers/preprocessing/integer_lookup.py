"""IntegerLookup: integer terms (category codes) <-> contiguous indices."""
import numpy as np

from kerasmini.layers.preprocessing import categorical
from kerasmini.layers.preprocessing.index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """Integers -> vocabulary indices (or one/multi-hot, count, tf_idf vectors of them);
    `invert=True` maps indices back to the integers.

    Args (Keras 3's): max_tokens (None or > 1, mask and OOV slots included),
        num_oov_indices (1; 0 makes an unknown value an error; several slots take
        `value % num_oov_indices`), mask_token (None; else mapped to 0 in "int" mode
        and dropped by the encodings), oov_token (-1: what invert returns for an unknown
        index), vocabulary (a list or 1-D array; or learn it with `adapt(data)`),
        vocabulary_dtype ("int64" only, as Keras), idf_weights ("tf_idf" only), invert,
        output_mode ("int", "one_hot", "multi_hot", "count", "tf_idf"),
        pad_to_max_tokens (encodings max_tokens wide), oov_method ("floormod", or
        "farmhash": the slot by Fingerprint64 of the decimal text), salt (with
        "farmhash": SipHash-2-4 under this key instead; an int n is the key [n, n]).

    Outputs are int64 (floatx for "tf_idf"), with no gradient, as in Keras.
    """

    _integer_terms, _term_dtype = True, np.int64

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError("Only `vocabulary_dtype='int64'` is supported at this time. "
                             f"Received: vocabulary_dtype={vocabulary_dtype}")
        if salt is not None and oov_method != "farmhash":
            raise ValueError("`salt` can only be used when `oov_method='farmhash'`. "
                             f"Received: oov_method={oov_method}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=None if mask_token is None else int(mask_token),
                         oov_token=None if oov_token is None else int(oov_token),
                         vocabulary=vocabulary, vocabulary_dtype="int64",
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         oov_method=oov_method, salt=salt, name=name, **kwargs)

    def _terms(self, values):
        return [int(v) for v in np.asarray(values).ravel().tolist()]

    def _terms_array(self, values, what):
        return categorical.integer_indices(self, values)

    _parse_term = staticmethod(int)
