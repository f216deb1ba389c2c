"""Variable paths follow Keras's rule: the names of the layers being built or called
around a variable's creation, outermost first, then the layer's own, then the weight's."""
import numpy as np

import kerasmini as keras
from kerasmini import layers


def test_layers_of_a_sequential_are_named_inside_it():
    model = keras.Sequential([keras.Input((6, 3)), layers.LSTM(4, name="lstm"),
                              layers.Dense(2, name="d")], name="seq")
    assert [w.path for w in model.weights] == [
        "seq/lstm/lstm_cell/kernel", "seq/lstm/lstm_cell/recurrent_kernel",
        "seq/lstm/lstm_cell/bias", "seq/d/kernel", "seq/d/bias"]


def test_a_functional_models_own_layers_are_not():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(2, name="d")(inputs))
    assert [w.path for w in model.weights] == ["d/kernel", "d/bias"]


def test_layers_built_in_build_and_in_call_are_named_inside_their_owner():
    class Block(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.late = layers.Dense(2, name="late")

        def build(self, shape):
            self.early = layers.Dense(2, name="early")
            self.early.build(shape)
            super().build(shape)

        def call(self, x):
            return self.late(self.early(x))

    block = Block(name="block")
    block(np.ones((1, 3), "float32"))
    assert sorted(w.path for w in block.weights) == [
        "block/early/bias", "block/early/kernel", "block/late/bias", "block/late/kernel"]


def test_scope_is_left_clean_after_an_error():
    class Broken(layers.Layer):
        def build(self, shape):
            raise ValueError("no")

    try:
        Broken(name="broken")(np.ones((1, 3)))
    except ValueError:
        pass
    dense = layers.Dense(1, name="after")
    dense.build((None, 3))
    assert dense.kernel.path == "after/kernel"
