"""IMDB's and Reuters' reviews and newswires: lists of word ids (1 = the most frequent
word), turned into the sequences load_data returns as Keras turns them."""
import numpy as np

from kerasmini.datasets.safe_files import ORIGIN, cached_file, read_bytes
from kerasmini.saving.safe_reading import FileFormatError, parse_json_object

MAX_WORD_INDEX_BYTES = 64 << 20  # IMDB's index is 1.6 MB (88,584 words)


def indexed(sequences, start_char, index_from):
    """Each sequence as a list, its ids shifted by `index_from`, after `start_char`."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in sequences]
    return [[w + index_from for w in x] for x in sequences]


def shorter_than(maxlen, sequences, labels):
    """The sequences shorter than `maxlen`, and their labels."""
    kept = [(x, y) for x, y in zip(sequences, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def vocabulary_cut(sequences, num_words, skip_top, oov_char):
    """Ids outside [skip_top, num_words) replaced by `oov_char`, or dropped when it is
    None; num_words None means the largest id there is."""
    if not num_words:
        num_words = max(max(x) for x in sequences)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x]
                for x in sequences]
    return [[w for w in x if skip_top <= w < num_words] for x in sequences]


def as_objects(sequences):
    """A 1D object array of lists (never a 2D int array when all lengths agree)."""
    array = np.empty(len(sequences), dtype=object)
    array[:] = sequences
    return array


def sequences_of(arrays, name, where):
    """The object array `name` of an npz: one list of word ids per sample (a word id
    that is no number fails in the arithmetic that follows)."""
    value = arrays.get(name)
    if not isinstance(value, np.ndarray) or value.ndim != 1 or not all(
            isinstance(x, list) for x in value):
        raise FileFormatError(f"{where}'s '{name}' must be an array of lists of word ids.")
    return value


def word_index(fname):
    """{word: id} from Keras's cached JSON word index."""
    path = cached_file(fname, ORIGIN + fname)
    # the config guards: values counted before parsing, nesting bounded, keys unique
    index = parse_json_object(read_bytes(path, MAX_WORD_INDEX_BYTES), path)
    if not all(type(i) is int for i in index.values()):  # bool is an int to isinstance
        raise FileFormatError(f"{path} must map words to integer ids.")
    return index
