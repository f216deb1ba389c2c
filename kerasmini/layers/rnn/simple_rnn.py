"""SimpleRNN: h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)."""
from kerasmini.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from kerasmini.layers.rnn.rnn import BuiltinRNN, forwarded
from kerasmini.ops import dense


class SimpleRNNCell(DropoutRNNCell):
    """One step of a fully connected recurrence. Weights: kernel (input_dim, units),
    recurrent_kernel (units, units), bias (units,). State: [h]; output: h."""

    gates = 1

    def step(self, projected, states, recurrent_mask=None):
        h_previous = self.previous_output(states, recurrent_mask)
        h = self.activation(projected + dense(h_previous, self.recurrent_kernel.value))
        return h, [h]


class SimpleRNN(BuiltinRNN):
    """Fully connected RNN whose output is fed back as its next input. (batch, steps,
    features) -> (batch, units), or (batch, steps, units) with return_sequences."""

    cell_class = SimpleRNNCell
    cell_name = "simple_rnn_cell"
    config_leaves_out = ("seed",)  # SimpleRNN's config has none; its cell's has

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 seed=None, **kwargs):
        super().__init__(**forwarded(locals()))
