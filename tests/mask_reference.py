"""Float64 references for masked merges and masked BatchNormalization, written position
by position from Keras's rules (keras/src/layers/merging/, batch_normalization.py)."""
import numpy as np

SKIPPING = {"Maximum": max, "Minimum": min}


def merge_reference(kind, inputs, masks):
    """The output of merge `kind` on same-shaped (batch, steps, features) inputs with
    (batch, steps) masks (None: that input has none)."""
    batch, steps = inputs[0].shape[:2]
    if kind not in ("Maximum", "Minimum", "Multiply") or all(m is None for m in masks):
        return plain_merge(kind, inputs)
    out = np.empty(inputs[0].shape)
    for b in range(batch):
        for t in range(steps):
            values = [x[b, t].astype(np.float64) for x in inputs]
            kept = [None if m is None else bool(m[b, t]) for m in masks]
            reduce = _product_step if kind == "Multiply" else _skipping_step
            out[b, t] = reduce(kind, values, kept)
    return out


def _skipping_step(kind, values, kept):
    """Keras's Maximum/Minimum at one step: a masked value is replaced by the running
    result, a masked running result by the value; the mask ORs while all have one."""
    best = SKIPPING[kind]
    out, out_kept = values[0], kept[0]
    for x, k in zip(values[1:], kept[1:]):
        if k is False:
            x = out
        if out_kept is False:
            out = x
        out_kept = None if k is None or out_kept is None else out_kept or k
        out = np.array([best(a, c) for a, c in zip(out, x)])
    return out


def _product_step(kind, values, kept):
    """Keras's Multiply at one step: masked values count as 1; when every input has a
    mask and none keeps the step, the product is 0."""
    product = np.ones_like(values[0])
    for x, k in zip(values, kept):
        product = product * (x if k is not False else 1.0)
    if all(k is not None for k in kept) and not any(kept):
        return np.zeros_like(product)
    return product


def plain_merge(kind, inputs):
    xs = [x.astype(np.float64) for x in inputs]
    if kind == "Add":
        return sum(xs)
    if kind == "Subtract":
        return xs[0] - xs[1]
    if kind == "Average":
        return sum(xs) / len(xs)
    if kind == "Multiply":
        return np.prod(xs, axis=0)
    if kind in SKIPPING:
        return (np.maximum if kind == "Maximum" else np.minimum).reduce(xs)
    raise ValueError(kind)


def merge_mask_reference(kind, inputs, masks, axis=-1):
    """The mask Keras hands on: the OR of the inputs' masks, None if any has none;
    Concatenate joins them (all True for an unmasked input); Dot none."""
    if kind == "Dot" or all(m is None for m in masks):
        return None
    if kind == "Concatenate":
        full = [np.ones(x.shape[:2], bool) if m is None else np.asarray(m, bool)
                for x, m in zip(inputs, masks)]
        if axis in (-1, 2):
            return np.logical_or.reduce(full)
        return np.concatenate(full, axis=axis)
    if any(m is None for m in masks):
        return None
    return np.logical_or.reduce([np.asarray(m, bool) for m in masks])


def masked_batch_normalization(x, mask, gamma, beta, epsilon, keras_epsilon=1e-7):
    """Training-mode BatchNormalization of (batch, steps, features) x over the kept
    (batch, steps) positions: returns (output, mean, variance), per feature in a loop."""
    x = x.astype(np.float64)
    out = np.empty_like(x)
    means, variances = [], []
    for f in range(x.shape[-1]):
        kept = x[..., f][np.asarray(mask, bool)]
        mean = kept.sum() / (kept.size + keras_epsilon)
        variance = ((kept - mean) ** 2).sum() / (kept.size + keras_epsilon)
        out[..., f] = (x[..., f] - mean) / np.sqrt(variance + epsilon) * gamma[f] + beta[f]
        means.append(mean)
        variances.append(variance)
    return out, np.array(means), np.array(variances)
