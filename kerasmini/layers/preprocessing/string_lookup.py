"""StringLookup: string terms (category names) <-> contiguous indices."""
import numpy as np

from kerasmini.layers.preprocessing.index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """Strings -> vocabulary indices (or one/multi-hot, count, tf_idf vectors of them);
    `invert=True` maps indices back to the strings.

    Arguments as IntegerLookup's (see there), except: oov_token defaults to "[UNK]",
    the terms are str (a NumPy str array, or an object array of str or bytes, in; a
    NumPy str array out, where tf.keras returns bytes), `encoding` ("utf-8") decodes
    bytes; with num_oov_indices > 1 an unknown string's slot is FarmHash's Fingerprint64
    of it, modulo, as Keras's (SipHash-2-4 keyed by `salt`, if given).
    """

    _integer_terms, _term_dtype = False, np.str_

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None,
                 oov_token="[UNK]", vocabulary=None, idf_weights=None, invert=False,
                 output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, salt=None, **kwargs):
        if encoding != "utf-8":
            raise ValueError(f"StringLookup(encoding={encoding!r}) is not supported by "
                             "kerasmini (only 'utf-8').")
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)  # older configs carried it
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         vocabulary_dtype="string", idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, salt=salt, name=name,
                         **kwargs)

    def _terms(self, values):
        return self._terms_array(values, "vocabulary").ravel().tolist()

    def _terms_array(self, values, what):
        """A NumPy str array; bytes are decoded; anything but text is refused."""
        array = np.asarray(values)
        if array.size == 0:
            array = array.astype(np.str_)
        elif array.dtype.kind == "S":
            array = np.char.decode(array, self.encoding)
        elif array.dtype.kind == "O":
            items = [v.decode(self.encoding) if isinstance(v, bytes) else v
                     for v in array.ravel().tolist()]
            if not all(isinstance(v, str) for v in items):
                raise ValueError(f"Layer '{self.name}' expects strings in `{what}`. "
                                 f"Received: an object array holding "
                                 f"{sorted({type(v).__name__ for v in items})}")
            array = np.array(items, dtype=np.str_).reshape(array.shape)
        if array.dtype.kind != "U":
            raise ValueError(f"Layer '{self.name}' expects strings in `{what}`. "
                             f"Received: {what} with dtype={array.dtype}")
        return array

    _parse_term = staticmethod(str)

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"]
        return {**config, "encoding": self.encoding}
