"""Variable paths (`weight.path`) as tf.keras names them: the layers being built or called
around the variable's creation, outermost first. Each model is built the same way in
both libraries; explicit names keep auto-numbering out of the comparison."""
import numpy as np
import pytest

from conformance.harness import keras

import kerasmini  # noqa: E402


def _sequential_lstm(k):
    return k.Sequential([k.Input((6, 3)), k.layers.LSTM(4, name="lstm"),
                         k.layers.Dense(2, name="d")], name="seq")


def _sequential_built_later(k):
    model = k.Sequential([k.layers.Dense(2, name="d")], name="late")
    model.build((None, 3))
    return model


def _bidirectional(k):
    inputs = k.Input((6, 3))
    return k.Model(inputs, k.layers.Bidirectional(k.layers.GRU(2, name="gru"),
                                                  name="bi")(inputs))


def _nested(k):
    inner = k.Sequential([k.Input((3,)), k.layers.Dense(2, name="i")], name="inner")
    inputs = k.Input((3,))
    return k.Model(inputs, k.layers.Dense(1, name="o")(inner(inputs)))


def _attention_and_wrappers(k):
    inputs = k.Input((5, 4))
    x = k.layers.MultiHeadAttention(2, 2, name="mha")(inputs, inputs)
    return k.Model(inputs, k.layers.TimeDistributed(k.layers.Dense(2, name="td_d"),
                                                    name="td")(x))


def _subclassed(k):
    class Block(k.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = k.layers.Dense(2, name="in_call")

        def build(self, shape):
            self.early = k.layers.Dense(2, name="in_build")
            self.early.build(shape)
            self.scale = self.add_weight((2,), name="scale")

        def call(self, x):
            return self.inner(x) * self.early(x) * self.scale

    class Net(k.Model):
        def __init__(self):
            super().__init__(name="net")
            self.block = Block(name="block")
            self.head = k.Sequential([k.layers.Dense(1, name="h")], name="head")

        def call(self, x):
            return self.head(self.block(x))

    model = Net()
    model(np.ones((1, 3), "float32"))
    return model


@pytest.mark.parametrize("build", [_sequential_lstm, _sequential_built_later, _bidirectional,
                                   _nested, _attention_and_wrappers, _subclassed],
                         ids=lambda f: f.__name__.strip("_"))
def test_weight_paths_match_tf_keras(build):
    km_paths = [w.path for w in build(kerasmini).weights]
    tf_paths = [w.path for w in build(keras).weights]
    assert km_paths == tf_paths
