"""GRU (Cho et al., 2014), Keras's gate order: update z, reset r, candidate h.

    x_z, x_r, x_h = x_t @ kernel + input_bias                 (3 blocks of units)
    reset_after=True (Keras's default, cuDNN's): bias (2, 3 * units), rows input and
    recurrent bias, and the reset gate applies after the recurrent product:
        u_z, u_r, u_h = h_{t-1} @ recurrent_kernel + recurrent_bias
        hh = activation(x_h + r * u_h)
    reset_after=False: bias (3 * units,), the reset gate before it:
        hh = activation(x_h + (r * h_{t-1}) @ recurrent_kernel[:, 2 units:])
    with z = recurrent_activation(x_z + u_z), r = recurrent_activation(x_r + u_r), and
    h_t = z * h_{t-1} + (1 - z) * hh.
"""
from kerasmini import activations
from kerasmini.layers import weight_settings
from kerasmini.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from kerasmini.layers.rnn.rnn import BuiltinRNN, CudnnChoice, cudnn_argument, forwarded
from kerasmini.ops import dense


class GRUCell(DropoutRNNCell):
    """One GRU step. Weights: kernel (input_dim, 3 * units), recurrent_kernel (units,
    3 * units), bias (2, 3 * units) with reset_after else (3 * units,). State: [h]."""

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, reset_after=True, seed=None, **kwargs):
        """The arguments of DropoutRNNCell and recurrent_activation, reset_after."""
        recurrent_activation = activations.get(recurrent_activation)  # checked first
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         seed, **kwargs)
        self.recurrent_activation = recurrent_activation
        self.reset_after = bool(reset_after)

    def bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def input_bias(self):
        if not self.use_bias:
            return None
        return self.bias.value[0] if self.reset_after else self.bias.value

    def step(self, projected, states, recurrent_mask=None):
        h_tm1 = states[0]
        h_previous = self.previous_output(states, recurrent_mask)
        kernel, u = self.recurrent_kernel.value, self.units
        if self.reset_after:
            inner = dense(h_previous, kernel, self.bias.value[1] if self.use_bias else None)
        else:
            inner = dense(h_previous, kernel[:, :2 * u])
        z = self.recurrent_activation(projected[:, :u] + inner[:, :u])
        r = self.recurrent_activation(projected[:, u:2 * u] + inner[:, u:2 * u])
        if self.reset_after:
            recurrent_h = r * inner[:, 2 * u:]
        else:
            recurrent_h = dense(r * h_previous, kernel[:, 2 * u:])
        hh = self.activation(projected[:, 2 * u:] + recurrent_h)
        h = z * h_tm1 + (1 - z) * hh
        return h, [h]

    def get_config(self):
        config = super().get_config()
        seed = config.pop("seed")
        return {**{k: config[k] for k in ("name", "trainable", "dtype", "units",
                                          "activation")},
                **weight_settings.serialize(self, "recurrent_activation"),
                **config, "reset_after": self.reset_after, "seed": seed}


class GRU(CudnnChoice, BuiltinRNN):
    """Gated Recurrent Unit layer. (batch, steps, features) -> (batch, units), or
    (batch, steps, units) with return_sequences; with return_state also [h]."""

    cell_class = GRUCell
    cell_name = "gru_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, reset_after=True, use_cudnn="auto", **kwargs):
        arguments = forwarded(locals())
        use_cudnn = cudnn_argument(arguments.pop("use_cudnn"))
        super().__init__(**arguments)
        self.use_cudnn = use_cudnn
