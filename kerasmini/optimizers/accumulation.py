"""State an optimizer keeps beside its update rule, in Keras 3's arithmetic:

- gradient accumulation (`gradient_accumulation_steps=n`): n - 1 calls add their
  gradients into one accumulator per variable, the n-th updates the weights with the mean
  (gradient + accumulated) / n, then zeroes the accumulators;
- the exponential moving average of the weights (`use_ema=True`): after each call,
  average = momentum * average + (1 - momentum) * weight, in the weight's dtype, with
  momentum 0 before the first update (the average starts as a copy of the weight).
"""
import numpy as np


def add(accumulators, grads):
    for accumulator, grad in zip(accumulators, grads):
        accumulator.assign(grad + accumulator.value)


def mean(accumulators, grads, steps):
    """The mean gradient of the `steps` calls: this call's and the accumulated ones."""
    return [(grad + accumulator.value) / grad.dtype.type(steps)
            for accumulator, grad in zip(accumulators, grads)]


def reset(accumulators):
    for accumulator in accumulators:
        accumulator.assign(np.zeros_like(accumulator.value))


def move_averages(averages, variables, momentum, first):
    for average, variable in zip(averages, variables):
        dtype = np.dtype(variable.dtype).type
        m = dtype(0.0) if first else dtype(momentum)
        average.assign(m * average.value + (dtype(1.0) - m) * variable.value)
