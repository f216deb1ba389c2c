"""BaseConv: the arguments, weights and shape rules every N-D convolution shares."""
import numbers

from kerasmini.layers import weight_settings
from kerasmini.layers.arguments import (is_int, standardize_data_format,
                                        standardize_padding, standardize_tuple)
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.ops.layout import join_channels, split_channels
from kerasmini.ops.shapes import check_output_size, check_strides_and_dilation, output_length


class BaseConv(Layer):
    """Convolution over `rank` spatial axes; see Conv2D for the arguments."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        _check_filters_and_groups(filters, groups)
        kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        strides = standardize_tuple(strides, rank, "strides")
        dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        check_strides_and_dilation(strides, dilation_rate)
        settings = weight_settings.resolve(
            activation=activation, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint)
        padding = standardize_padding(padding)
        data_format = standardize_data_format(data_format)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank, self.filters, self.groups = rank, int(filters), int(groups)
        self.kernel_size, self.strides, self.dilation_rate = kernel_size, strides, dilation_rate
        self.padding, self.data_format = padding, data_format
        self.use_bias = bool(use_bias)
        self.activation = settings["activation"]
        self.kernel_initializer = settings["kernel_initializer"]
        self.bias_initializer = settings["bias_initializer"]
        self.kernel_regularizer = settings["kernel_regularizer"]
        self.bias_regularizer = settings["bias_regularizer"]
        self.kernel_constraint = settings["kernel_constraint"]
        self.bias_constraint = settings["bias_constraint"]
        self.input_spec = InputSpec(ndim=rank + 2)
        self.kernel = self.bias = None

    @property
    def channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # rank, channels, sizes: before any weight
        channels = input_shape[self.channel_axis]
        self.kernel = self.add_weight(
            self.kernel_size + (channels // self.groups, self.filters),
            self.kernel_initializer, "kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                (self.filters,), self.bias_initializer, "bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self.channel_axis: channels})
        self.built = True

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

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"Layer '{self.name}' expects inputs of rank {self.rank + 2}. "
                             f"Received input_shape={input_shape}")
        self._check_channels(input_shape[self.channel_axis], input_shape)
        spatial, _ = split_channels(input_shape, self.data_format)
        out = tuple(output_length(n, k, s, self.padding, d) for n, k, s, d in
                    zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        check_output_size(out, input_shape, {
            "kernel_size": self.kernel_size, "dilation_rate": self.dilation_rate,
            "strides": self.strides, "padding": self.padding},
            ": the (dilated) kernel is larger than the input")
        return join_channels(input_shape[0], out, self.filters, self.data_format)

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
