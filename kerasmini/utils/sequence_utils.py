"""pad_sequences: lists of different lengths to one array, as keras.utils.pad_sequences."""
import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre",
                  truncating="pre", value=0.0):
    """(len(sequences), maxlen) array: each sequence cut to `maxlen` (from the front if
    `truncating` is 'pre', the back if 'post') and filled with `value` before ('pre') or
    after ('post') it. Empty sequences give rows of `value`."""
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    for name, side in (("Padding", padding), ("Truncating", truncating)):
        if side not in ("pre", "post"):
            raise ValueError(f'{name} type "{side}" not understood')
    if maxlen is not None and (not isinstance(maxlen, (int, np.integer)) or maxlen < 0):
        raise ValueError(f"Argument `maxlen` must be an integer >= 0 or None. "
                         f"Received: maxlen={maxlen}")
    arrays = []
    for index, sequence in enumerate(sequences):
        if not hasattr(sequence, "__len__"):
            raise ValueError("`sequences` must be a list of iterables. Found "
                             f"non-iterable: {sequence}")
        arrays.append(np.asarray(sequence))
    lengths = [len(a) for a in arrays]
    maxlen = max(lengths, default=0) if maxlen is None else int(maxlen)
    sample_shape = next((a.shape[1:] for a in arrays if len(a)), ())
    is_text = np.issubdtype(np.dtype(dtype), np.str_) or np.dtype(dtype) == object
    if isinstance(value, str) and not is_text:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: "
                         f"{type(value)}\nYou should set `dtype=object` for variable "
                         "length strings.")
    out = np.full((len(arrays), maxlen) + sample_shape, value, dtype=dtype)
    for row, array in enumerate(arrays):
        if not len(array) or not maxlen:
            continue
        kept = array[-maxlen:] if truncating == "pre" else array[:maxlen]
        if kept.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position "
                             f"{row} is different from expected shape {sample_shape}")
        if padding == "post":
            out[row, :len(kept)] = kept
        else:
            out[row, -len(kept):] = kept
    return out
