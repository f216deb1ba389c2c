"""LossScaleOptimizer, by Keras's name, refused: it exists for float16 training, whose
dynamic loss scaling (skip a step on non-finite gradients, grow and shrink the scale)
kerasmini does not implement. A fixed scale is every optimizer's `loss_scale_factor`.
(Not an Optimizer subclass: it never runs.)"""


class LossScaleOptimizer:
    def __init__(self, inner_optimizer=None, initial_scale=32768.0,
                 dynamic_growth_steps=2000, **kwargs):
        raise NotImplementedError(
            "kerasmini does not provide keras.optimizers.LossScaleOptimizer (dynamic loss "
            "scaling for float16 training). For a fixed scale, pass loss_scale_factor= to "
            f"the optimizer itself. Received: inner_optimizer={inner_optimizer!r}")
