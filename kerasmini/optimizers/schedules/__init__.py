"""Learning-rate schedules, as keras.optimizers.schedules."""
from kerasmini.optimizers.schedules.learning_rate_schedule import (CosineDecay,
                                                                   CosineDecayRestarts,
                                                                   ExponentialDecay,
                                                                   InverseTimeDecay,
                                                                   LearningRateSchedule,
                                                                   PiecewiseConstantDecay,
                                                                   PolynomialDecay,
                                                                   deserialize, serialize)

__all__ = ["CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay",
           "LearningRateSchedule", "PiecewiseConstantDecay", "PolynomialDecay",
           "deserialize", "serialize"]
