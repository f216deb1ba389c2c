"""Conv2D: 2D convolution layer (cross-correlation, as Keras and TensorFlow)."""
from kerasmini import ops
from kerasmini.layers.convolutional.base_conv import BaseConv


class Conv2D(BaseConv):
    """2D convolution: `activation(conv(inputs, kernel) + bias)`.

    Args:
        filters: number of output channels.
        kernel_size: int or (kh, kw).
        strides: int or (sh, sw); default 1.
        padding: 'valid' (no padding) or 'same' (output = ceil(input / stride); the odd
            pad pixel goes bottom/right), any case.
        data_format: 'channels_last' (N, H, W, C) or 'channels_first' (N, C, H, W);
            None means `kerasmini.config.image_data_format()`.
        dilation_rate: int or (dh, dw); > 1 only with strides 1.
        groups: split the input channels into this many groups, each with its own
            filters // groups filters.
        activation, use_bias, kernel_/bias_initializer, kernel_/bias_/activity_regularizer,
        kernel_/bias_constraint: as in Keras.

    Input shape: 4D (batch, rows, cols, channels) or (batch, channels, rows, cols).
    Output shape: (batch, new_rows, new_cols, filters) or (batch, filters, new_rows, new_cols).
    Weights: kernel (kh, kw, channels // groups, filters), bias (filters,).
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(
            2, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, groups=groups,
            activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
            **kwargs)

    def call(self, inputs):
        return self.forward(inputs, self.kernel.value,
                            self.bias.value if self.use_bias else None)

    def forward(self, inputs, kernel, bias):
        """This layer's computation with the given kernel and bias (None: no bias);
        predict runs it with a BatchNormalization folded in (models/inference.py)."""
        outputs = ops.conv(inputs, kernel, strides=self.strides, padding=self.padding,
                           data_format=self.data_format, dilation_rate=self.dilation_rate)
        return ops.bias_add_activate(outputs, bias, self.activation, self.channel_axis)
