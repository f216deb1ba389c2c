"""Hinge metrics for labels in {-1, 1} (labels in {0, 1} are mapped to {-1, 1} first, as
Keras does when every label is 0 or 1)."""
from kerasmini.losses.composed_losses import categorical_hinge, hinge, squared_hinge
from kerasmini.metrics.reduction_metrics import MeanMetricWrapper


class Hinge(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="hinge", dtype=None):
        super().__init__(fn=hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(fn=squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(fn=categorical_hinge, name=name, dtype=dtype)
