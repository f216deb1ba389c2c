"""BaseConv: the arguments, weights and shape rules every N-D convolution shares.

The depthwise, separable and transposed convolutions derive from it too: they share the
window arguments (kernel_size, strides, padding, data_format, dilation_rate), the shape
rule, the channel checks, the 1-row-image trick of the 1D layers, bias and activation.
"""
import numbers

import numpy as np

from kerasmini import ops
from kerasmini.layers import weight_settings
from kerasmini.layers.arguments import (is_int, standardize_data_format,
                                        standardize_padding, standardize_tuple)
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.ops.layout import join_channels, split_channels
from kerasmini.ops.shapes import (check_output_size, check_strides_and_dilation,
                                  output_length)


class BaseConv(Layer):
    """Convolution over `rank` spatial axes; see Conv2D for the arguments."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        _check_filters_and_groups(filters, groups)
        window = window_arguments(rank, kernel_size, strides, padding, data_format,
                                  dilation_rate, allow_causal=rank == 1)
        check_strides_and_dilation(window["strides"], window["dilation_rate"])
        settings = weight_settings.resolve(
            activation=activation, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._set_window(rank, window, use_bias)
        self.filters, self.groups = int(filters), int(groups)
        self._set_kernel_settings(settings)
        self.kernel = self.bias = None

    def _set_kernel_settings(self, settings):
        """The activation and the kernel_/bias_ initializers, regularizers, constraints."""
        self.activation = settings["activation"]
        self.kernel_initializer = settings["kernel_initializer"]
        self.bias_initializer = settings["bias_initializer"]
        self.kernel_regularizer = settings["kernel_regularizer"]
        self.bias_regularizer = settings["bias_regularizer"]
        self.kernel_constraint = settings["kernel_constraint"]
        self.bias_constraint = settings["bias_constraint"]

    def _set_window(self, rank, window, use_bias):
        """Store the normalized window arguments (after Layer.__init__)."""
        self.rank, self.use_bias = rank, bool(use_bias)
        self.kernel_size, self.strides = window["kernel_size"], window["strides"]
        self.dilation_rate, self.padding = window["dilation_rate"], window["padding"]
        self.data_format = window["data_format"]
        self.input_spec = InputSpec(ndim=rank + 2)

    @property
    def channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # rank, channels, sizes: before any weight
        channels = self._input_channels(input_shape)
        self.kernel = self.add_weight(
            self.kernel_size + (channels // self.groups, self.filters),
            self.kernel_initializer, "kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                (self.filters,), self.bias_initializer, "bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self._fix_channels(channels)

    def _check_channels(self, channels, input_shape):
        if channels is None:
            raise ValueError(f"The channel dimension of the inputs should be defined. "
                             f"Received input_shape={tuple(input_shape)}")
        if channels == 0:
            raise ValueError(f"Layer '{self.name}' needs at least one input channel. "
                             f"Received input_shape={tuple(input_shape)}")
        if channels % self.groups:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of "
                f"groups. Received groups={self.groups}, but the input has {channels} "
                f"channels (full input shape is {tuple(input_shape)}).")

    def _fix_channels(self, channels):
        """After build: later inputs must have the same channel count."""
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self.channel_axis: channels})
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_channels(self._input_channels(input_shape), input_shape)
        return join_channels(input_shape[0], self._output_spatial(input_shape),
                             self.filters, self.data_format)

    def _output_spatial(self, input_shape):
        """The output's spatial sizes (rank and zero-size checks included)."""
        input_shape = tuple(input_shape)
        window_padding = "same" if self.padding == "causal" else self.padding  # same length
        out = tuple(output_length(n, k, s, window_padding, d) for n, k, s, d in
                    zip(self._spatial(input_shape), self.kernel_size, self.strides,
                        self.dilation_rate))
        check_output_size(out, input_shape, {
            "kernel_size": self.kernel_size, "dilation_rate": self.dilation_rate,
            "strides": self.strides, "padding": self.padding},
            ": the (dilated) kernel is larger than the input")
        return out

    def _spatial(self, input_shape):
        """The spatial sizes of an input shape, after checking its rank."""
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"Layer '{self.name}' expects inputs of rank {self.rank + 2}. "
                             f"Received input_shape={tuple(input_shape)}")
        return split_channels(input_shape, self.data_format)[0]

    def _input_channels(self, input_shape):
        self._spatial(input_shape)
        return split_channels(input_shape, self.data_format)[1]

    def _as_image(self, inputs, op, *kernels):
        """op(image, *kernels) for a 1D layer: the sequence as a 1-row image and each
        kernel as a 1-row kernel, so 1D layers run the 2D kernels."""
        row_axis = 1 if self.data_format == "channels_last" else 2
        outputs = op(np.expand_dims(inputs, row_axis), *(k[None] for k in kernels))
        return np.squeeze(outputs, row_axis)

    def _add_bias_and_activate(self, outputs):
        bias = self.bias.value if self.use_bias else None
        return ops.bias_add_activate(outputs, bias, self.activation, self.channel_axis)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            **weight_settings.serialize(self, "activation"),
            "use_bias": self.use_bias,
            **weight_settings.serialize(
                self, "kernel_initializer", "bias_initializer", "kernel_regularizer",
                "bias_regularizer", "activity_regularizer", "kernel_constraint",
                "bias_constraint"),
        }


def window_arguments(rank, kernel_size, strides, padding, data_format, dilation_rate,
                     allow_causal=False):
    """The sliding-window arguments of every convolution, normalized as Keras does."""
    return dict(kernel_size=standardize_tuple(kernel_size, rank, "kernel_size"),
                strides=standardize_tuple(strides, rank, "strides"),
                dilation_rate=standardize_tuple(dilation_rate, rank, "dilation_rate"),
                padding=standardize_padding(padding, allow_causal),
                data_format=standardize_data_format(data_format))


def check_positive_int(value, name, what="value"):
    """Keras compares the argument with 0: a TypeError for a non-number, else ValueError."""
    if not isinstance(value, numbers.Real):
        raise TypeError(f"Invalid type for argument `{name}`: expected an integer. "
                        f"Received {name}={value!r} of type {type(value).__name__}.")
    if not is_int(value) or value <= 0:
        raise ValueError(f"Invalid value for argument `{name}`. Expected a strictly "
                         f"positive {what}. Received {name}={value}.")
    return int(value)


def _check_filters_and_groups(filters, groups):
    for name, value in (("filters", filters), ("groups", groups)):
        if value is None:  # tf.keras: ValueError when the kernel shape has a None
            raise ValueError(f"Invalid value for argument `{name}`. Expected a strictly "
                             f"positive integer. Received {name}=None.")
        if not isinstance(value, numbers.Real):  # Keras fails comparing it: a TypeError
            raise TypeError(f"Invalid type for argument `{name}`: expected an integer. "
                            f"Received {name}={value!r} of type {type(value).__name__}.")
    if not is_int(filters) or filters <= 0:
        raise ValueError("Invalid value for argument `filters`. Expected a strictly "
                         f"positive integer. Received filters={filters}.")
    if not is_int(groups) or groups <= 0:
        raise ValueError("The number of groups must be a positive integer. "
                         f"Received: groups={groups}.")
    if filters % groups:
        raise ValueError("The number of filters must be evenly divisible by the number "
                         f"of groups. Received: groups={groups}, filters={filters}.")
