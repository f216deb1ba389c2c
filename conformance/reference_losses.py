"""Float64 references for the losses, written from their definitions (per sample, then
weighted and reduced), and central finite differences of them for gradients."""
import numpy as np

EPS = 1e-7


def per_sample(name, t, p, args, dtype="float64"):
    # Keras clips probabilities to [epsilon, 1 - epsilon] *in the loss's dtype*: in
    # float32 the upper bound is float32(1 - 1e-7) = 1 - 1.19e-7, which is part of the
    # definition (log(1 - bound) differs from log(1e-7) by 0.17)
    hi = float(np.asarray(1 - EPS, dtype))
    lo = float(np.asarray(EPS, dtype))
    if name == "mse":
        return ((p - t) ** 2).mean(-1)
    if name == "mae":
        return np.abs(p - t).mean(-1)
    if name == "huber":
        d = args.get("delta", 1.0)
        e = np.abs(p - t)
        return np.where(e <= d, 0.5 * e ** 2, d * e - 0.5 * d * d).mean(-1)
    if name == "kld":
        t, p = np.clip(t, lo, 1), np.clip(p, lo, 1)
        return (t * np.log(t / p)).sum(-1)
    axis = args.get("axis", -1)
    smoothing = args.get("label_smoothing", 0.0)
    if name == "bce":
        t = t * (1 - smoothing) + 0.5 * smoothing
        if args.get("from_logits"):
            q = 1 / (1 + np.exp(-p))
            per = -(t * np.log(q) + (1 - t) * np.log1p(-q))
            # for |x| large log(q) underflows in the formula above; use the exact form
            per = np.where(np.abs(p) > 30, np.maximum(p, 0) - p * t, per)
        else:
            q = np.clip(p, lo, hi)
            per = -(t * np.log(q) + (1 - t) * np.log(1 - q))
        return per.mean(axis)
    if name == "cce":
        t = t * (1 - smoothing) + smoothing / t.shape[-1]
        if args.get("from_logits"):
            log_q = p - p.max(axis=axis, keepdims=True)
            log_q = log_q - np.log(np.exp(log_q).sum(axis=axis, keepdims=True))
        else:
            log_q = np.log(np.clip(p / p.sum(axis=axis, keepdims=True), lo, hi))
        return -(t * log_q).sum(axis)
    if name == "scce":
        labels = t.astype(int).reshape(p.shape[:-1])
        logits = p if args.get("from_logits") else np.log(np.clip(p, lo, hi))
        shifted = logits - logits.max(-1, keepdims=True)
        log_q = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
        return -np.take_along_axis(log_q, labels[..., None], -1)[..., 0]
    raise KeyError(name)


def loss(name, t, p, args, sample_weight=None, reduction="sum_over_batch_size",
         dtype="float64"):
    values = per_sample(name, np.asarray(t, np.float64), np.asarray(p, np.float64), args,
                        dtype)
    if sample_weight is not None:
        w = np.asarray(sample_weight, np.float64)
        if w.ndim == values.ndim + 1 and w.shape[-1] == 1:
            w = w[..., 0]
        values = values * w
    if reduction in (None, "none"):
        return values
    if reduction == "sum":
        return values.sum()
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return values.sum() / np.sum(w)
    return values.sum() / values.size


def gradient(name, t, p, args, sample_weight=None, reduction="sum_over_batch_size",
             dtype="float64", h=1e-6):
    """d sum(loss) / d p by central differences in float64 (entries with a kink or a clip
    boundary within h of them are returned as NaN: no derivative to compare there)."""
    p = np.asarray(p, np.float64)
    grad = np.empty_like(p)
    for index in np.ndindex(p.shape):
        step = h * max(1.0, abs(p[index]))
        up, down = p.copy(), p.copy()
        up[index] += step
        down[index] -= step
        f_up = np.sum(loss(name, t, up, args, sample_weight, reduction, dtype))
        f_down = np.sum(loss(name, t, down, args, sample_weight, reduction, dtype))
        f_mid = np.sum(loss(name, t, p, args, sample_weight, reduction, dtype))
        left, right = f_mid - f_down, f_up - f_mid
        # a kink: the one-sided slopes differ by more than rounding
        if abs(left - right) > 1e-4 * max(abs(left), abs(right), 1e-12):
            grad[index] = np.nan
        else:
            grad[index] = (f_up - f_down) / (2 * step)
    return grad
