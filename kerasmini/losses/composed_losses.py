"""Losses written as NumPy arithmetic on y_pred, with no gradient rule of their own: on
an active GradientTape y_pred is a TapeArray, so every operation below is recorded by
the tape's NumPy rules (kerasmini/autodiff/numpy_rules.py) and the loss is
differentiated for free. Only operations with rules are used (softplus is written out, see
`_softplus`, not np.logaddexp). The metrics of the same names
(kerasmini/metrics/) take their per-sample values from these functions.
"""
import inspect
import warnings

import numpy as np

from kerasmini import config
from kerasmini.losses.loss import squeeze_or_expand_to_same_rank


def operands(y_true, y_pred, align=True):
    """y_pred as a float array (a TapeArray stays one), y_true in its dtype; with
    `align`, ranks aligned as Keras aligns them."""
    y_pred = np.asanyarray(y_pred)
    if not np.issubdtype(y_pred.dtype, np.floating):
        y_pred = y_pred.astype(config.floatx())
    y_true = np.asanyarray(y_true).astype(y_pred.dtype, copy=False)  # a teacher's: traced
    if align:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return y_true, y_pred


def _softplus(x):
    """log(1 + exp(x)) = (x + |x|) / 2 + log1p(exp(-|x|)): no overflow, and the recorded
    rules give the derivative sigmoid(x) everywhere, 1/2 at x = 0 (max(x, 0) in place of
    (x + |x|) / 2 would give 1 there: the tie goes to one side)."""
    magnitude = np.abs(x)
    return (x + magnitude) / 2 + np.log1p(np.exp(-magnitude))


def _epsilon(y_pred):
    return y_pred.dtype.type(config.epsilon())


# ----- regression --------------------------------------------------------------------
def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|y_true - y_pred| / max(|y_true|, epsilon))."""
    y_true, y_pred = operands(y_true, y_pred)
    floor = np.maximum(np.abs(y_true), _epsilon(y_pred))
    return y_pred.dtype.type(100) * np.mean(np.abs((y_true - y_pred) / floor), axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(1 + max(y_pred, eps)) - log(1 + max(y_true, eps)))^2)."""
    y_true, y_pred = operands(y_true, y_pred)
    eps = _epsilon(y_pred)
    first, second = np.log1p(np.maximum(y_pred, eps)), np.log1p(np.maximum(y_true, eps))
    return np.mean(np.square(first - second), axis=-1)


def log_cosh(y_true, y_pred):
    """mean(log(cosh(e))) for e = y_pred - y_true, as e + softplus(-2e) - log 2 (no
    overflow for large |e|)."""
    y_true, y_pred = operands(y_true, y_pred)
    error = y_pred - y_true
    log2 = np.log(error.dtype.type(2))
    return np.mean(error + _softplus(-2 * error) - log2, axis=-1)


def l2_normalize(x, axis=-1):
    """x / ||x||, with 1 / ||x|| capped at 1 / epsilon (a zero vector stays zero)."""
    square_sum = np.sum(np.square(x), axis=axis, keepdims=True)
    # the floor goes under the square root so its derivative is never 1 / sqrt(0)
    floor = x.dtype.type(config.epsilon()) ** 2
    return x / np.sqrt(np.maximum(square_sum, floor))


def cosine_proximity(y_true, y_pred, axis=-1):
    """sum(normalized y_true * normalized y_pred): the metric CosineSimilarity."""
    y_true, y_pred = operands(y_true, y_pred)
    return np.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


def cosine_similarity(y_true, y_pred, axis=-1):
    """-cosine_proximity: the loss falls as the vectors align."""
    return -cosine_proximity(y_true, y_pred, axis)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + epsilon))."""
    y_true, y_pred = operands(y_true, y_pred, align=False)
    return np.mean(y_pred - y_true * np.log(y_pred + _epsilon(y_pred)), axis=-1)


# ----- hinge (labels in {-1, 1}; labels all in {0, 1} are mapped there first) ----------
def _signed_labels(y_true, y_pred):
    y_true, y_pred = operands(y_true, y_pred, align=False)
    if np.all((y_true == 0) | (y_true == 1)):
        y_true = 2 * y_true - 1
    return y_true, y_pred


def hinge(y_true, y_pred):
    y_true, y_pred = _signed_labels(y_true, y_pred)
    return np.mean(np.maximum(1 - y_true * y_pred, 0), axis=-1)


def squared_hinge(y_true, y_pred):
    y_true, y_pred = _signed_labels(y_true, y_pred)
    return np.mean(np.square(np.maximum(1 - y_true * y_pred, 0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(0, 1 + (the best wrong score) - (the right score)), y_true one-hot."""
    y_true, y_pred = operands(y_true, y_pred, align=False)
    right = np.sum(y_true * y_pred, axis=-1)
    wrong = np.max((1 - y_true) * y_pred, axis=-1)
    return np.maximum(wrong - right + 1, 0)


# ----- focal crossentropies ------------------------------------------------------------
def _smoothed(y_true, label_smoothing, classes):
    if not label_smoothing:
        return y_true
    return y_true * (1.0 - label_smoothing) + label_smoothing / classes


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean((1 - p_t)^gamma * bce), p_t the probability given to the true label; with
    class balancing each term is weighted alpha (label 1) or 1 - alpha (label 0).
    From logits, bce is computed from the logits (not clipped), as Keras does."""
    y_true, y_pred = operands(y_true, y_pred, align=False)
    y_true = _smoothed(y_true, label_smoothing, 2)
    if from_logits:
        bce = _softplus(y_pred) - y_pred * y_true   # max(x,0) - xz + log1p(exp(-|x|))
        y_pred = np.exp(-_softplus(-y_pred))         # sigmoid, stable for large |x|
    else:
        eps = _epsilon(y_pred)
        p = np.clip(y_pred, eps, 1 - eps)
        bce = -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal_bce = np.power(1 - p_t, gamma) * bce
    if apply_class_balancing:
        focal_bce = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal_bce
    return np.mean(focal_bce, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """sum(-alpha (1 - p)^gamma y_true log p) over the classes, p = y_pred normalized
    to sum 1 and clipped to [epsilon, 1 - epsilon] (softmax first, from logits)."""
    if isinstance(axis, bool):
        raise ValueError("`axis` must be of type `int`. "
                         f"Received: axis={axis} of type {type(axis)}")
    y_true, y_pred = operands(y_true, y_pred, align=False)
    if y_pred.shape[-1:] == (1,):
        warnings.warn("In loss categorical_focal_crossentropy, expected y_pred.shape to be "
                      "(batch_size, num_classes) with num_classes > 1. Received: "
                      f"y_pred.shape={y_pred.shape}. Consider using 'binary_crossentropy' "
                      "if you only have 2 classes.", SyntaxWarning, stacklevel=2)
    y_true = _smoothed(y_true, label_smoothing, y_pred.dtype.type(y_true.shape[-1]))
    if from_logits:
        shifted = y_pred - np.max(np.asarray(y_pred), axis=axis, keepdims=True)
        y_pred = np.exp(shifted)
    eps = _epsilon(y_pred)
    p = np.clip(y_pred / np.sum(y_pred, axis=axis, keepdims=True), eps, 1 - eps)
    return np.sum(alpha * np.power(1 - p, gamma) * (-y_true * np.log(p)), axis=axis)


# ----- overlap (segmentation) and the generalized crossentropy -------------------------
def dice(y_true, y_pred, axis=None):
    """1 - 2 sum(y_true y_pred) / (sum(y_true) + sum(y_pred) + epsilon), the sums over
    `axis` (None: every axis, batch included, so one value for the whole batch)."""
    y_true, y_pred = operands(y_true, y_pred, align=False)
    intersection = np.sum(y_true * y_pred, axis=axis)
    total = np.sum(y_true, axis=axis) + np.sum(y_pred, axis=axis) + _epsilon(y_pred)
    return 1 - 2 * intersection / total


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - tp / (tp + alpha fp + beta fn + epsilon), with tp = sum(y_true y_pred),
    fp = sum((1 - y_pred) y_true), fn = sum(y_pred (1 - y_true)) as Keras names them
    (alpha = beta = 0.5 is the Dice loss without the epsilon's factor 2)."""
    y_true, y_pred = operands(y_true, y_pred, align=False)
    tp = np.sum(y_true * y_pred, axis=axis)
    fp = np.sum((1 - y_pred) * y_true, axis=axis)
    fn = np.sum(y_pred * (1 - y_true), axis=axis)
    return 1 - tp / (tp + fp * alpha + fn * beta + _epsilon(y_pred))


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """(1 - p^q) / q, p the probability y_pred gives the integer label y_true (0 for a
    label outside [0, classes), as Keras's one-hot gives): q -> 0 is the crossentropy,
    q = 1 the mean absolute error, robust to noisy labels in between."""
    y_pred = operands(y_true, y_pred, align=False)[1]
    labels = np.asarray(y_true).astype(np.int64)
    one_hot = labels[..., None] == np.arange(y_pred.shape[-1])
    p = np.sum(y_pred * one_hot.astype(y_pred.dtype), axis=-1)
    # a label out of range picks p = 0, a constant: its loss is 1 / q, its gradient 0
    # (the power's derivative at 0 is infinite and must not meet the zero one-hot)
    picked = np.any(one_hot, axis=-1)
    q = y_pred.dtype.type(q)
    return (1 - np.power(np.where(picked, p, 1), q) * picked) / q


def _masked_logsumexp(x, mask):
    """log(sum(exp(x))) over the entries of each row where `mask` holds, and whether the
    row has any. The excluded entries never reach exp (no overflow, no NaN gradient) and
    an empty row's sum is taken as 1 (its result is discarded by the caller)."""
    has_any = np.any(mask, axis=1)
    shift = np.max(np.where(mask, np.asarray(x), -np.inf), axis=1, initial=-np.inf)
    shift = np.where(has_any, shift, 0).astype(x.dtype)[:, None]
    terms = np.where(mask, np.exp(np.where(mask, x, shift) - shift), 0)
    sums = np.where(has_any, np.sum(terms, axis=1), 1)
    return np.log(sums) + shift[:, 0], has_any


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80, margin=0.4):
    """Circle loss (Sun et al. 2020) on cosine distances d = max(1 - y_pred @ ref^T, 0)
    between (normalized) embeddings: softplus(logsumexp over same-label pairs of
    -gamma [margin + d]_+ (margin - d) + logsumexp over other-label pairs of
    gamma [1 + margin - d]_+ (1 - margin - d)); a row with no pair of one kind gives 0,
    as logsumexp over nothing is -inf. Pairs of a row with itself are left out with
    `remove_diagonal`."""
    y_pred = operands(y_pred, y_pred, align=False)[1]
    labels = np.asarray(y_true).astype(np.int32).reshape(-1, 1)
    ref = y_pred if ref_embeddings is None else np.asanyarray(ref_embeddings).astype(
        y_pred.dtype)
    ref_labels = labels if ref_labels is None else np.asarray(ref_labels).astype(
        np.int32).reshape(-1, 1)
    distance = np.maximum(1 - y_pred @ np.transpose(ref), y_pred.dtype.type(0))
    positive = labels == ref_labels.T
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~np.eye(positive.shape[0], positive.shape[1], dtype=bool)
    zero = y_pred.dtype.type(0)
    positive_weight = np.maximum((margin + distance) * positive, zero)
    negative_weight = np.maximum((1 + margin - distance) * negative, zero)
    positive_term, has_positive = _masked_logsumexp(
        -gamma * positive_weight * (margin - distance), positive)
    negative_term, has_negative = _masked_logsumexp(
        gamma * negative_weight * (1 - margin - distance), negative)
    both = has_positive & has_negative
    return np.where(both, _softplus(np.where(both, positive_term + negative_term, 0)), 0)


# ----- the classes: a LossFunctionWrapper each, configs as Keras writes them -----------
def _constructor_signature(default_name, order, defaults):
    """Keras's constructor signature: `defaults` (fn's keyword arguments), then reduction,
    name, dtype, or the parameters in `order` where Keras orders them otherwise."""
    values = {**defaults, "reduction": "sum_over_batch_size", "name": default_name,
              "dtype": None}
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Signature([inspect.Parameter("self", kind)] + [
        inspect.Parameter(key, kind, default=values[key]) for key in order or values])


def _wrapper_class(fn, default_name, order=None, **defaults):
    """A LossFunctionWrapper subclass around `fn` whose keyword arguments (`defaults`,
    in Keras's order) are stored as attributes and written to get_config."""
    from kerasmini.losses.losses import Loss, LossFunctionWrapper
    signature = _constructor_signature(default_name, order, defaults)

    def __init__(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)  # a TypeError as Python's own
        bound.apply_defaults()
        values = dict(bound.arguments)
        self = values.pop("self")
        base = {key: values.pop(key) for key in ("reduction", "name", "dtype")}
        LossFunctionWrapper.__init__(self, fn, **base, **values)
        self.__dict__.update(values)
    __init__.__signature__ = signature

    def get_config(self):
        return {**Loss.get_config(self), **self._fn_kwargs}
    return __init__, get_config


def _loss_class(class_name, fn, default_name, config_keys=True, order=None, **defaults):
    from kerasmini.losses.losses import LossFunctionWrapper
    init, get_config = _wrapper_class(fn, default_name, order, **defaults)
    body = {"__init__": init, "__doc__": f"The loss {fn.__name__}, reduced.",
            "__module__": __name__}
    if config_keys:
        body["get_config"] = get_config
    else:  # Keras writes only name and reduction for these
        from kerasmini.losses.losses import Loss
        body["get_config"] = Loss.get_config
    return type(class_name, (LossFunctionWrapper,), body)


MeanAbsolutePercentageError = _loss_class("MeanAbsolutePercentageError",
                                          mean_absolute_percentage_error,
                                          "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _loss_class("MeanSquaredLogarithmicError",
                                          mean_squared_logarithmic_error,
                                          "mean_squared_logarithmic_error")
CosineSimilarity = _loss_class("CosineSimilarity", cosine_similarity, "cosine_similarity",
                               config_keys=False, axis=-1)
Hinge = _loss_class("Hinge", hinge, "hinge")
SquaredHinge = _loss_class("SquaredHinge", squared_hinge, "squared_hinge")
CategoricalHinge = _loss_class("CategoricalHinge", categorical_hinge, "categorical_hinge")
LogCosh = _loss_class("LogCosh", log_cosh, "log_cosh")
Poisson = _loss_class("Poisson", poisson, "poisson")
BinaryFocalCrossentropy = _loss_class(
    "BinaryFocalCrossentropy", binary_focal_crossentropy, "binary_focal_crossentropy",
    apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
    label_smoothing=0.0, axis=-1)
CategoricalFocalCrossentropy = _loss_class(
    "CategoricalFocalCrossentropy", categorical_focal_crossentropy,
    "categorical_focal_crossentropy", alpha=0.25, gamma=2.0, from_logits=False,
    label_smoothing=0.0, axis=-1)
Dice = _loss_class("Dice", dice, "dice", axis=None,
                   order=("reduction", "name", "axis", "dtype"))
Tversky = _loss_class("Tversky", tversky, "tversky", alpha=0.5, beta=0.5, axis=None,
                      order=("alpha", "beta", "reduction", "name", "axis", "dtype"))


class CategoricalGeneralizedCrossEntropy(_loss_class(
        "CategoricalGeneralizedCrossEntropy", categorical_generalized_cross_entropy,
        "categorical_generalized_cross_entropy", q=0.5)):
    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError("q must be in the interval (0, 1)")
        super().__init__(q, reduction=reduction, name=name, dtype=dtype)


class Circle(_loss_class("Circle", circle, "circle", gamma=80.0, margin=0.4,
                         remove_diagonal=True)):
    """As Keras, the reduction counts only the rows whose loss is above 0 (Keras marks
    the others masked): "sum_over_batch_size" divides by their number."""

    def output_mask(self, values):
        return values > 0


CLASSES = (MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, Hinge,
           SquaredHinge, CategoricalHinge, LogCosh, Poisson, BinaryFocalCrossentropy,
           CategoricalFocalCrossentropy, Dice, Tversky, Circle)
FUNCTIONS = (mean_absolute_percentage_error, mean_squared_logarithmic_error,
             cosine_similarity, hinge, squared_hinge, categorical_hinge, log_cosh, poisson,
             binary_focal_crossentropy, categorical_focal_crossentropy, dice, tversky,
             circle)
ALIASES = {"mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
           "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error}
