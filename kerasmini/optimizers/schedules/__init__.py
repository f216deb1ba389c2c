"""Learning-rate schedules, as keras.optimizers.schedules."""
from kerasmini.optimizers.schedules.learning_rate_schedule import (CosineDecay,
                                                                   ExponentialDecay,
                                                                   LearningRateSchedule,
                                                                   PiecewiseConstantDecay,
                                                                   deserialize, serialize)

__all__ = ["CosineDecay", "ExponentialDecay", "LearningRateSchedule",
           "PiecewiseConstantDecay", "deserialize", "serialize"]
