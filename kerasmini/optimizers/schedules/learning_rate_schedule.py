"""Learning-rate schedules: `schedule(step)` -> learning rate, as keras.optimizers.schedules.

An optimizer built with a schedule evaluates it at its `iterations` before each step.
Like Keras (TensorFlow backend), the arithmetic is in the dtype of
`initial_learning_rate` as a tensor: float32 for a Python float.
"""
import math

import numpy as np

from kerasmini.object_configs import deserialize as _deserialize
from kerasmini.object_configs import serialize_keras_object


def _as_float32(value):
    return np.asarray(value, dtype=np.float32)


class LearningRateSchedule:
    """Base class: subclasses implement `__call__(step)` and `get_config()`."""

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{self.__class__.__name__}' "
                                  "must override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{self.__class__.__name__}' "
                                  "must override `get_config()` in order to be "
                                  "serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _check_decay_steps(decay_steps):
    if decay_steps <= 0:
        raise ValueError("Argument `decay_steps` must be > 0. "
                         f"Received: decay_steps={decay_steps}")


class _DecayByRate(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: their arguments, and the
    progress step / decay_steps (floored if staircase) that decay_rate applies to."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_decay_steps(decay_steps)

    def _progress(self, step):
        p = _as_float32(step) / _as_float32(self.decay_steps)
        return np.floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_DecayByRate):
    """initial_learning_rate * decay_rate ** (step / decay_steps) (floored if staircase)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        return _as_float32(self.initial_learning_rate) * np.power(
            _as_float32(self.decay_rate), self._progress(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[0] while step <= boundaries[0], values[i] while step <= boundaries[i], ...,
    values[-1] after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        index = int(np.searchsorted(np.asarray(self.boundaries), step, side="left"))
        first = self.values[0]  # a Python float becomes a float32 tensor in Keras
        dtype = np.float32 if type(first) is float else np.asarray(first).dtype
        return np.asarray(self.values[index], dtype=dtype)

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Optional linear warmup to `warmup_target` over `warmup_steps`, then a cosine
    from that rate down to alpha times it over `decay_steps`, then constant."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _check_decay_steps(decay_steps)

    def _decayed(self, step, decay_steps, decay_from):
        fraction = step / decay_steps
        cosine = 0.5 * (1.0 + np.cos(_as_float32(math.pi) * fraction))
        return decay_from * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        initial = _as_float32(self.initial_learning_rate)
        decay_steps = _as_float32(self.decay_steps)
        step = _as_float32(step)
        if self.warmup_target is None:
            return self._decayed(np.minimum(step, decay_steps), decay_steps, initial)
        target = _as_float32(self.warmup_target)
        warmup_steps = _as_float32(self.warmup_steps)
        step = np.minimum(step, decay_steps + warmup_steps)
        if step < warmup_steps:
            return (target - initial) * (step / warmup_steps) + initial
        return self._decayed(step - warmup_steps, decay_steps, target)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class PolynomialDecay(LearningRateSchedule):
    """From initial_learning_rate to end_learning_rate along (1 - step / decay_steps) **
    power, then constant; with `cycle`, decay_steps grows to the first multiple of itself
    above step, so the rate jumps back up and decays again."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001,
                 power=1.0, cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _check_decay_steps(decay_steps)

    def __call__(self, step):
        initial = _as_float32(self.initial_learning_rate)
        end = _as_float32(self.end_learning_rate)
        step, decay_steps = _as_float32(step), _as_float32(self.decay_steps)
        if self.cycle:
            decay_steps = decay_steps * (np.float32(1.0) if step == 0
                                         else np.ceil(step / decay_steps))
        else:
            step = np.minimum(step, decay_steps)
        p = step / decay_steps
        return (initial - end) * np.power(1 - p, _as_float32(self.power)) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power,
                "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(_DecayByRate):
    """initial_learning_rate / (1 + decay_rate * step / decay_steps) (the quotient
    floored if staircase)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        return _as_float32(self.initial_learning_rate) / (
            np.float32(1) + _as_float32(self.decay_rate) * self._progress(step))


class CosineDecayRestarts(LearningRateSchedule):
    """SGDR: cosine decays restarting from the top, the i-th lasting first_decay_steps *
    t_mul ** i steps and starting at m_mul ** i times the initial rate."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        if first_decay_steps <= 0:
            raise ValueError("Argument `first_decay_steps` must be > 0. "
                             f"Received: first_decay_steps={first_decay_steps}")

    def __call__(self, step):
        fraction = _as_float32(step) / _as_float32(self.first_decay_steps)
        t_mul = _as_float32(self._t_mul)
        if t_mul == 1:
            restart = np.floor(fraction)
            fraction = fraction - restart
        else:  # the restarts' lengths are a geometric series: which one holds `step`
            restart = np.floor(np.log(1.0 - fraction * (1.0 - t_mul)) / np.log(t_mul))
            done = (1.0 - np.power(t_mul, restart)) / (1.0 - t_mul)
            fraction = (fraction - done) / np.power(t_mul, restart)
        cosine = 0.5 * np.power(_as_float32(self._m_mul), restart) * (
            1.0 + np.cos(_as_float32(math.pi) * fraction))
        alpha = _as_float32(self.alpha)
        return _as_float32(self.initial_learning_rate) * ((1 - alpha) * cosine + alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


ALL_OBJECTS_DICT = {cls.__name__: cls for cls in
                    (ExponentialDecay, PiecewiseConstantDecay, CosineDecay, PolynomialDecay,
                     InverseTimeDecay, CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    return serialize_keras_object(learning_rate_schedule, "keras.optimizers.schedules")


def deserialize(config, custom_objects=None):
    return _deserialize(config, ALL_OBJECTS_DICT, "learning rate schedule",
                        custom_objects=custom_objects)
