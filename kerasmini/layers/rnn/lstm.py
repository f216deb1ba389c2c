"""LSTM (Hochreiter & Schmidhuber, 1997), Keras's gate order: input, forget, cell, output.

    z = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias      (batch, 4 * units)
    i, f, g, o = recurrent_activation(z_i), recurrent_activation(z_f),
                 activation(z_g), recurrent_activation(z_o)
    c_t = f * c_{t-1} + i * g
    h_t = o * activation(c_t)
"""
import numpy as np

from kerasmini import activations, initializers
from kerasmini.layers import weight_settings
from kerasmini.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from kerasmini.layers.rnn.rnn import BuiltinRNN, CudnnChoice, cudnn_argument, forwarded
from kerasmini.ops import dense


class LSTMCell(DropoutRNNCell):
    """One LSTM step. Weights: kernel (input_dim, 4 * units), recurrent_kernel (units,
    4 * units), bias (4 * units,), each in the gate order i, f, g, o. States: [h, c];
    output: h. unit_forget_bias: the forget gate's bias starts at 1 (the rest from
    bias_initializer), as Keras initializes it."""

    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        """The arguments of DropoutRNNCell and recurrent_activation, unit_forget_bias."""
        recurrent_activation = activations.get(recurrent_activation)  # checked first
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         seed, **kwargs)
        self.recurrent_activation = recurrent_activation
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]

    def build(self, input_shape):
        super().build(input_shape)
        if self.use_bias and self.unit_forget_bias:
            units, dtype = self.units, self.compute_dtype
            self.bias.assign(np.concatenate([
                self.bias_initializer((units,), dtype=dtype),
                initializers.get("ones")((units,), dtype=dtype),
                self.bias_initializer((2 * units,), dtype=dtype)]))

    def step(self, projected, states, recurrent_mask=None):
        h_previous = self.previous_output(states, recurrent_mask)
        z = projected + dense(h_previous, self.recurrent_kernel.value)
        u = self.units
        i = self.recurrent_activation(z[:, :u])
        f = self.recurrent_activation(z[:, u:2 * u])
        g = self.activation(z[:, 2 * u:3 * u])
        o = self.recurrent_activation(z[:, 3 * u:])
        c = f * states[1] + i * g
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        return {**{k: config[k] for k in ("name", "trainable", "dtype", "units",
                                          "activation")},
                **weight_settings.serialize(self, "recurrent_activation"),
                "use_bias": self.use_bias, "unit_forget_bias": self.unit_forget_bias,
                **config}


class LSTM(CudnnChoice, BuiltinRNN):
    """Long Short-Term Memory layer. (batch, steps, features) -> (batch, units), or
    (batch, steps, units) with return_sequences; with return_state also [h, c]."""

    cell_class = LSTMCell
    cell_name = "lstm_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        arguments = forwarded(locals())
        use_cudnn = cudnn_argument(arguments.pop("use_cudnn"))
        super().__init__(**arguments)
        self.use_cudnn = use_cudnn
