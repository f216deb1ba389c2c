"""Conv3D: 3D convolution layer (cross-correlation over depth, rows and columns)."""
from kerasmini import ops
from kerasmini.layers.convolutional.base_conv import BaseConv


class Conv3D(BaseConv):
    """3D convolution: `activation(conv(inputs, kernel) + bias)` over volumes.

    Args: as Conv2D, with kernel_size, strides and dilation_rate an int or
        (depth, rows, cols); padding 'valid' or 'same'; groups as Conv2D.

    Input shape: 5D (batch, depth, rows, cols, channels) or
        (batch, channels, depth, rows, cols).
    Output shape: (batch, new_depth, new_rows, new_cols, filters) (or channels first).
    Weights: kernel (kd, kh, kw, channels // groups, filters), bias (filters,).

    ops.conv3d runs it as a sum over the kernel's depth taps of 2D convolutions
    (ops/volume_convolution.py).
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(
            3, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, groups=groups,
            activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
            **kwargs)

    def call(self, inputs):
        outputs = ops.conv3d(inputs, self.kernel.value, strides=self.strides,
                             padding=self.padding, data_format=self.data_format,
                             dilation_rate=self.dilation_rate)
        return self._add_bias_and_activate(outputs)
