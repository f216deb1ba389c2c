"""keras.datasets.reuters: 11,228 Reuters newswires as word ids, in 46 topics."""
import numpy as np

from kerasmini.datasets.safe_files import ORIGIN, cached_file, load_npz
from kerasmini.datasets.splits import check_test_split, shuffled
from kerasmini.datasets.word_sequences import (as_objects, indexed, sequences_of,
                                               shorter_than, vocabulary_cut, word_index)

# the topic of each label, in label order
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
    "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass",
    "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum",
    "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi",
    "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
    "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """((x_train, y_train), (x_test, y_test)): object arrays of lists of word ids and
    their topics, from Keras's cached reuters.npz, shuffled and split as Keras does."""
    check_test_split(test_split)
    where = cached_file(path, ORIGIN + "reuters.npz")
    arrays = load_npz(where)
    xs, labels = shuffled(np.random.RandomState(seed), sequences_of(arrays, "x", where),
                          arrays["y"])
    xs = indexed(xs, start_char, index_from)
    if maxlen:
        xs, labels = shorter_than(maxlen, xs, labels)
    xs = vocabulary_cut(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return ((as_objects(xs[:cut]), np.array(labels[:cut])),
            (as_objects(xs[cut:]), np.array(labels[cut:])))


def get_word_index(path="reuters_word_index.json"):
    """{word: id} (ids before load_data's `index_from` shift)."""
    return word_index(path)


def get_label_names():
    """The 46 topics, in label order."""
    return LABEL_NAMES
