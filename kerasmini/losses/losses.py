"""Keras's losses: each a function `fn(y_true, y_pred, ...)` -> one value per sample, and
a class `Fn(reduction=..., name=..., ...)` that reduces them.

Each function has a private `_fn(y_true, y_pred, ...)` -> (values, vjp) twin that
computes the values and the gradient rule with respect to y_pred side by side; the
public function records that rule on the tape. The twins are written with NumPy
operations the tape records, so that, run again on a traced y_pred, their rule is
differentiable (a gradient taken inside an outer tape: loss.recorded_rule).
Probabilities are clipped to [epsilon, 1 - epsilon] as Keras clips them (the gradient
passes where the probability is inside that range, and is zero outside it, as for any
clip).

y_true is differentiable too, as in Keras: knowledge distillation compares the student's
output with the teacher's, and the gradient reaches the teacher's weights through
y_true. Each rule carries `vjp.true(g)`, the gradient with respect to y_true (as
`_pair` and the rank alignment left it; None for integer labels); it runs only when a
tape follows y_true.
"""
import inspect
import warnings

import numpy as np

from kerasmini import config
from kerasmini.losses.loss import (Loss, both_rules, record, squeeze_or_expand_to_same_rank,
                                   unbroadcast)


def _pair(y_true, y_pred, cast_true=True):
    y_pred = np.asanyarray(y_pred)  # a traced y_pred stays traced (second order)
    if y_pred.dtype.kind != "f":
        y_pred = y_pred.astype(config.floatx())
    y_true = np.asarray(y_true)
    if cast_true:
        y_true = y_true.astype(y_pred.dtype, copy=False)
    return y_true, y_pred


def _check_same_shape(y_true, y_pred):
    if y_true.ndim != y_pred.ndim:
        raise ValueError("Arguments `target` and `output` must have the same rank (ndim). "
                         f"Received: target.shape={y_true.shape}, "
                         f"output.shape={y_pred.shape}")
    if y_true.shape != y_pred.shape:
        raise ValueError("Arguments `target` and `output` must have the same shape. "
                         f"Received: target.shape={y_true.shape}, "
                         f"output.shape={y_pred.shape}")


def _mean_last(per_element, y_pred_shape, axis=-1):
    """mean over `axis` and the rule that spreads a gradient back over it."""
    count = y_pred_shape[axis] if y_pred_shape else 1
    values = np.mean(per_element, axis=axis)

    def spread(g):
        return np.expand_dims(g, axis) / per_element.dtype.type(count)
    return values, spread


def _with_true(vjp, true_vjp):
    """The rule for y_pred, carrying the rule for y_true as `vjp.true`."""
    vjp.true = true_vjp
    return vjp


def _elementwise_mean(y_true, y_pred, value_fn, derivative_fn):
    """values = mean(value_fn(err), -1) and its vjp, for err = y_pred - y_true."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    error = y_pred - y_true
    values, spread = _mean_last(value_fn(error), y_pred.shape)

    def vjp(g):
        return unbroadcast(spread(g) * derivative_fn(error), y_pred.shape)

    def true_vjp(g):  # d(error)/d(y_true) = -1
        return unbroadcast(-spread(g) * derivative_fn(error), y_true.shape)
    return values, _with_true(vjp, true_vjp)


def _mean_squared_error(y_true, y_pred):
    return _elementwise_mean(y_true, y_pred, np.square, lambda e: 2 * e)


def _mean_absolute_error(y_true, y_pred):
    return _elementwise_mean(y_true, y_pred, np.abs, np.sign)


def _huber(y_true, y_pred, delta=1.0):
    """0.5 e^2 where |e| <= delta, delta |e| - 0.5 delta^2 beyond (mean over the last axis)."""
    dtype = np.asarray(y_pred).dtype if np.issubdtype(np.asarray(y_pred).dtype,
                                                      np.floating) else config.floatx()
    delta = np.asarray(delta, dtype=dtype)

    def value(e):
        a = np.abs(e)
        return np.where(a <= delta, 0.5 * np.square(e), delta * a - 0.5 * np.square(delta))

    def derivative(e):
        return np.where(np.abs(e) <= delta, e, delta * np.sign(e))
    return _elementwise_mean(y_true, y_pred, value, derivative)


def _kl_divergence(y_true, y_pred):
    """sum(t * log(t / p)) with t and p clipped to [epsilon, 1]."""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = config.epsilon()
    t = np.clip(y_true, eps, 1)
    p = np.clip(y_pred, eps, 1)
    values = np.sum(t * np.log(t / p), axis=-1)
    inside = (y_pred >= eps) & (y_pred <= 1)

    def vjp(g):
        return np.expand_dims(g, -1) * (-t / p) * inside

    def true_vjp(g):  # d/dt t log(t / p) = log(t / p) + 1, where t is not clipped
        return unbroadcast(np.expand_dims(g, -1) * (np.log(t / p) + 1) * (t == y_true),
                           y_true.shape)
    return values, _with_true(vjp, true_vjp)


def _binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _pair(y_true, y_pred)
    smoothing = y_pred.dtype.type(1.0 - label_smoothing)  # d(smoothed y_true)/d(y_true)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    _check_same_shape(y_true, y_pred)
    if from_logits:
        # max(x, 0) - x z + log(1 + exp(-|x|)), stable for large |x|
        x, z = y_pred, y_true
        per_element = np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))

        def d_element(g):
            return g * (_sigmoid(x) - z)

        def d_true(g):
            return -g * x
    else:
        eps = config.epsilon()
        p = np.clip(y_pred, eps, 1.0 - eps)
        per_element = -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
        inside = (y_pred >= p) & (y_pred <= p)  # unclipped entries

        def d_element(g):
            return g * (-(y_true / p) + (1 - y_true) / (1 - p)) * inside

        def d_true(g):
            return g * (np.log(1 - p) - np.log(p))
    values, spread = _mean_last(per_element, y_pred.shape, axis)

    def vjp(g):
        return d_element(spread(g))
    return values, _with_true(vjp, lambda g: d_true(spread(g)) * smoothing)


def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _log_softmax(x, axis):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0,
                              axis=-1):
    if isinstance(axis, bool):
        raise ValueError("`axis` must be of type `int`. "
                         f"Received: axis={axis} of type {type(axis)}")
    y_true, y_pred = _pair(y_true, y_pred)
    if y_pred.shape[-1:] == (1,):
        warnings.warn("In loss categorical_crossentropy, expected y_pred.shape to be "
                      "(batch_size, num_classes) with num_classes > 1. Received: "
                      f"y_pred.shape={y_pred.shape}. Consider using 'binary_crossentropy' "
                      "if you only have 2 classes.", SyntaxWarning, stacklevel=3)
    smoothing = y_pred.dtype.type(1.0 - label_smoothing)  # d(smoothed y_true)/d(y_true)
    if label_smoothing:
        classes = y_pred.dtype.type(y_true.shape[-1])
        y_true = y_true * (1.0 - label_smoothing) + (label_smoothing / classes)
    if y_true.ndim < 1:
        raise ValueError("Arguments `target` and `output` must be at least rank 1. "
                         f"Received: target.shape={y_true.shape}, "
                         f"output.shape={y_pred.shape}")
    _check_same_shape(y_true, y_pred)
    if from_logits:
        log_p = _log_softmax(y_pred, axis)
        values = -np.sum(y_true * log_p, axis=axis)

        def vjp(g):
            g = np.expand_dims(g, axis)
            return g * (np.exp(log_p) * np.sum(y_true, axis=axis, keepdims=True) - y_true)
        return values, _with_true(vjp, lambda g: -np.expand_dims(g, axis) * log_p * smoothing)
    eps = config.epsilon()
    total = np.sum(y_pred, axis=axis, keepdims=True)
    normalized = y_pred / total
    p = np.clip(normalized, eps, 1.0 - eps)
    values = -np.sum(y_true * np.log(p), axis=axis)
    inside = normalized == p

    def vjp(g):
        d_normalized = np.expand_dims(g, axis) * (-y_true / p) * inside
        # normalized = y / sum(y): d/dy = (d_n - sum(d_n * n)) / sum(y)
        return (d_normalized - np.sum(d_normalized * normalized, axis=axis,
                                      keepdims=True)) / total
    return values, _with_true(vjp, lambda g: -np.expand_dims(g, axis) * np.log(p) * smoothing)


def _sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                     axis=-1):
    y_true, y_pred = _pair(y_true, y_pred, cast_true=False)
    if ignore_class is not None:
        raise NotImplementedError("kerasmini's sparse_categorical_crossentropy does not "
                                  f"support ignore_class. Received: ignore_class="
                                  f"{ignore_class}")
    if axis != -1 and axis != y_pred.ndim - 1:
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.ndim != y_pred.ndim - 1:
        raise ValueError("Argument `output` must have rank (ndim) `target.ndim - 1`. "
                         f"Received: target.shape={y_true.shape}, "
                         f"output.shape={y_pred.shape}")
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError("Arguments `target` and `output` must have the same shape up "
                         f"until the last dimension: target.shape={y_true.shape}, "
                         f"output.shape={y_pred.shape}")
    labels = _integer_labels(y_true, y_pred.shape[-1])
    one_hot = labels[..., None] == np.arange(y_pred.shape[-1])
    if from_logits:
        log_p = _log_softmax(y_pred, -1)
        values = -_at_labels(log_p, labels)

        def vjp(g):
            return g[..., None] * (np.exp(log_p) - one_hot)
        return values, _with_true(vjp, lambda g: None)
    eps = config.epsilon()
    p = np.clip(y_pred, eps, 1 - eps)
    inside = (y_pred >= p) & (y_pred <= p)
    total = np.sum(p, axis=-1, keepdims=True)
    # Keras takes log(clip(p)) as logits: loss = log(sum(p)) - log(p[label])
    values = np.log(total)[..., 0] - np.log(_at_labels(p, labels))

    def vjp(g):
        return g[..., None] * (1 / total - one_hot / p) * inside
    return values, _with_true(vjp, lambda g: None)  # integer labels: no gradient


def _at_labels(values, labels):
    """values[..., labels]: each sample's entry at its label. For a batch of labels,
    a direct gather (np.take_along_axis builds its index in Python: a third of the
    loss's time on a batch of one)."""
    if labels.ndim == 1:
        return values[np.arange(labels.size), labels]
    return np.take_along_axis(values, labels[..., None], -1)[..., 0]


def _integer_labels(y_true, classes):
    labels = np.asarray(y_true)
    if labels.dtype.kind == "f":  # (np.issubdtype's answer, without its calls)
        if not np.all(np.isfinite(labels)) or np.any(labels != np.floor(labels)):
            raise ValueError("sparse_categorical_crossentropy expects integer class "
                             "labels; y_true holds non-integer values.")
    labels = labels.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        bad = labels[(labels < 0) | (labels >= classes)].flat[0]
        raise ValueError(f"Received a label value of {bad} which is outside the valid "
                         f"range of [0, {classes}) in y_true (sparse categorical "
                         "crossentropy: labels must be class indices).")
    return labels


# ----- the public functions: values, with their gradient rule on the tape --------------
def _public(private, name):
    signature = inspect.signature(private)  # Keras's: options positional too

    def fn(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)  # a TypeError as Python's own
        y_true, y_pred, *options = bound.arguments.values()
        kwargs = dict(zip(list(bound.arguments)[2:], options))
        values, vjp = private(y_true, np.asarray(y_pred), **kwargs)
        rule = both_rules(vjp, y_true, lambda traced: private(y_true, traced, **kwargs))
        return record(values, (y_pred, y_true), rule, name)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__, fn.__signature__ = private.__doc__, signature
    return fn


mean_squared_error = _public(_mean_squared_error, "mean_squared_error")
mean_absolute_error = _public(_mean_absolute_error, "mean_absolute_error")
huber = _public(_huber, "huber")
kl_divergence = _public(_kl_divergence, "kl_divergence")
binary_crossentropy = _public(_binary_crossentropy, "binary_crossentropy")
categorical_crossentropy = _public(_categorical_crossentropy, "categorical_crossentropy")
sparse_categorical_crossentropy = _public(_sparse_categorical_crossentropy,
                                          "sparse_categorical_crossentropy")
LOGITS_OF = {binary_crossentropy: "sigmoid", categorical_crossentropy: "softmax",
             sparse_categorical_crossentropy: "softmax"}
PRIVATE = {mean_squared_error: _mean_squared_error,
           mean_absolute_error: _mean_absolute_error, huber: _huber,
           kl_divergence: _kl_divergence, binary_crossentropy: _binary_crossentropy,
           categorical_crossentropy: _categorical_crossentropy,
           sparse_categorical_crossentropy: _sparse_categorical_crossentropy}


# ----- the classes -----------------------------------------------------------------------
class LossFunctionWrapper(Loss):
    """A Loss around one of the functions above (or a user's function, value only)."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None,
                 **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def forward(self, y_true, y_pred, **overrides):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        private = PRIVATE.get(self.fn)
        if private is not None:
            return private(y_true, y_pred, **{**self._fn_kwargs, **overrides})
        return super().forward(y_true, y_pred)

    def has_gradient_rule(self):
        return self.fn in PRIVATE

    def _logits_of(self, y_pred):
        """As Keras (TensorFlow backend): a probability crossentropy on the output of a
        softmax (sigmoid for binary) is computed from that activation's logits, so its
        value is not clipped at epsilon and its gradient is exactly p - y. kerasmini does
        this while a tape records (fit, train_on_batch, custom loops); Keras also pairs a
        sigmoid's logits with a categorical loss, kerasmini only pairs matching kinds."""
        kind = LOGITS_OF.get(self.fn)
        found = getattr(y_pred, "_keras_logits", None)
        if kind is None or found is None or found[0] != kind or \
                self._fn_kwargs.get("from_logits"):
            return None
        return found[1]

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"fn": self.fn.__name__, **self._fn_kwargs})
        return config

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class MeanSquaredError(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error",
                 dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class MeanAbsoluteError(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error",
                 dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class Huber(LossFunctionWrapper):
    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)

    def get_config(self):
        return Loss.get_config(self)


class KLDivergence(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class _Crossentropy(LossFunctionWrapper):
    FN = None

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name=None, dtype=None):
        super().__init__(type(self).FN, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class BinaryCrossentropy(_Crossentropy):
    FN = binary_crossentropy

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)


class CategoricalCrossentropy(_Crossentropy):
    FN = categorical_crossentropy

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy",
                 dtype=None):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        if ignore_class is not None:
            raise NotImplementedError("kerasmini's SparseCategoricalCrossentropy does not "
                                      f"support ignore_class. Received: ignore_class="
                                      f"{ignore_class}")
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "ignore_class": self.ignore_class}
