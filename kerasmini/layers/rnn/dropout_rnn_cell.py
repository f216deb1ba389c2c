"""What SimpleRNNCell, LSTMCell and GRUCell share: their arguments and dropout masks."""
import numbers

import numpy as np

from kerasmini.layers import weight_settings
from kerasmini.layers.arguments import is_int
from kerasmini.layers.layer import Layer
from kerasmini.ops import dense
from kerasmini.utils.rng_utils import numpy_generator


def units_argument(units):
    """Keras's check of `units` (a TypeError for a value that is not a number)."""
    if not isinstance(units, numbers.Real) or isinstance(units, bool):
        raise TypeError("Received an invalid value for argument `units`, expected a "
                        f"positive integer, got {units!r}.")
    if not is_int(units) or units <= 0:
        raise ValueError("Received an invalid value for argument `units`, expected a "
                         f"positive integer, got {units}.")
    return int(units)


def rate_argument(value, name):
    """A dropout rate, clipped into [0, 1] as Keras clips it."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"Argument `{name}` must be a float between 0 and 1. Received: "
                        f"{name}={value!r}")
    return min(1.0, max(0.0, float(value)))


class DropoutRNNCell(Layer):
    """A recurrent cell with `gates` blocks of `units` (SimpleRNN 1, GRU 3, LSTM 4).

    kernel (input_dim, gates * units) projects the inputs, recurrent_kernel (units,
    gates * units) the previous output. `project(x)` is the input side for any number
    of steps at once (x @ kernel + the input bias), `step(projected_t, states)` one step
    from there; `call(inputs, states)` is the two together, Keras's cell API.

    Dropout, as Keras: when training, one mask per sequence (the same for every step) on
    the inputs (`dropout`) and one on the previous output before the recurrent product
    (`recurrent_dropout`); a rate is used only when strictly between 0 and 1.
    """

    gates = 1
    weight_arguments = ("kernel_initializer", "recurrent_initializer", "bias_initializer",
                        "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                        "kernel_constraint", "recurrent_constraint", "bias_constraint")
    # SimpleRNNCell's arguments are these; LSTMCell and GRUCell add their own

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        units = units_argument(units)
        settings = weight_settings.resolve(
            activation=activation, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint)
        dropout = rate_argument(dropout, "dropout")
        recurrent_dropout = rate_argument(recurrent_dropout, "recurrent_dropout")
        if seed is not None and not is_int(seed):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
        kwargs.pop("implementation", None)  # Keras's choice of kernel; the same values
        super().__init__(**kwargs)
        self.units, self.use_bias = units, bool(use_bias)
        self.dropout, self.recurrent_dropout, self.seed = dropout, recurrent_dropout, seed
        for name, value in settings.items():
            setattr(self, name, value)
        self.state_size, self.output_size = [units], units
        self._rng = numpy_generator(seed)
        self.kernel = self.recurrent_kernel = self.bias = None

    def build(self, input_shape):
        width = self.gates * self.units
        self.kernel = self.add_weight(
            (input_shape[-1], width), self.kernel_initializer, "kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            (self.units, width), self.recurrent_initializer, "recurrent_kernel",
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                self.bias_shape(), self.bias_initializer, "bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def bias_shape(self):
        return (self.gates * self.units,)

    def input_bias(self):
        return self.bias.value if self.use_bias else None

    def project(self, inputs):
        """inputs (..., input_dim) -> (..., gates * units): the input side of each step.
        (Every product here and in step() is ops.dense: a small one runs on one BLAS
        thread, where BLAS's own threads waited ~8 ms per step for a busy core.)"""
        return dense(inputs, self.kernel.value, self.input_bias())

    def step(self, projected, states, recurrent_mask=None):
        raise NotImplementedError

    def dropout_masks(self, batch, input_dim, training):
        """(input mask (batch, input_dim) or None, recurrent mask (batch, units) or None)."""
        def mask(rate, width):
            if not training or not 0 < rate < 1:
                return None
            keep = self._rng.random((batch, width)) >= rate
            return (keep / (1 - rate)).astype(self.compute_dtype)
        return mask(self.dropout, input_dim), mask(self.recurrent_dropout, self.units)

    def call(self, inputs, states, training=False):
        """One step, Keras's cell API: (output, new states)."""
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        input_mask, recurrent_mask = self.dropout_masks(inputs.shape[0], inputs.shape[-1],
                                                        training)
        if input_mask is not None:
            inputs = inputs * input_mask
        return self.step(self.project(inputs), states, recurrent_mask)

    def __call__(self, inputs, states=None, training=None, **kwargs):
        if states is None:  # a cell is called with its states; a layer call without
            raise ValueError(f"Cell '{self.name}' ({type(self).__name__}) is called as "
                             "cell(inputs, states): `states` is missing.")
        return super().__call__(inputs, training=training, states=states, **kwargs)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:-1], self.units)

    def get_initial_state(self, batch_size):
        return [np.zeros((batch_size, n), self.compute_dtype) for n in self.state_size]

    def previous_output(self, states, recurrent_mask):
        """The previous output as the recurrent product sees it (dropped out or not)."""
        h = states[0]
        return h if recurrent_mask is None else h * recurrent_mask

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                **weight_settings.serialize(self, "activation"), "use_bias": self.use_bias,
                **weight_settings.serialize(self, *self.weight_arguments),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "seed": self.seed}
