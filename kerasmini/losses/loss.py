"""Loss: the base class, Keras's reductions and sample weights, and the tape hook.

`loss(y_true, y_pred, sample_weight=None)`, as Keras 3:
    1. y_true and y_pred are cast to the loss's dtype (floatx unless given);
    2. `call` gives one value per sample (per element for reduction="none" outputs);
    3. values * sample_weight (sample_weight squeezed or expanded to the same rank);
    4. the reduction: "sum_over_batch_size" and "mean" divide the sum by the number of
       values, "mean_with_sample_weight" by the sum of the weights, "sum" sums, None or
       "none" keeps them.
Every loss here computes its value and its gradient with respect to y_pred in NumPy
(the formula beside the value) and puts one node on the active GradientTape, so a
loss is differentiable whether it is called as a class, as a function or by `fit`.
"""
import numpy as np

from kerasmini import config

REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def record(output, inputs, vjp, name):
    """Put `output = f(*inputs)` with gradient rule `vjp` on the tape, if any is active."""
    try:
        from kerasmini.autodiff import record as tape_record
    except ImportError:  # no autodiff package yet: values only
        return output
    return tape_record(output, inputs, vjp, name)


def both_rules(vjp, y_true, value_and_vjp):
    """The tape's rule for a loss recorded on (y_pred, y_true): y_pred's gradient from
    `vjp`, y_true's from `vjp.true` (run only when a tape follows y_true, of the aligned
    y_true's shape), reshaped back to y_true as the caller passed it (alignment moves
    axes of size 1). `value_and_vjp(y_pred)` gives the rule's recorded form (second
    order, recorded_rule)."""
    shape, dtype = np.shape(y_true), np.asarray(y_true).dtype

    def as_given(grad_true):
        if grad_true is None:
            return None
        grad_true = np.reshape(grad_true, shape)
        return grad_true.astype(dtype if dtype.kind == "f" else grad_true.dtype)

    def rule(g, needed):
        g = np.asarray(g)
        grad_true = as_given(vjp.true(g)) if needed[1] else None
        return vjp(g) if needed[0] else None, grad_true
    rule.takes_needed = True
    rule.recorded = recorded_rule(value_and_vjp, as_given)
    return rule


def recorded_rule(value_and_vjp, as_given):
    """The rule of a loss for a gradient taken inside an outer tape (second order):
    `value_and_vjp(y_pred)` run again on y_pred as the outer tapes know it, so that
    its rule's arithmetic on the traced values and output gradient is recorded. The
    rule for y_true is recorded through y_pred only: where an outer tape follows y_true
    itself, that gradient is marked (NoGradientError if used), never a silent constant."""
    def rule(g, out, traced):
        from kerasmini.autodiff.tape import is_live
        from kerasmini.autodiff.traced import TapeArray, taint
        vjp = value_and_vjp(traced[0])[1]
        if not isinstance(traced[1], TapeArray):  # y_true is data no tape follows
            return vjp(g), None
        grad_true = as_given(vjp.true(g))
        if grad_true is not None and is_live(traced[1]):
            grad_true = taint(grad_true, "the second-order gradient of a loss with "
                              "respect to y_true (not recorded through y_true)")
        return vjp(g), grad_true
    return rule
    return rule


def standardize_reduction(reduction):
    if reduction not in REDUCTIONS:
        allowed = set(REDUCTIONS)
        raise ValueError("Invalid value for argument `reduction`. "
                         f"Expected one of {allowed}. Received: reduction={reduction}")
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Squeeze (or expand) a last axis of size 1 when the ranks differ by exactly one."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = x1[..., 0]
    elif x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def unbroadcast(grad, shape):
    """Sum `grad` down to `shape` (the inverse of NumPy broadcasting, for gradients)."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def reduce_weighted_values(values, sample_weight=None, reduction="sum_over_batch_size",
                           dtype=None):
    """(loss, vjp): the reduced loss and the gradient rule back to `values`."""
    reduction = standardize_reduction(reduction)
    values = np.asarray(values, dtype=dtype)
    shape = values.shape
    values, weight = _weighted(values, sample_weight)
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values, lambda g: _back_to_values(g * _ones(weight), shape)
    total = np.sum(values)
    if reduction == "sum":
        return total, lambda g: _back_to_values(g * _ones(weight) * np.ones(values.shape,
                                                                             values.dtype),
                                                shape)
    divisor = _divisor(values, weight, reduction)
    loss = total / divisor if divisor != 0 else np.zeros((), values.dtype)  # divide_no_nan
    scale = 1 / divisor if divisor != 0 else 0

    def vjp(g):
        return _back_to_values(g * scale * _ones(weight) * np.ones(values.shape, values.dtype),
                               shape)
    return values.dtype.type(loss), vjp


def reduce_recorded_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """reduce_weighted_values's arithmetic as NumPy operations the tape records."""
    reduction = standardize_reduction(reduction)
    values, weight = _weighted(values, sample_weight)
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    total = np.sum(values)
    if reduction == "sum":
        return total
    divisor = _divisor(values, weight, reduction)
    return total / divisor if divisor != 0 else total * 0  # divide_no_nan


def apply_mask(sample_weight, mask, dtype, reduction):
    """The sample weights with the masked-out values' weights 0, as Keras's apply_mask:
    for a mean, the others are scaled by total / valid, so that the mean is taken over
    the values the mask keeps (and is 0 when it keeps none)."""
    mask = np.asarray(mask, bool)
    if reduction in ("mean", "sum_over_batch_size"):
        valid = np.count_nonzero(mask)
        scale = (np.asarray(mask.size, dtype) / np.asarray(valid, dtype) if valid
                 else np.zeros((), dtype))
        float_mask = np.where(mask, scale, 0).astype(dtype)
    else:
        float_mask = mask.astype(dtype)
    if sample_weight is None:
        return float_mask
    float_mask, weight = squeeze_or_expand_to_same_rank(
        float_mask, np.asarray(sample_weight, dtype=dtype))
    return weight * float_mask


def _weighted(values, sample_weight):
    """(values * sample_weight, the weight), the weight squeezed or expanded to the
    values' rank; (values, None) without one."""
    if sample_weight is None:
        return values, None
    weight = np.asarray(sample_weight, dtype=values.dtype)
    values, weight = squeeze_or_expand_to_same_rank(values, weight)
    return values * weight, weight


def _divisor(values, weight, reduction):
    """What the sum is divided by: the number of values, or the sum of the weights."""
    if reduction == "mean_with_sample_weight" and weight is not None:
        return np.sum(weight, dtype=values.dtype)
    return values.dtype.type(values.size)


def _ones(weight):
    return 1 if weight is None else weight


def _back_to_values(grad, shape):
    grad = np.asanyarray(grad)
    if grad.shape != shape:
        if grad.ndim == len(shape) + 1 and grad.shape[-1] == 1:
            grad = grad[..., 0]
        grad = unbroadcast(grad, shape) if grad.ndim >= len(shape) else grad
        grad = np.broadcast_to(grad, shape)
    return grad


class Loss:
    """Base class: subclasses implement `call(y_true, y_pred)` -> per-sample values,
    or, to be differentiable, `forward(y_true, y_pred)` -> (values, vjp)."""

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        from kerasmini.layers.layer import unique_name
        from kerasmini.object_configs import snake_case
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.reduction = standardize_reduction(reduction)
        self._dtype = dtype or config.floatx()

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        if not self.has_gradient_rule():
            return self._traced_call(y_true, y_pred, sample_weight)
        logits = self._logits_of(y_pred)
        options = {"from_logits": True} if logits is not None else {}
        if logits is not None:  # y_pred = softmax/sigmoid(logits), recorded on the tape
            y_pred = logits
        loss, vjp = self.value_and_vjp(y_true, np.asarray(y_pred), sample_weight, **options)
        rule = both_rules(vjp, y_true, lambda traced: self.value_and_vjp(
            y_true, traced, sample_weight, **options))
        return record(loss, (y_pred, y_true), rule, self.name)

    def has_gradient_rule(self):
        """True when `forward` gives the gradient in closed form; a loss that defines
        only `call` (a user's subclass or function) is differentiated by the tape."""
        return type(self).forward is not Loss.forward

    def _traced_call(self, y_true, y_pred, sample_weight):
        """`call` and the reduction on the tape, as NumPy operations on y_pred (a
        TapeArray while recording): a user's `call` written with kerasmini.ops or NumPy
        gets its gradient from their rules; one without a rule raises NoGradientError."""
        y_pred = np.asanyarray(y_pred).astype(self.dtype, copy=False)
        y_true = np.asanyarray(y_true).astype(self.dtype, copy=False)  # recorded if traced
        values = np.asanyarray(self.call(y_true, y_pred))
        mask = self.output_mask(np.asarray(values))
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask, values.dtype, self.reduction)
        return reduce_recorded_values(values, sample_weight, self.reduction)

    def output_mask(self, values):
        """Which of `call`'s values count in the reduction (None: all), as the Keras
        mask a loss may set on its output (Circle's: the positive ones)."""
        return None

    def _logits_of(self, y_pred):
        """The logits behind y_pred when this loss should use them (crossentropies)."""
        return None

    def value_and_vjp(self, y_true, y_pred, sample_weight=None, **overrides):
        """(the loss, the rule taking d(loss) to d(y_pred)), without a tape. A traced
        y_pred and g stay traced (recorded_rule: the rule differentiates again)."""
        source_dtype = np.asarray(y_pred).dtype
        y_pred = np.asanyarray(y_pred).astype(self.dtype, copy=False)
        y_true = np.asarray(y_true, dtype=self.dtype)
        values, values_vjp = self.forward(y_true, y_pred, **overrides)
        loss, reduce_vjp = reduce_weighted_values(values, sample_weight, self.reduction,
                                                  self.dtype)

        def vjp(g):
            grad = values_vjp(reduce_vjp(np.asanyarray(g).astype(self.dtype, copy=False)))
            return np.asanyarray(grad).astype(source_dtype, copy=False)

        def true_vjp(g):  # a loss without a y_true rule (a user's forward) has none
            rule = getattr(values_vjp, "true", None)
            if rule is None:
                raise NotImplementedError(
                    f"The loss {type(self).__name__} ('{self.name}') has no gradient rule "
                    "with respect to y_true, which the tape follows here.")
            return rule(reduce_vjp(np.asanyarray(g).astype(self.dtype, copy=False)))
        vjp.true = true_vjp
        return np.asarray(loss), vjp

    def forward(self, y_true, y_pred, **overrides):
        values = self.call(y_true, y_pred)

        def no_gradient(g):
            raise NotImplementedError(
                f"The loss {type(self).__name__} ('{self.name}') defines only `call`, so "
                "GradientTape cannot differentiate it: define `forward(y_true, y_pred)` "
                "returning (values, vjp).")
        return values, no_gradient

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
