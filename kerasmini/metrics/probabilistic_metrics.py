"""Crossentropies, KL divergence and Poisson as metrics: the running mean of the loss
functions' per-sample values (same arguments as the losses, same clipping)."""
from kerasmini.losses import losses as _losses
from kerasmini.losses.composed_losses import poisson
from kerasmini.metrics.reduction_metrics import MeanMetricWrapper


class BinaryCrossentropy(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(fn=_losses.binary_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)
        self.from_logits, self.label_smoothing = from_logits, label_smoothing


class CategoricalCrossentropy(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(fn=_losses.categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None,
                 from_logits=False, ignore_class=None, axis=-1):
        super().__init__(fn=_losses.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits, self.ignore_class, self.axis = from_logits, ignore_class, axis


class KLDivergence(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(fn=_losses.kl_divergence, name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="poisson", dtype=None):
        super().__init__(fn=poisson, name=name, dtype=dtype)
