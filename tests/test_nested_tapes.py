"""Nested tapes: a gradient taken while an outer tape records. tf.GradientTape makes it
differentiable (a WGAN-GP gradient penalty); so does kerasmini through the rules declared
recordable (tests/test_second_order.py). A gradient through a rule that is not
(np.cumsum's, here) raises where an outer tape would use it, naming the op, never a None or a zero
gradient in silence; one the outer tape does not follow stays a plain array."""
import numpy as np
import pytest

import kerasmini as keras
from kerasmini.autodiff import NoGradientError


def _model():
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="tanh"),
                             keras.layers.Dense(1)])


def _undeclared(scores):
    """np.cumsum's rule flips with np.flip, which no tape records: not declared
    recordable, so a gradient through it is not differentiable twice."""
    return np.cumsum(scores, axis=0)


X = np.random.default_rng(0).random((8, 4)).astype("float32")


def test_gradient_penalty_raises_instead_of_none():
    model = _model()
    with keras.GradientTape() as outer:
        with keras.GradientTape() as inner:
            inner.watch(X)
            scores = _undeclared(model(X))
        slopes = inner.gradient(scores, X)
        with pytest.raises(NoGradientError, match="numpy.cumsum.*second-order"):
            keras.ops.mean((keras.ops.sqrt(keras.ops.sum(slopes ** 2, axis=1)) - 1) ** 2)
        with pytest.raises(NoGradientError, match="numpy.cumsum.*second-order"):
            outer.gradient(keras.ops.sum(slopes), model.trainable_weights)


def test_plain_numpy_on_the_gradient_raises_too():
    model = _model()
    with keras.GradientTape():
        with keras.GradientTape() as inner:
            inner.watch(X)
            scores = _undeclared(model(X))
        slopes = inner.gradient(scores, X)
        with pytest.raises(NoGradientError, match="numpy.cumsum.*second-order"):
            np.mean(slopes)
        np.asarray(slopes).mean()  # detached on purpose, as .numpy() in TF: a constant


def test_a_gradient_only_read_inside_an_outer_tape_still_applies():
    model, reference = _model(), _model()
    reference.set_weights(model.get_weights())
    for net, nested in ((model, True), (reference, False)):
        optimizer = keras.optimizers.SGD(0.1)
        with keras.GradientTape() as outer:
            if nested:
                with keras.GradientTape() as inner:
                    loss = keras.ops.mean(net(X))
                grads = inner.gradient(loss, net.trainable_weights)
        if not nested:
            with keras.GradientTape() as inner:
                loss = keras.ops.mean(net(X))
            grads = inner.gradient(loss, net.trainable_weights)
        optimizer.apply_gradients(zip(grads, net.trainable_weights))
        del outer
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_gradient_the_outer_tape_does_not_follow_is_plain():
    model = _model()
    with keras.GradientTape(watch_accessed_variables=False):
        with keras.GradientTape() as inner:
            inner.watch(X)
            scores = model(X)
        slopes = inner.gradient(scores, X)
        assert type(slopes) is np.ndarray
        keras.ops.sum(slopes ** 2)  # no tape follows it: a constant, no error
