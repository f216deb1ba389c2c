"""BaseDepthwiseConv: each input channel convolved with its own `depth_multiplier` filters."""
from kerasmini import ops
from kerasmini.layers import weight_settings
from kerasmini.layers.convolutional.base_conv import (BaseConv, check_positive_int,
                                                      window_arguments)
from kerasmini.ops.layout import join_channels


class BaseDepthwiseConv(BaseConv):
    """Depthwise convolution over `rank` spatial axes; see DepthwiseConv2D.

    Shares BaseConv's window arguments, shape rule, bias and activation; the kernel is
    (*kernel_size, channels, depth_multiplier) and there are channels * depth_multiplier
    outputs (channel c's filters are outputs c * M ... c * M + M - 1).
    """

    def __init__(self, rank, depth_multiplier, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None,
                 bias_constraint=None, **kwargs):
        depth_multiplier = check_positive_int(depth_multiplier, "depth_multiplier")
        window = window_arguments(rank, kernel_size, strides, padding, data_format,
                                  dilation_rate)
        settings = weight_settings.resolve(
            activation=activation, depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer, depthwise_constraint=depthwise_constraint,
            bias_constraint=bias_constraint)
        super(BaseConv, self).__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._set_window(rank, window, use_bias)
        self.depth_multiplier, self.groups = depth_multiplier, 1
        self.activation = settings["activation"]
        self.depthwise_initializer = settings["depthwise_initializer"]
        self.bias_initializer = settings["bias_initializer"]
        self.depthwise_regularizer = settings["depthwise_regularizer"]
        self.bias_regularizer = settings["bias_regularizer"]
        self.depthwise_constraint = settings["depthwise_constraint"]
        self.bias_constraint = settings["bias_constraint"]
        self.kernel = self.bias = None

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # rank, channels, sizes: before any weight
        channels = self._input_channels(input_shape)
        self.kernel = self.add_weight(
            self.kernel_size + (channels, self.depth_multiplier),
            self.depthwise_initializer, "kernel",
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                (channels * self.depth_multiplier,), self.bias_initializer, "bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self._fix_channels(channels)

    def compute_output_shape(self, input_shape):
        channels = self._input_channels(tuple(input_shape))
        self._check_channels(channels, tuple(input_shape))
        return join_channels(input_shape[0], self._output_spatial(input_shape),
                             channels * self.depth_multiplier, self.data_format)

    def _depthwise(self, inputs, kernel):
        """The N-D depthwise convolution, no bias (1D layers run it on a 1-row image)."""
        if self.rank == 1:
            return self._as_image(inputs, lambda image, kernel_2d: ops.depthwise_conv(
                image, kernel_2d, strides=(1, *self.strides), padding=self.padding,
                data_format=self.data_format, dilation_rate=(1, *self.dilation_rate)),
                kernel)
        return ops.depthwise_conv(inputs, kernel, strides=self.strides,
                                  padding=self.padding, data_format=self.data_format,
                                  dilation_rate=self.dilation_rate)

    def call(self, inputs):
        return self.forward(inputs, self.kernel.value,
                            self.bias.value if self.use_bias else None)

    def forward(self, inputs, kernel, bias):
        """This layer's computation with the given kernel and bias (None: no bias);
        predict runs it with a BatchNormalization folded in (models/inference.py)."""
        return ops.bias_add_activate(self._depthwise(inputs, kernel), bias,
                                     self.activation, self.channel_axis)

    def get_config(self):
        return {
            **super(BaseConv, self).get_config(),
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            **weight_settings.serialize(self, "activation"),
            "use_bias": self.use_bias,
            **weight_settings.serialize(
                self, "depthwise_initializer", "bias_initializer", "depthwise_regularizer",
                "bias_regularizer", "activity_regularizer", "depthwise_constraint",
                "bias_constraint"),
        }
