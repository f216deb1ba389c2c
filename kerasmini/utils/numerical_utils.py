"""to_categorical: integer class labels to one-hot rows, as keras.utils.to_categorical."""
import numpy as np


def to_categorical(x, num_classes=None):
    """One-hot float64 rows of `num_classes` (default max label + 1) for labels `x`.

    A trailing axis of size 1 is dropped first, as Keras does ((n, 1) -> (n, classes)).
    Keras truncates float labels and lets negative ones wrap around to the last classes;
    here both are errors (a wrong one-hot row would train in silence).
    """
    labels = np.asarray(x)
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        if not np.issubdtype(labels.dtype, np.number) or \
                np.any(labels != np.floor(labels)):
            raise ValueError("Argument `x` must hold integer class labels. Received: "
                             f"x={str(x)[:200]} (dtype {labels.dtype})")
    labels = labels.astype("int64")
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    labels = labels.reshape(-1)
    if labels.size and labels.min() < 0:
        raise ValueError("Argument `x` must hold class labels >= 0. Received a label "
                         f"value of {labels.min()}")
    if not num_classes:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and labels.max() >= num_classes:
        raise IndexError(f"Received a label value of {labels.max()} which is outside the "
                         f"valid range of [0, {num_classes}) (num_classes={num_classes})")
    one_hot = np.zeros((labels.size, num_classes))
    one_hot[np.arange(labels.size), labels] = 1
    return one_hot.reshape(shape + (num_classes,))
