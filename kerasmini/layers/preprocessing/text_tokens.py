"""TextVectorization's steps before the lookup, on Python strings, exactly as the
TensorFlow ops Keras runs:

* "lower" is tf.strings.lower without an encoding, which lowers ASCII letters only
  ("Été" -> "Été", "PARIS" -> "paris");
* "strip_punctuation" is Keras's regex `[!"#$%&()\\*\\+,-\\./:;<=>?@\\[\\\\\\]^_`{|}~\\']`:
  the 32 ASCII punctuation characters (string.punctuation), nothing outside ASCII;
* "whitespace" is tf.strings.split: runs of ASCII whitespace (space \\t \\n \\v \\f \\r)
  separate tokens, empty tokens are dropped; a no-break or ideographic space is not a
  separator there, so it is none here (Python's str.split would split on them);
* "character" is tf.strings.unicode_split: one token per code point;
* ngrams is tf.strings.ngrams with separator " ": for each width in the order given,
  every run of that many consecutive tokens, no padding; a row shorter than a width
  gives none of that width.

Each distinct string is worked on once (a loop over distinct values)."""
import re
import string

import numpy as np

STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT = ("whitespace", "character")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_NO_PUNCTUATION = str.maketrans("", "", string.punctuation)
_ASCII_WHITESPACE = re.compile("[ \t\n\v\f\r]+")
_PYTHON_ONLY_WHITESPACE = re.compile("[\x1c-\x1f]")  # ASCII, yet str.split splits on them


def standardized(text, standardize):
    """One string through "lower" and/or "strip_punctuation"."""
    if standardize in ("lower", "lower_and_strip_punctuation"):
        text = text.translate(_ASCII_LOWER)
    if standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
        text = text.translate(_NO_PUNCTUATION)
    return text


def split(text, how):
    """One string's tokens."""
    if how == "whitespace":
        if text.isascii() and not _PYTHON_ONLY_WHITESPACE.search(text):
            return text.split()  # the same there, and much faster than the regex
        return [token for token in _ASCII_WHITESPACE.split(text) if token]
    return list(text)  # "character": code points


def ngrams(tokens, widths):
    """The n-grams of one row of tokens, width by width."""
    return [" ".join(tokens[i:i + width]) for width in widths
            for i in range(len(tokens) - width + 1)]


def on_distinct(strings, function):
    """[function(s) for each string of a NumPy str array, in order], computed once per
    distinct value (a dict: hashing beats sorting long, mostly distinct documents)."""
    results = {}
    return [results[s] if s in results else results.setdefault(s, function(s))
            for s in strings.ravel().tolist()]


def padded(rows):
    """A list of token lists -> a NumPy str array (rows, longest row) filled out with
    "" (TextVectorization's mask token, so the lookup maps the filling to index 0)."""
    lengths = np.array([len(row) for row in rows], dtype=np.int64)
    flat = np.array([token for row in rows for token in row], dtype=np.str_)
    out = np.full((len(rows), int(lengths.max(initial=0))), "", dtype=flat.dtype)
    starts = np.cumsum(lengths) - lengths
    rows_of = np.repeat(np.arange(len(rows)), lengths)
    out[rows_of, np.arange(len(flat)) - starts[rows_of]] = flat
    return out
