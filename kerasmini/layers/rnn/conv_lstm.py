"""ConvLSTM (Shi et al., 2015): an LSTM whose products are convolutions.

Per step t, with * a convolution and Keras's gate order (input, forget, cell, output):

    z = x_t * kernel + bias + h_{t-1} * recurrent_kernel     (batch, *spatial', 4 * filters)
    i, f, g, o = recurrent_activation(z_i), recurrent_activation(z_f),
                 activation(z_g), recurrent_activation(z_o)
    c_t = f * c_{t-1} + i * g
    h_t = o * activation(c_t)

The input convolution takes the layer's strides, padding and dilation; the recurrent
one is stride 1, 'same', undilated (as Keras), so h and c keep the output's spatial
shape. As for LSTM, the input side of all steps is one convolution over (batch * steps)
images before the loop; each step is one convolution of h. Everything stays in the
layer's data_format (the kernels take either), as Keras computes it.

Dropout, as Keras's ConvLSTMCell: while training, four input masks and four recurrent
masks (one per gate) of the whole step input / state, elementwise, the same at every
step of a call.
"""
import numpy as np

from kerasmini import initializers, ops, regularizers
from kerasmini.layers import weight_settings
from kerasmini.layers.convolutional.base_conv import check_positive_int, window_arguments
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.layers.rnn.dropout_rnn_cell import dropout_arguments
from kerasmini.layers.rnn.rnn import RNN, CellAttributes
from kerasmini.ops.layout import split_channels
from kerasmini.ops.shapes import output_length
from kerasmini.utils.rng_utils import numpy_generator

GATES = 4


def convolve(x, kernel, rank, strides, padding, data_format, dilation_rate):
    """keras.ops.conv for 1, 2 or 3 spatial axes (a 1D one as a 1-row image)."""
    if rank == 3:
        return ops.conv3d(x, kernel, strides, padding, data_format, dilation_rate)
    if rank == 2:
        return ops.conv(x, kernel, strides, padding, data_format, dilation_rate)
    row = 1 if data_format == "channels_last" else 2
    image = ops.conv(np.expand_dims(x, row), kernel[None], (1, *strides), padding,
                     data_format, (1, *dilation_rate))
    return np.squeeze(image, row)


class ConvLSTMCell(Layer):
    """One ConvLSTM step. Weights: kernel (*kernel_size, channels, 4 * filters),
    recurrent_kernel (*kernel_size, filters, 4 * filters), bias (4 * filters,), each in
    the gate order i, f, g, o. States [h, c], output h, each (batch, *spatial', filters)
    in the data_format."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        if rank not in (1, 2, 3):
            raise ValueError(f"Rank {rank} convolutions are not currently implemented. "
                             f"Received: rank={rank}")
        filters = check_positive_int(filters, "filters", "integer")
        window = window_arguments(rank, kernel_size, strides, padding, data_format,
                                  dilation_rate)
        if max(window["strides"]) > 1 and max(window["dilation_rate"]) > 1:
            raise ValueError(
                "Specifying `strides > 1` is not compatible with `dilation_rate > 1`. "
                "Please provide `strides=1` or `dilation_rate=1`. Received: "
                f"strides={window['strides']} and dilation_rate={window['dilation_rate']}")
        settings = weight_settings.resolve(
            activation=activation, recurrent_activation=recurrent_activation,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint)
        dropout, recurrent_dropout = dropout_arguments(dropout, recurrent_dropout, seed)
        super().__init__(**kwargs)
        self.rank, self.filters = rank, filters
        for name, value in {**window, **settings}.items():
            setattr(self, name, value)
        self.use_bias, self.unit_forget_bias = bool(use_bias), bool(unit_forget_bias)
        self.dropout, self.recurrent_dropout, self.seed = dropout, recurrent_dropout, seed
        self._rng = numpy_generator(seed)
        self.state_size = -1  # as Keras: the states' shapes depend on the input's
        self.input_spec = InputSpec(ndim=rank + 2)
        self.kernel = self.recurrent_kernel = self.bias = None

    @property
    def channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    # ----- shapes and weights -------------------------------------------------------
    def compute_output_shape(self, step_shape):
        """(batch, *spatial, channels) or channels first -> the same for h and c."""
        spatial, _ = split_channels(tuple(step_shape), self.data_format)
        out = tuple(None if n is None else output_length(n, k, s, self.padding, d)
                    for n, k, s, d in zip(spatial, self.kernel_size, self.strides,
                                          self.dilation_rate))
        if self.data_format == "channels_first":
            return (step_shape[0], self.filters, *out)
        return (step_shape[0], *out, self.filters)

    def build(self, step_shape):
        spatial, channels = split_channels(tuple(step_shape), self.data_format)
        if None in spatial:
            raise ValueError("ConvLSTM layers only support static input shapes for the "
                             "spatial dimension. Received invalid input shape: "
                             f"input_shape={tuple(step_shape)}")
        if channels is None:
            raise ValueError("The channel dimension of the inputs (last axis) should be "
                             "defined. Found None. Full input shape received: "
                             f"input_shape={tuple(step_shape)}")
        if any(n <= 0 for n in self.compute_output_shape(step_shape)[1:]):
            raise ValueError(f"The ConvLSTM's kernel is larger than its input: "
                             f"kernel_size={self.kernel_size}, dilation_rate="
                             f"{self.dilation_rate}, padding={self.padding}. Received "
                             f"input_shape={tuple(step_shape)}")
        width = GATES * self.filters
        self.kernel = self.add_weight(
            (*self.kernel_size, channels, width), self.kernel_initializer, "kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            (*self.kernel_size, self.filters, width), self.recurrent_initializer,
            "recurrent_kernel", regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                (width,), self.bias_initializer, "bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
            if self.unit_forget_bias:  # the forget gate's bias starts at 1
                n, dtype = self.filters, self.dtype
                self.bias.assign(np.concatenate([
                    self.bias_initializer((n,), dtype=dtype),
                    initializers.get("ones")((n,), dtype=dtype),
                    self.bias_initializer((2 * n,), dtype=dtype)]))
        self.state_shape = self.compute_output_shape(step_shape)[1:]
        self.built = True

    # ----- the computation ----------------------------------------------------------
    def _gate(self, array, g):
        """Gate g's block of `filters` channels."""
        index = [slice(None)] * array.ndim
        index[self.channel_axis] = slice(g * self.filters, (g + 1) * self.filters)
        return array[tuple(index)]

    def _input_conv(self, x, kernel):
        return convolve(x, kernel, self.rank, self.strides, self.padding, self.data_format,
                        self.dilation_rate)

    def _recurrent_conv(self, h, kernel):
        return convolve(h, kernel, self.rank, (1,) * self.rank, "same", self.data_format,
                        (1,) * self.rank)

    def _per_gate(self, conv, x, kernel, masks):
        """conv(x, kernel), or with masks, conv(x * mask_g, kernel's gate g) per gate."""
        if masks is None:
            return conv(x, kernel)
        return np.concatenate([conv(x * mask, kernel[..., g * self.filters:
                                                      (g + 1) * self.filters])
                               for g, mask in enumerate(masks)], axis=self.channel_axis)

    def project(self, sequences, input_masks=None):
        """(batch, steps, *step_shape) -> the input side z of every step, (batch, steps,
        *state_shape with 4 * filters channels): one convolution of batch * steps images."""
        batch, steps = sequences.shape[:2]
        images = np.reshape(sequences, (batch * steps, *sequences.shape[2:]))
        if input_masks is not None:  # each (batch, *step_shape): the same at every step
            input_masks = [np.reshape(np.broadcast_to(m[:, None], sequences.shape),
                                      images.shape) for m in input_masks]
        z = self._per_gate(self._input_conv, images, self.kernel.value, input_masks)
        if self.use_bias:
            bias = self.bias.value
            if self.data_format == "channels_first":
                bias = np.reshape(bias, (-1,) + (1,) * self.rank)
            z = z + bias
        return np.reshape(z, (batch, steps, *z.shape[1:]))

    def step(self, z_input, states, recurrent_masks=None):
        """One step from the projected input z_input (batch, *state_shape * 4)."""
        h, c = states
        z = z_input + self._per_gate(self._recurrent_conv, h, self.recurrent_kernel.value,
                                     recurrent_masks)
        i = self.recurrent_activation(self._gate(z, 0))
        f = self.recurrent_activation(self._gate(z, 1))
        g = self.activation(self._gate(z, 2))
        o = self.recurrent_activation(self._gate(z, 3))
        c = f * c + i * g
        h = o * self.activation(c)
        return h, [h, c]

    def dropout_masks(self, batch, step_shape, training):
        """(4 input masks (batch, *step_shape) or None, 4 recurrent masks (batch,
        *state_shape) or None): Keras's, one per gate, scaled by 1 / (1 - rate)."""
        def masks(rate, shape):
            if not training or not 0 < rate < 1:
                return None
            return [((self._rng.random((batch, *shape)) >= rate) / (1 - rate))
                    .astype(self.compute_dtype) for _ in range(GATES)]
        return (masks(self.dropout, step_shape),
                masks(self.recurrent_dropout, self.state_shape))

    def call(self, inputs, states, training=False):
        """One step, Keras's cell API: (output, new states)."""
        input_masks, recurrent_masks = self.dropout_masks(
            inputs.shape[0], inputs.shape[1:], training)
        return self.step(self.project(inputs[:, None], input_masks)[:, 0], list(states),
                         recurrent_masks)

    def __call__(self, inputs, states=None, training=None, **kwargs):
        if states is None:
            raise ValueError(f"Cell '{self.name}' ({type(self).__name__}) is called as "
                             "cell(inputs, states): `states` is missing.")
        return super().__call__(inputs, training=training, states=states, **kwargs)

    def get_initial_state(self, batch_size):
        return [np.zeros((batch_size, *self.state_shape), self.compute_dtype) for _ in range(2)]

    def settings_config(self):
        """The arguments ConvLSTM's config repeats, in Keras's order (no seed)."""
        return {"filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding,
                "data_format": self.data_format, "dilation_rate": self.dilation_rate,
                **weight_settings.serialize(self, "activation", "recurrent_activation"),
                "use_bias": self.use_bias,
                **weight_settings.serialize(self, "kernel_initializer",
                                            "recurrent_initializer", "bias_initializer"),
                "unit_forget_bias": self.unit_forget_bias,
                **weight_settings.serialize(self, "kernel_regularizer",
                                            "recurrent_regularizer", "bias_regularizer")}

    def get_config(self):
        return {**super().get_config(), **self.settings_config(),
                **weight_settings.serialize(self, "kernel_constraint",
                                            "recurrent_constraint", "bias_constraint"),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "seed": self.seed}


class ConvLSTM(CellAttributes, RNN):
    """ConvLSTM1D/2D/3D: a ConvLSTMCell run over axis 1 of (batch, steps, *step_shape).
    The arguments are the cell's (see ConvLSTM2D) and RNN's return_sequences,
    return_state, go_backwards, stateful; masks (batch, steps) as for LSTM."""

    rank = None  # 1, 2 or 3: set by ConvLSTM1D / 2D / 3D

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, **kwargs):
        cell = ConvLSTMCell(
            self.rank, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, name="conv_lstm_cell",
            dtype=kwargs.get("dtype"))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=self.rank + 3)

    def state_shapes(self, batch):
        return [(batch, *self.cell.state_shape)] * 2

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        state = self.cell.compute_output_shape((batch, *sequences_shape[2:]))
        output = (batch, steps, *state[1:]) if self.return_sequences else state
        return [output, state, state] if self.return_state else output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        return [output_mask, None, None] if self.return_state else output_mask

    def _steps(self, sequences, training):
        cell = self.cell
        input_masks, recurrent_masks = cell.dropout_masks(
            sequences.shape[0], sequences.shape[2:], training)
        return cell.project(sequences, input_masks), (
            lambda z_t, states: cell.step(z_t, states, recurrent_masks))

    def get_config(self):
        return {**self._base_config(), **self.cell.settings_config(),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                **weight_settings.serialize(self.cell, "kernel_constraint",
                                            "recurrent_constraint", "bias_constraint"),
                "dropout": self.cell.dropout, "recurrent_dropout": self.cell.recurrent_dropout,
                "seed": self.cell.seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
