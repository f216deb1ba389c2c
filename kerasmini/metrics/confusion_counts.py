"""Weighted confusion counts (true/false positives/negatives) at a list of thresholds.

A prediction counts as positive at threshold t when y_pred > t (strictly), as in Keras.
Two ways to count, chosen as Keras chooses them so that ties land where Keras puts them:
- thresholds evenly spaced over [0, 1] (AUC's default): each prediction falls in one bucket
  ceil(p * (T - 1)) - 1, and the count at threshold i is the sum of the buckets >= i
  (a reversed cumulative sum: O(N + T) instead of O(N * T));
- any other thresholds: compare every prediction with every threshold.
"""
import numpy as np

from kerasmini import config
from kerasmini.losses.loss import squeeze_or_expand_to_same_rank

NEG_INF = -1e10  # Keras's score for "not in the top k"


def check_thresholds(thresholds):
    """thresholds as a list, each in [0, 1]; ValueError naming the bad ones."""
    thresholds = [thresholds] if np.isscalar(thresholds) else list(thresholds)
    bad = [t for t in thresholds if t is None or not 0 <= t <= 1]
    if bad:
        bad = [t if t is None else float(t) for t in bad]
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    return [float(t) for t in thresholds]


def evenly_spaced(thresholds):
    """True for i / (T - 1), i = 0..T-1, T >= 3 (within epsilon), as Keras tests it."""
    count = len(thresholds)
    even = np.arange(count, dtype=np.float32) / (count - 1) if count >= 3 else None
    return even is not None and np.allclose(thresholds, even, atol=config.epsilon())


def top_k_only(y_pred, k):
    """Scores outside each row's k largest replaced by NEG_INF (first index wins ties)."""
    order = np.argsort(-y_pred, axis=-1, kind="stable")[..., :k]
    keep = np.zeros(y_pred.shape, bool)
    np.put_along_axis(keep, order, True, axis=-1)
    return np.where(keep, y_pred, np.asarray(NEG_INF, y_pred.dtype))


def prepare(y_true, y_pred, sample_weight, dtype, top_k=None, class_id=None):
    """(labels as 0/1, scores, weights broadcast to the scores), in `dtype`."""
    y_true, y_pred = np.asarray(y_true, dtype), np.asarray(y_pred, dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    weight = None
    if sample_weight is not None:
        weight = np.asarray(sample_weight, dtype)[..., None]
        _, weight = squeeze_or_expand_to_same_rank(y_true, weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = top_k_only(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with "
                             "shape (num_samples, num_classes), found shape: "
                             f"{y_pred.shape}")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weight = np.ones_like(y_pred) if weight is None else np.broadcast_to(weight, y_pred.shape)
    return (y_true != 0).astype(dtype), y_pred, weight


def confusion_counts(labels, scores, weight, thresholds, evenly, multi_label=False):
    """dict tp/fp/tn/fn -> counts of shape (T,) (or (T, labels) when multi_label).

    labels, scores, weight: same shape (batch, ...); multi_label keeps the last axis apart.
    evenly: count by buckets (the caller decides, as Keras does, from its thresholds)."""
    shape = (-1, labels.shape[-1]) if multi_label else (-1, 1)
    labels, scores, weight = (np.reshape(a, shape) for a in (labels, scores, weight))
    positive, negative = labels * weight, (1 - labels) * weight
    if evenly:
        # AUC's outer thresholds are -eps and 1 + eps: a score of 0 is above the first
        with_epsilon = thresholds[0] < 0 or thresholds[-1] > 1
        tp, fp = _bucket_counts(positive, negative, scores, len(thresholds), with_epsilon)
    else:
        above = scores[None] > np.asarray(thresholds, scores.dtype)[:, None, None]
        tp, fp = np.sum(above * positive, axis=1), np.sum(above * negative, axis=1)
    counts = {"tp": tp, "fp": fp, "fn": positive.sum(0) - tp, "tn": negative.sum(0) - fp}
    return counts if multi_label else {k: v[:, 0] for k, v in counts.items()}


def _bucket_counts(positive, negative, scores, count, with_epsilon):
    """Keras's evenly-spaced path: clip to [0, 1], bucket, reversed cumulative sum."""
    scores = np.clip(scores, 0.0, 1.0)
    bucket = np.ceil(scores * np.asarray(count - 1, scores.dtype)) - 1
    if with_epsilon:
        bucket = np.maximum(bucket, 0)
    bucket = bucket.astype(np.int64)
    column = np.broadcast_to(np.arange(scores.shape[1]), scores.shape)
    inside = bucket >= 0  # a score of exactly 0 is above no threshold (0 > 0 is false)
    sums = []
    for values in (positive, negative):
        per_bucket = np.zeros((count, scores.shape[1]), positive.dtype)
        np.add.at(per_bucket, (bucket[inside], column[inside]), values[inside])
        sums.append(np.cumsum(per_bucket[::-1], axis=0)[::-1])
    return sums
