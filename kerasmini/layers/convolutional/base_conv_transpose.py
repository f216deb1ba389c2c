"""BaseConvTranspose: the transposed convolution (the adjoint of a strided convolution)."""
from kerasmini import ops
from kerasmini.layers import weight_settings
from kerasmini.layers.arguments import standardize_tuple
from kerasmini.layers.convolutional.base_conv import (BaseConv, check_positive_int,
                                                      window_arguments)
from kerasmini.ops.shapes import check_strides_and_dilation, conv_transpose_length
from kerasmini.ops.transposed_convolution import check_transpose_padding


class BaseConvTranspose(BaseConv):
    """Transposed convolution over `rank` spatial axes; see Conv2DTranspose.

    Shares BaseConv's arguments, bias and activation; the kernel is
    (*kernel_size, filters, channels) -- outputs before inputs, as Keras -- and the output
    size is ops.shapes.conv_transpose_length.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        filters = check_positive_int(filters, "filters")
        window = window_arguments(rank, kernel_size, strides, padding, data_format,
                                  dilation_rate)
        if output_padding is not None:
            output_padding = _check_output_padding(
                standardize_tuple(output_padding, rank, "output_padding", allow_zero=True),
                window["strides"])
        check_strides_and_dilation(window["strides"], window["dilation_rate"])
        settings = weight_settings.resolve(
            activation=activation, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint)
        super(BaseConv, self).__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._set_window(rank, window, use_bias)
        self.filters, self.groups, self.output_padding = filters, 1, output_padding
        self._set_kernel_settings(settings)
        self.kernel = self.bias = None

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # rank, channels, sizes: before any weight
        channels = self._input_channels(input_shape)
        self.kernel = self.add_weight(
            self.kernel_size + (self.filters, channels), self.kernel_initializer, "kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                (self.filters,), self.bias_initializer, "bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self._fix_channels(channels)

    def _output_spatial(self, input_shape):
        spatial = self._spatial(tuple(input_shape))
        output_padding = self.output_padding or (None,) * self.rank
        check_transpose_padding(self.kernel_size, self.padding, output_padding,
                                self.dilation_rate)
        return tuple(conv_transpose_length(n, k, s, self.padding, op, d) for n, k, s, op, d in
                     zip(spatial, self.kernel_size, self.strides, output_padding,
                         self.dilation_rate))

    def call(self, inputs):
        def transpose(x, kernel, strides=self.strides, output_padding=self.output_padding,
                      dilation_rate=self.dilation_rate):
            return ops.conv_transpose(x, kernel, strides=strides, padding=self.padding,
                                      output_padding=output_padding,
                                      data_format=self.data_format,
                                      dilation_rate=dilation_rate)

        if self.rank == 1:
            op = self.output_padding and (0, *self.output_padding)
            outputs = self._as_image(inputs, lambda image, kernel: transpose(
                image, kernel, (1, *self.strides), op, (1, *self.dilation_rate)),
                self.kernel.value)
        else:
            outputs = transpose(inputs, self.kernel.value)
        return self._add_bias_and_activate(outputs)

    def get_config(self):
        config = super().get_config()
        del config["groups"]
        config["output_padding"] = self.output_padding
        return config


def _check_output_padding(output_padding, strides):
    for i, (op, s) in enumerate(zip(output_padding, strides)):
        if op >= s:
            raise ValueError(
                "`output_padding` must be strictly less than `strides` for all dimensions. "
                f"At dimension {i}, `output_padding` is {op} but `strides` is {s}. "
                f"Received: output_padding={output_padding}, strides={strides}")
    return output_padding
