"""TextVectorization: text -> token indices (or multi-hot, count, tf-idf vectors), as
Keras's: standardize, split, n-grams (text_tokens.py), then a StringLookup with ""
as its mask token (index 0) that holds the vocabulary, as in Keras."""
import numpy as np

from kerasmini.layers.layer import Layer
from kerasmini.layers.preprocessing import text_tokens
from kerasmini.layers.preprocessing.string_lookup import StringLookup
from kerasmini.object_registration import GLOBAL_CUSTOM_NAMES, get_registered_object

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
ADAPT_ROWS = 4096  # documents adapt() tokenizes at once: bounds the token lists held


class TextVectorization(Layer):
    """Strings (shape (batch,) or (batch, 1)) -> int64 token indices, shape (batch,
    longest row or output_sequence_length), 0 filling; or (batch, vocabulary size)
    vectors in "multi_hot" / "count" (int64) or "tf_idf" (floatx).

    Args (Keras 3's, same defaults):
        max_tokens: at most this many indices (mask "" at 0 in "int" mode and the OOV
            "[UNK]" slot included).
        standardize: None, "lower_and_strip_punctuation" (default), "lower",
            "strip_punctuation" (ASCII only, as TensorFlow: see text_tokens.py), or a
            function of a NumPy str array returning one of the same shape.
        split: None, "whitespace" (default), "character".
        ngrams: None, an int n (widths 1..n) or a tuple of widths.
        output_mode: "int" (default), "multi_hot", "count", "tf_idf" ("binary" and
            "tf-idf" accepted, as in Keras).
        output_sequence_length: "int" mode: pad with 0 or cut every row to this length.
        pad_to_max_tokens: the vector modes give max_tokens columns.
        vocabulary, idf_weights: a list of terms (not a file name) and, for "tf_idf",
            their weights; or learn both with `adapt(data)`.
        sparse, ragged: only False (kerasmini has no sparse or ragged arrays).
        encoding: "utf-8" (bytes in are decoded with it).
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        _check_choice("standardize", standardize, text_tokens.STANDARDIZE, callable_ok=True)
        _check_choice("split", split, text_tokens.SPLIT, callable_ok=False)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode,
                                                                      output_mode)
        _check_choice("output_mode", output_mode, OUTPUT_MODES, allow_none=False)
        self._check_arguments(ngrams, output_mode, output_sequence_length, sparse, ragged)
        if output_mode == "one_hot" and split is not None:
            raise ValueError("TextVectorization(output_mode='one_hot') with a split gives "
                             "one vector per token, a ragged result in tf.keras, which "
                             "kerasmini does not have: use split=None, or 'multi_hot' / "
                             "'count'. Received: output_mode=one_hot, split=" + repr(split))
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._standardize, self._split, self._ngrams_arg = standardize, split, ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode, self._output_sequence_length = output_mode, output_sequence_length
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            has_input_vocabulary=has_input_vocabulary, encoding=encoding,
            vocabulary_size=vocabulary_size)
        self._build_at_init()

    @staticmethod
    def _check_arguments(ngrams, output_mode, output_sequence_length, sparse, ragged):
        if not (ngrams is None or isinstance(ngrams, int) or isinstance(ngrams, tuple)
                and all(isinstance(n, int) for n in ngrams)):
            raise ValueError("`ngrams` must be None, an integer, or a tuple of integers. "
                             f"Received: ngrams={ngrams}")
        widths = () if ngrams is None else \
            (ngrams,) if isinstance(ngrams, int) else ngrams
        if any(n < 1 for n in widths):  # TensorFlow's ngrams op fails on these at call
            raise ValueError(f"`ngrams` widths must be at least 1. Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None or isinstance(
                output_sequence_length, int)):
            raise ValueError("`output_sequence_length` must be either None or an integer "
                             "when `output_mode` is 'int'. Received: "
                             f"output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is "
                             "not 'int'. Received output_sequence_length="
                             f"{output_sequence_length}.")
        if ragged and output_mode != "int":
            raise ValueError("`ragged` must not be true if `output_mode` is `'int'`. "
                             f"Received: ragged={ragged} and output_mode={output_mode}")
        for name, value in (("ragged", ragged), ("sparse", sparse)):
            if value:
                raise ValueError(f"`{name}=True` can only be used with the TensorFlow "
                                 "backend (kerasmini has no ragged or sparse arrays). "
                                 f"Received: {name}={value}")

    # ----- the vocabulary (held by the StringLookup) -----------------------------------
    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and idf weights) from `data`: an array or list of
        strings (one document each), or an iterable of such batches (at most `steps`)."""
        if batch_size is not None:
            raise ValueError("kerasmini's TextVectorization.adapt takes no `batch_size` "
                             f"(it reads arrays and lists whole). Received: "
                             f"batch_size={batch_size}")
        batches = [data] if isinstance(data, (list, tuple, np.ndarray)) else data
        if steps is not None and batches is not data:
            raise ValueError("Argument `steps` is not supported with array inputs. "
                             f"Received: steps={steps}")
        self.reset_state()
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            batch = self._lookup_layer._terms_array(batch, "data")
            batch = batch.reshape(-1, 1) if batch.ndim == 1 else batch
            for start in range(0, len(batch), ADAPT_ROWS):
                self.update_state(batch[start:start + ADAPT_ROWS])
        self.finalize_state()

    def update_state(self, data):
        rows = self._token_rows(data)
        if isinstance(rows, np.ndarray):  # split=None: each row of strings a document
            rows = rows.reshape(len(rows), -1).tolist()
        self._lookup_layer._count_rows(rows)

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    # ----- call ------------------------------------------------------------------------
    def _convert_input(self, inputs):
        return self._lookup_layer._terms_array(inputs, "inputs")

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._split is not None and len(input_shape) > 1 and input_shape[-1] != 1:
            raise ValueError("When using `TextVectorization` to tokenize strings, the "
                             "input rank must be 1 or the last shape dimension must be 1. "
                             f"Received: inputs.shape={input_shape} with "
                             f"rank={len(input_shape)}")
        if self._output_mode == "int":
            if self._split is None:
                return input_shape if self._output_sequence_length is None else \
                    (*input_shape[:-1], self._output_sequence_length)
            return (input_shape[0] if input_shape else None, self._output_sequence_length)
        # the depth is None until a vocabulary is known (a graph built before adapt)
        lookup = self._lookup_layer
        depth = lookup.max_tokens if lookup.pad_to_max_tokens else lookup._frozen_vocab_size
        return (input_shape[0] if input_shape else None, depth)

    def _tokens(self, strings):
        """The token rows as a NumPy str array, one row per sample ("" fills the short
        rows: the mask token, index 0); without split, the standardized strings."""
        rows = self._token_rows(strings)
        return rows if isinstance(rows, np.ndarray) else text_tokens.padded(rows)

    def _token_rows(self, strings):
        """Standardized, split, n-grams: a list of token lists (or, split=None without
        ngrams, the standardized array as it is)."""
        strings = self._lookup_layer._terms_array(strings, "inputs")
        if callable(self._standardize):
            strings = self._standardize(strings)
            strings = self._lookup_layer._terms_array(strings, "standardize's output")
        elif self._standardize is not None:
            strings = np.array(text_tokens.on_distinct(
                strings, lambda s: text_tokens.standardized(s, self._standardize)),
                dtype=np.str_).reshape(strings.shape)
        if self._split is None:
            if strings.ndim != 2 and (self._ngrams or self._output_mode != "int"):
                # TensorFlow would treat the whole batch as one sample here, against
                # Keras's own output shape (batch, ...): refused, not guessed
                raise ValueError("TextVectorization with split=None and "
                                 f"output_mode={self._output_mode!r}, ngrams="
                                 f"{self._ngrams_arg} takes inputs of shape (batch, 1). "
                                 f"Received: inputs.shape={strings.shape}")
            if self._ngrams is None:
                return strings
            rows = strings.tolist()
        else:
            rows = text_tokens.on_distinct(self._squeezed(strings),
                                           lambda s: text_tokens.split(s, self._split))
        if self._ngrams is not None:
            rows = [text_tokens.ngrams(row, self._ngrams) for row in rows]
        return rows

    def _squeezed(self, strings):
        """(batch,) from (batch,) or (batch, 1), as Keras squeezes before splitting."""
        if strings.ndim == 2 and strings.shape[-1] == 1:
            return strings[:, 0]
        if strings.ndim != 1:
            self.compute_output_shape(strings.shape)  # Keras's error for (batch, n > 1)
            raise ValueError("TextVectorization takes strings of shape (batch,) or "
                             f"(batch, 1). Received: inputs.shape={strings.shape}")
        return strings

    def call(self, inputs):
        out = self._lookup_layer(self._tokens(inputs))
        if self._output_mode != "int" or self._output_sequence_length is None:
            return out
        length = self._output_sequence_length
        out = out[..., :length]
        return np.pad(out, [(0, 0)] * (out.ndim - 1) + [(0, length - out.shape[-1])])

    # ----- saving ----------------------------------------------------------------------
    def get_config(self):
        lookup = self._lookup_layer
        return {**super().get_config(), "max_tokens": lookup.max_tokens,
                "standardize": _serialized_function(self._standardize),
                "split": self._split, "ngrams": self._ngrams_arg,
                "output_mode": self._output_mode,
                "output_sequence_length": self._output_sequence_length,
                "pad_to_max_tokens": lookup.pad_to_max_tokens, "sparse": False,
                "ragged": False, "vocabulary": lookup.input_vocabulary,
                "idf_weights": lookup.get_config()["idf_weights"],
                "encoding": self._encoding, "vocabulary_size": self.vocabulary_size()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in ("standardize", "split"):
            if isinstance(config.get(name), dict):
                config[name] = _registered_function(name, config[name])
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)

    # Keras writes the lookup's vocabulary and idf weights under this layer too
    def asset_files(self):
        return self._lookup_layer.asset_files()

    def load_asset_files(self, files):
        self._lookup_layer.load_asset_files(files)

    def saved_arrays(self):
        return self._lookup_layer.saved_arrays()

    def saved_array_shapes(self):
        return self._lookup_layer.saved_array_shapes()

    def load_saved_arrays(self, arrays):
        self._lookup_layer.load_saved_arrays(arrays)


def _check_choice(name, value, allowed, callable_ok=False, allow_none=True):
    """Keras's validate_string_arg; a callable `split` is refused by name."""
    if (value is None and allow_none) or (isinstance(value, str) and value in allowed) \
            or (callable_ok and callable(value)):
        return
    if callable(value):
        raise ValueError(f"TextVectorization({name}=<a function>) is not supported by "
                         f"kerasmini: pass one of {allowed} or None.")
    raise ValueError(f"Unknown value for `{name}` argument of TextVectorization. Allowed "
                     f"values are: {allowed}. Received: {name}={value}")


def _serialized_function(value):
    """A function `standardize` as Keras writes it: by its registered name."""
    if not callable(value):
        return value
    return {"module": "builtins", "class_name": "function", "registered_name": "function",
            "config": GLOBAL_CUSTOM_NAMES.get(value, value.__name__)}


def _registered_function(argument, identifier):
    """A function named in a file: one the program registered (or passed in
    custom_objects), never code from the file."""
    name = identifier.get("config")
    function = get_registered_object(name) if isinstance(name, str) else None
    if not callable(function):
        raise ValueError(f"TextVectorization's `{argument}` in this file is the function "
                         f"{name!r}; kerasmini runs no code from a file. Register that "
                         "function (keras.saving.register_keras_serializable) or pass it "
                         "in `custom_objects` to load it.")
    return function
