"""Integer category indices -> one-hot, multi-hot or count vectors (shared by
CategoryEncoding, IntegerLookup, StringLookup and Discretization)."""
import numpy as np

from kerasmini import autodiff


def integer_indices(layer, inputs):
    """`inputs` as a NumPy integer array (floats truncated, as Keras casts them). A value
    a tape follows is refused: category outputs have no gradient, as in Keras, where the
    tape returns None for it; kerasmini says so instead of returning zeros."""
    if autodiff.is_live(inputs):
        raise autodiff.NoGradientError(
            f"Layer '{layer.name}' ({type(layer).__name__}) has no gradient: its output "
            "is category indices or counts, a step function of its input.")
    x = np.asarray(inputs)
    if x.dtype.kind not in "biuf":
        raise ValueError(f"Layer '{layer.name}' expects integer inputs. Received: inputs "
                         f"with dtype={x.dtype}")
    return x if x.dtype.kind in "iu" else x.astype(np.int64)


def check_range(indices, depth, name):
    """Keras 3 on TensorFlow drops values outside [0, depth) in silence (a zero row);
    kerasmini refuses them, as Keras 2 did."""
    if indices.size and (indices.min() < 0 or indices.max() >= depth):
        raise ValueError(f"Layer '{name}': input values must be in the range 0 <= values "
                         f"< num_tokens with num_tokens={depth}. Received: values from "
                         f"{indices.min()} to {indices.max()}.")


def encoded_shape(input_shape, output_mode, depth):
    """Keras's output shape: one_hot appends the depth axis (replacing a last axis of
    size 1 on rank >= 2); multi_hot and count replace the last (sample) axis."""
    input_shape = tuple(input_shape)
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot" and (input_shape[-1] != 1 or len(input_shape) == 1):
        return (*input_shape, depth)
    return (*input_shape[:-1], depth)


def encode(indices, output_mode, depth, dtype, count_weights=None):
    """indices (integers in [0, depth)) -> float vectors of length `depth`, shaped as
    `encoded_shape`; `count_weights` (same shape as indices) weight each count."""
    if indices.ndim == 0:
        indices = indices.reshape(1)
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = indices[..., 0]
        return (indices[..., None] == np.arange(depth)).astype(dtype)
    if output_mode == "count" and indices.ndim > 2:
        # Keras sums over axis 1 here, which disagrees with its own output shape
        raise ValueError("When output_mode is 'count', the maximum supported input rank "
                         f"is 2. Received: inputs of shape {indices.shape}")
    samples = indices.reshape(-1, indices.shape[-1])
    rows = np.repeat(np.arange(samples.shape[0]), samples.shape[1])
    counts = np.zeros((samples.shape[0], depth), dtype=dtype)
    if output_mode == "multi_hot":
        counts[rows, samples.ravel()] = 1
    else:  # count: add each occurrence (np.add.at adds repeated indices, += would not)
        weights = 1 if count_weights is None else np.reshape(count_weights, -1)
        np.add.at(counts, (rows, samples.ravel()), weights)
    return counts.reshape(*indices.shape[:-1], depth)
