"""IndexLookup: the shared base of IntegerLookup and StringLookup (vocabulary terms <->
integer indices), as Keras's index_lookup.py; not exported, as in Keras.

Index layout (Keras's): [mask (output_mode "int" only)] [num_oov_indices OOV slots]
[vocabulary terms, most frequent first]. A value not in the vocabulary goes to the OOV
slot: with several slots, integer values go to `value % num_oov_indices`, strings (and
integers with oov_method="farmhash") to FarmHash's Fingerprint64 of their text, modulo
(SipHash-2-4 keyed by `salt` when one is given, as Keras)."""
import collections
import itertools

import numpy as np

from kerasmini import config
from kerasmini.layers.arguments import is_int
from kerasmini.layers.layer import Layer
from kerasmini.layers.preprocessing import categorical
from kerasmini.layers.preprocessing.farmhash import fingerprint64
from kerasmini.layers.preprocessing.siphash import salt_key, siphash24

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
VOCABULARY_FILE = "vocabulary.txt"  # the asset Keras writes for an adapted vocabulary
UNKNOWN, MASKED = -1, -2  # codes of a term outside the vocabulary, of the mask token


class IndexLookup(Layer):
    """See IntegerLookup and StringLookup for the arguments."""

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, oov_method="floormod", salt=None,
                 **kwargs):
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode,
                                                                      output_mode)
        self._check_arguments(max_tokens, num_oov_indices, output_mode, invert, sparse,
                              idf_weights, pad_to_max_tokens, oov_method, salt, vocabulary)
        frozen_size = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("dtype", None)  # Keras ignores it: the output dtype follows output_mode
        super().__init__(**kwargs)
        self.max_tokens, self.num_oov_indices = max_tokens, int(num_oov_indices)
        self.mask_token, self.oov_token = mask_token, oov_token
        self.vocabulary_dtype, self.invert = vocabulary_dtype, bool(invert)
        self.output_mode, self.sparse = output_mode, False
        self.pad_to_max_tokens, self.oov_method = bool(pad_to_max_tokens), oov_method
        self.salt = None if salt is None else salt_key(salt, "IndexLookup")
        self.input_vocabulary = None if vocabulary is None else self._terms(vocabulary)
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = bool(has_input_vocabulary)
        self._frozen_vocab_size = frozen_size
        self._tokens, self.idf_weights = [], None
        self._table = {} if mask_token is None else {mask_token: MASKED}
        if output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output "
                             "mode, the `idf_weights` argument must also be provided.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self._build_at_init()

    def _check_arguments(self, max_tokens, num_oov_indices, output_mode, invert, sparse,
                         idf_weights, pad_to_max_tokens, oov_method, salt, vocabulary):
        kind = type(self).__name__
        if max_tokens is not None and (not is_int(max_tokens) or max_tokens <= 1):
            raise ValueError(f"If `max_tokens` is set for `{kind}`, it must be greater "
                             f"than 1. Received: max_tokens={max_tokens}")
        if not is_int(num_oov_indices) or num_oov_indices < 0:
            raise ValueError(f"The value of `num_oov_indices` argument for `{kind}` must "
                             f">= 0. Received: num_oov_indices={num_oov_indices}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError("If pad_to_max_tokens is True, must set `max_tokens`. "
                             f"Received: max_tokens={max_tokens}")
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"Unknown value for `output_mode` argument of {kind}. Allowed "
                             f"values are: {OUTPUT_MODES}. Received: output_mode={output_mode}")
        if invert and output_mode != "int":
            raise ValueError("`output_mode` must be `'int'` when `invert` is true. "
                             f"Received: output_mode={output_mode}")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError("`idf_weights` should only be set if `output_mode` is "
                             f"`'tf_idf'`. Received: idf_weights={idf_weights} and "
                             f"output_mode={output_mode}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"Unknown value for `oov_method` argument of {kind}. Allowed "
                             "values are: ('floormod', 'farmhash'). Received: "
                             f"oov_method={oov_method}")
        unsupported = {"sparse": (sparse, "it has no sparse arrays"),
                       "vocabulary": (isinstance(vocabulary, str) and vocabulary,
                                      "it reads no files a config names: pass a list")}
        for name, (value, why) in unsupported.items():
            if value:
                raise ValueError(f"{kind}({name}={value!r}) is not supported by kerasmini "
                                 f"({why}).")

    # ----- the vocabulary ------------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """The number of indices: mask and OOV slots included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The term of each index (the mask token at 0, then the OOV token per slot)."""
        specials = [self.mask_token] * self._oov_start_index() + \
            [self.oov_token] * self.num_oov_indices
        return (specials if include_special_tokens else []) + list(self._tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Replace the vocabulary (special tokens at its start are recognized and
        dropped); `idf_weights` (one per term) are required in "tf_idf" mode."""
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError("`idf_weights` should only be set if output_mode is "
                             f"`'tf_idf'`. Received: output_mode={self.output_mode} and "
                             f"idf_weights={idf_weights}")
        terms = self._terms(vocabulary)
        if not terms:
            raise ValueError(f"Cannot set an empty vocabulary. Received: "
                             f"vocabulary={vocabulary}")
        start = self._token_start_index()
        specials = self.get_vocabulary()[:start]
        has_specials = terms[:start] == specials
        tokens = terms[start:] if has_specials else terms
        self._check_tokens(tokens, specials)
        weights = None
        if self.output_mode == "tf_idf":
            weights = self._padded_idf(idf_weights, len(terms), has_specials)
        self._replace_vocabulary(tokens, weights)

    def _check_tokens(self, tokens, specials):
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. "
                             f"Please uniquify your dataset. The repeated terms are: "
                             f"{repeated}")
        for name, token in (("mask_token", self.mask_token),
                            ("oov_token", self.oov_token if self.invert else None)):
            if token is not None and token in tokens:
                raise ValueError(
                    f"Found reserved {'mask' if name == 'mask_token' else 'OOV'} token at "
                    "unexpected location in `vocabulary`. Note that passed `vocabulary` "
                    "does not need to include the OOV and mask tokens. Either remove all "
                    "mask and OOV tokens, or include them only at the start of the "
                    f"vocabulary in precisely this order: {specials}. Received: "
                    f"{name}={token} at vocabulary index {tokens.index(token)}")
        size = self._token_start_index() + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError("Attempted to set a vocabulary larger than the maximum vocab "
                             f"size. Received vocabulary size is {size}; `max_tokens` is "
                             f"{self.max_tokens}.")

    def _padded_idf(self, idf_weights, n_terms, has_specials):
        """Keras's layout: the OOV slots get the mean weight (no real document frequency
        is known for them), and pad_to_max_tokens pads the end with zeros."""
        weights = np.asarray(idf_weights, dtype=np.float64)
        if weights.ndim != 1 or len(weights) != n_terms:
            raise ValueError("`idf_weights` must be the same length as vocabulary. "
                             f"len(idf_weights) is {weights.size}; len(vocabulary) is "
                             f"{n_terms}")
        front = 0 if has_specials else self._token_start_index()
        back = self.max_tokens - front - len(weights) if self.pad_to_max_tokens else 0
        padded = np.pad(weights, (front, back), constant_values=(
            np.mean(weights) if front else 0, 0))
        return padded.astype(config.floatx())

    def _replace_vocabulary(self, tokens, idf_weights=None):
        """Commit a checked vocabulary; in the dense encodings its size is fixed once
        known (the output width), as in Keras."""
        size = self._token_start_index() + len(tokens)
        if self.output_mode != "int" and not self.pad_to_max_tokens and \
                self._frozen_vocab_size is not None and size != self._frozen_vocab_size:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and "
                               "`pad_to_max_tokens=False`, the vocabulary size cannot be "
                               "changed after the layer is called. Old vocab size is "
                               f"{self._frozen_vocab_size}, new vocab size is {size}")
        self._tokens = list(tokens)
        # term -> index, and the mask token -> MASKED (it is never a vocabulary term)
        self._table = {t: i for i, t in enumerate(self._tokens, self._token_start_index())}
        if self.mask_token is not None:
            self._table[self.mask_token] = MASKED
        if idf_weights is not None:
            self.idf_weights = idf_weights
        self._frozen_vocab_size = size

    # ----- adapt ---------------------------------------------------------------------
    def adapt(self, data, steps=None):
        """Learn the vocabulary from `data` (an array or list; each row a document):
        terms by count, most frequent first, ties by the terms themselves, highest
        first (Keras's order); at most max_tokens indices in all."""
        if steps is not None:
            raise ValueError(f"Argument `steps` is not supported with array inputs. "
                             f"Received: steps={steps}")
        documents = self._terms_array(data, "adapt")
        self.reset_state()
        self.update_state(documents.reshape(-1, 1) if documents.ndim < 2 else documents)
        self.finalize_state()

    def reset_state(self):
        """Forget the counts of update_state (Keras's streaming adapt)."""
        self._term_counts, self._document_counts = collections.Counter(), collections.Counter()
        self._num_documents = 0

    def update_state(self, data):
        """Count the terms of a batch of documents (rows; a 1-D array is one document,
        as in Keras); the mask token counts here and is dropped when finalizing."""
        documents = self._terms_array(data, "data")
        documents = documents.reshape(1, -1) if documents.ndim < 2 else \
            documents.reshape(len(documents), -1)
        self._count_rows(documents.tolist())

    def _count_rows(self, rows):
        """update_state on documents as lists of terms (TextVectorization's rows)."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via `vocabulary` argument or `set_vocabulary()` "
                             "method.")
        if not hasattr(self, "_term_counts"):
            self.reset_state()
        self._term_counts.update(itertools.chain.from_iterable(rows))
        if self.output_mode == "tf_idf":
            self._document_counts.update(itertools.chain.from_iterable(map(set, rows)))
            self._num_documents += len(rows)

    def finalize_state(self):
        """The vocabulary from the counts so far (unchanged when nothing was counted)."""
        counts = getattr(self, "_term_counts", collections.Counter())
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        if counts:
            terms = np.array(list(counts), dtype=self._term_dtype)
            order = np.lexsort((terms, np.array(list(counts.values()))))[::-1]
            if self.max_tokens:
                order = order[:self.max_tokens - self._token_start_index()]
            tokens = terms[order].tolist()
            weights = self._adapted_idf(tokens) if self.output_mode == "tf_idf" else None
            self._replace_vocabulary(tokens, weights)
        self.reset_state()

    def _adapted_idf(self, tokens):
        """log(1 + documents / (1 + documents containing the term)), OOV slots the mean."""
        in_document = np.array([self._document_counts.get(t, 0) for t in tokens])
        idf = np.log(1 + self._num_documents / (1 + in_document))
        idf = np.pad(idf, (self._token_start_index(), 0),
                     constant_values=np.mean(idf) if len(idf) else 0)
        if self.pad_to_max_tokens:
            idf = np.pad(idf, (0, self.max_tokens - len(idf)))
        return idf.astype(config.floatx())

    # ----- call ----------------------------------------------------------------------
    def _convert_input(self, inputs):
        if self.invert:
            return categorical.integer_indices(self, inputs)
        return self._terms_array(inputs, "inputs")

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        return categorical.encoded_shape(input_shape, self.output_mode, self._depth())

    def _depth(self):
        if self.pad_to_max_tokens:
            return self.max_tokens
        if self._frozen_vocab_size is None:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and "
                               "`pad_to_max_tokens=False`, you must set the layer's "
                               "vocabulary before calling it. Either pass a `vocabulary` "
                               "argument to the layer, or call `adapt` with some sample data.")
        return self._frozen_vocab_size

    def call(self, inputs):
        if self.invert:
            return self._terms_of(inputs)
        indices, masked = self._indices_of(inputs)
        if self.output_mode == "int":
            return indices
        depth = self._depth()
        # a masked value is dropped from the encodings: it counts in an extra column
        # that is cut off (Keras maps it to an index bincount drops)
        indices = np.where(masked, depth, indices)
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        dtype = config.floatx() if self.output_mode == "tf_idf" else np.int64
        encoded = categorical.encode(indices, mode, depth + 1, dtype)[..., :depth]
        return encoded * self.idf_weights if self.output_mode == "tf_idf" else encoded

    def _codes(self, terms):
        """Each term's index, UNKNOWN or MASKED: strings by a dict lookup per element
        (hashing, where sorting them is slower), integers by their distinct values."""
        table = self._table
        if not self._integer_terms:
            flat = terms.ravel().tolist()
            codes = np.fromiter(map(table.get, flat, itertools.repeat(UNKNOWN)), np.int64,
                                len(flat))
            return codes.reshape(terms.shape)
        unique, position = np.unique(terms, return_inverse=True)
        found = np.array([table.get(t, UNKNOWN) for t in unique.tolist()], np.int64)
        return found[position].reshape(terms.shape)

    def _indices_of(self, terms):
        """(each term's index: a masked term 0, an unknown one its OOV slot; the mask)."""
        indices = self._codes(terms)
        masked, unknown = indices == MASKED, indices == UNKNOWN
        if unknown.any():
            if self.num_oov_indices == 0:
                raise ValueError(f"Layer '{self.name}': when `num_oov_indices=0` all "
                                 "inputs should be in vocabulary, found OOV values "
                                 f"{np.unique(terms[unknown]).tolist()}, consider setting "
                                 "`num_oov_indices=1`.")
            slot = self._oov_slots(terms) if self.num_oov_indices > 1 else 0
            indices = np.where(unknown, self._oov_start_index() + slot, indices)
        return np.where(masked, 0, indices), masked

    def _oov_slots(self, terms):
        """Keras's OOV slot of each term: `value % num_oov_indices` for integers (the
        default "floormod"), else Fingerprint64 of the text % num_oov_indices."""
        if self._integer_terms and self.oov_method == "floormod":
            return terms % self.num_oov_indices
        unique, position = np.unique(terms, return_inverse=True)
        hash_ = fingerprint64 if self.salt is None else \
            (lambda data: siphash24(self.salt, data))
        slots = [hash_(str(t).encode("utf-8")) % self.num_oov_indices for t in unique.tolist()]
        return np.array(slots, np.int64)[position].reshape(terms.shape)

    def _terms_of(self, indices):
        """invert=True: each index's term (0 is the mask token, if set: invert implies
        output_mode "int"); an index that is no term's is the OOV token."""
        vocabulary = self.get_vocabulary()
        table = np.array(vocabulary + [self.oov_token], dtype=self._term_dtype)
        known = (indices >= 0) & (indices < len(vocabulary))
        return table[np.where(known, indices, len(vocabulary))]

    # ----- saving --------------------------------------------------------------------
    def get_config(self):
        config_ = {**super().get_config(), "invert": self.invert,
                   "max_tokens": self.max_tokens, "num_oov_indices": self.num_oov_indices,
                   "oov_token": self.oov_token, "mask_token": self.mask_token,
                   "output_mode": self.output_mode, "sparse": False,
                   "pad_to_max_tokens": self.pad_to_max_tokens,
                   "vocabulary_dtype": self.vocabulary_dtype,
                   "idf_weights": _listed(self.input_idf_weights),
                   "vocabulary": self.input_vocabulary,
                   "vocabulary_size": self._frozen_vocab_size,
                   "oov_method": self.oov_method, "salt": self.salt}
        return config_

    def asset_files(self):
        """{file name: bytes} for the .keras archive: an adapted vocabulary (a given one
        is in the config), one term a line with the special tokens, as Keras writes it."""
        if self.input_vocabulary is not None:
            return {}
        broken = [t for t in map(str, self._tokens) if t and t.splitlines() != [t]]
        if broken:  # Keras writes them and then reads a different vocabulary back
            raise ValueError(f"Layer '{self.name}' cannot save its vocabulary: the file "
                             "holds one term a line, and these terms contain line breaks "
                             f"(\\n, \\r, \\v, \\f, \\x1c-\\x1e, \\x85, \\u2028, \\u2029): "
                             f"{broken[:5]}. Received: {len(broken)} such terms")
        text = "\n".join(str(t) for t in self.get_vocabulary())
        return {VOCABULARY_FILE: text.encode("utf-8")}

    def load_asset_files(self, files):
        """The adapted vocabulary back (in "tf_idf" mode with the idf weights the
        weights file gave, which come first, as in Keras)."""
        if self.input_vocabulary is not None:
            return
        if VOCABULARY_FILE not in files:
            raise ValueError(f"Layer '{self.name}' needs its adapted vocabulary, but the "
                             f"file holds no '{VOCABULARY_FILE}' for it.")
        lines = files[VOCABULARY_FILE].decode("utf-8").splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        if not lines:
            return
        terms = self._terms([self._parse_term(line) for line in lines])
        idf = None
        if self.output_mode == "tf_idf":  # padded to max_tokens, maybe: one per line here
            idf = None if self.idf_weights is None else self.idf_weights[:len(terms)]
        self.set_vocabulary(terms, idf)

    def saved_arrays(self):
        """{name: array} Keras keeps in the layer's `vars` group by name, not number:
        the idf weights ("tf_idf" mode)."""
        if self.output_mode != "tf_idf" or self.idf_weights is None:
            return {}
        return {"idf_weights": np.asarray(self.idf_weights)}

    def saved_array_shapes(self):
        """{name: expected shape, or None if not known yet} of saved_arrays() in a file."""
        if self.output_mode != "tf_idf":
            return {}
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        return {"idf_weights": None if depth is None else (depth,)}

    def load_saved_arrays(self, arrays):
        if "idf_weights" in arrays:
            weights = np.asarray(arrays["idf_weights"])
            if weights.ndim != 1 or weights.dtype.kind != "f":
                raise ValueError(f"Layer '{self.name}': `idf_weights` must be a 1-D float "
                                 f"array. Received: shape {weights.shape}, dtype "
                                 f"{weights.dtype}")
            self.idf_weights = weights.astype(config.floatx())


def _listed(x):
    return x.tolist() if isinstance(x, np.ndarray) else x

