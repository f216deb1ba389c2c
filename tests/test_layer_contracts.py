"""Layer promises the sweep found untested: Dot's message names each size at its axis,
every recurrent cell's output shape, weight constraints of the normalization layers
applied by training, RMSNormalization's empty axis list refused, a cloned Lambda's
dtype, a stacked cell's output size from its first state."""
import numpy as np
import pytest

import kerasmini as keras
from kerasmini import layers


def test_dot_mismatch_names_each_size_at_its_axis():
    dot = layers.Dot(axes=(1, 2))
    with pytest.raises(ValueError, match=r"axis values 3 \(at axis 1\) != 4 \(at axis 2\)"):
        dot.compute_output_shape([(2, 3), (2, 5, 4)])


@pytest.mark.parametrize("cell", [layers.SimpleRNNCell(5), layers.LSTMCell(5),
                                  layers.GRUCell(5)], ids=lambda c: type(c).__name__)
def test_a_cells_output_shape_keeps_the_batch(cell):
    assert cell.compute_output_shape((4, 3)) == (4, 5)
    x = np.zeros((4, 3), "float32")
    states = [np.zeros((4, 5), "float32") for _ in range(2 if "LSTM" in cell.name.upper()
                                                          else 1)]
    out, _ = cell(x, states)
    assert np.shape(out) == cell.compute_output_shape(x.shape)


@pytest.mark.parametrize("make", [
    lambda **k: layers.BatchNormalization(**k), lambda **k: layers.LayerNormalization(**k),
    lambda **k: layers.GroupNormalization(groups=2, **k)], ids=["batch", "layer", "group"])
def test_normalization_weight_constraints_hold_after_training(make):
    """Training pushes beta and gamma below zero; NonNeg keeps them at zero or above."""
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    finals = {}
    for constrained in (False, True):
        constraint = keras.constraints.NonNeg() if constrained else None
        layer = make(beta_constraint=constraint, gamma_constraint=constraint)
        model = keras.Sequential([keras.Input((4,)), layer])
        model.compile(keras.optimizers.SGD(0.5), "mse")
        model.fit(x, -3 * np.abs(x), epochs=3, verbose=0)
        finals[constrained] = np.concatenate([layer.beta.numpy(), layer.gamma.numpy()])
    assert finals[False].min() < 0  # the constraint has something to do
    assert finals[True].min() >= 0


def test_rms_normalization_refuses_an_empty_axis_list():
    with pytest.raises(TypeError, match="axis"):
        layers.RMSNormalization(axis=[])


def test_a_cloned_lambda_keeps_its_dtype():
    inputs = keras.Input((3,), dtype="float64")
    outputs = layers.Lambda(lambda t: t * 2, dtype="float64", name="double")(inputs)
    clone = keras.models.clone_model(keras.Model(inputs, outputs))
    assert clone.get_layer("double").dtype == "float64"
    assert clone.predict(np.ones((2, 3)), verbose=0).dtype == np.float64


class _TwoStates(layers.Layer):
    """A cell without output_size whose states differ in size: output is the first."""
    state_size = [4, 7]

    def call(self, inputs, states):
        h = np.asarray(inputs)[:, :1] * np.ones((1, 4), "float32")
        return h, [h, np.asarray(states[1])]


def test_a_stacked_cells_output_size_is_its_first_states():
    stack = layers.StackedRNNCells([layers.SimpleRNNCell(3), _TwoStates()])
    assert stack.output_size == 4


def test_a_stack_of_cells_steps_as_its_cells_one_after_the_other():
    rng = np.random.default_rng(2)
    first, second = layers.SimpleRNNCell(3), layers.LSTMCell(2)
    stack = layers.StackedRNNCells([first, second])
    x = rng.normal(size=(4, 5)).astype("float32")
    states = [rng.normal(size=(4, 3)).astype("float32"),
              [rng.normal(size=(4, 2)).astype("float32") for _ in range(2)]]
    stack.build(x.shape)
    out, new_states = stack.call(x, states)
    h1, s1 = first(x, [states[0]])
    h2, s2 = second(h1, states[1])
    np.testing.assert_allclose(out, h2, rtol=1e-6)
    np.testing.assert_allclose(new_states[0], s1[0], rtol=1e-6)
    for a, b in zip(new_states[1], s2):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_a_merge_refuses_a_mask_that_is_not_a_list():
    x = np.ones((2, 3), "float32")
    with pytest.raises(ValueError, match="`mask` should be a list"):
        layers.Add().compute_mask([x, x], np.ones((2,), bool))
