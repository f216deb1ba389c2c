"""keras.datasets.imdb: 50,000 movie reviews as word ids, labelled by sentiment."""
import numpy as np

from kerasmini.datasets.safe_files import ORIGIN, cached_file, load_npz
from kerasmini.datasets.splits import shuffled
from kerasmini.datasets.word_sequences import (as_objects, indexed, sequences_of,
                                               shorter_than, vocabulary_cut, word_index)


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3):
    """((x_train, y_train), (x_test, y_test)): object arrays of lists of word ids and
    their labels, from Keras's cached imdb.npz, as Keras prepares them."""
    where = cached_file(path, ORIGIN + "imdb.npz")
    arrays = load_npz(where)
    rng = np.random.RandomState(seed)
    x_train, y_train = shuffled(rng, sequences_of(arrays, "x_train", where),
                                arrays["y_train"])
    x_test, y_test = shuffled(rng, sequences_of(arrays, "x_test", where), arrays["y_test"])
    x_train, x_test = indexed(x_train, start_char, index_from), indexed(
        x_test, start_char, index_from)
    if maxlen:
        x_train, y_train = shorter_than(maxlen, x_train, y_train)
        x_test, y_test = shorter_than(maxlen, x_test, y_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, "
                             "no sequence was kept. Increase maxlen.")
    xs = vocabulary_cut(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([y_train, y_test])
    cut = len(x_train)
    return (as_objects(xs[:cut]), labels[:cut]), (as_objects(xs[cut:]), labels[cut:])


def get_word_index(path="imdb_word_index.json"):
    """{word: id} (ids before load_data's `index_from` shift)."""
    return word_index(path)
