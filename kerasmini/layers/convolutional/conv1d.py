"""Conv1D: 1D convolution, computed as a 2D convolution over a unit-height image."""
import numpy as np

from kerasmini import ops
from kerasmini.layers.convolutional.base_conv import BaseConv
from kerasmini.ops.shapes import effective_kernel_size


class Conv1D(BaseConv):
    """1D convolution: `activation(conv(inputs, kernel) + bias)` along the steps axis.

    Args: as Conv2D, with int (or 1-tuple) kernel_size, strides and dilation_rate;
        padding 'valid', 'same' or 'causal' (output[t] sees only inputs[:t + 1]: the
        steps axis is padded with (k - 1) * dilation zeros in front, then 'valid').

    Input shape: (batch, steps, channels) or (batch, channels, steps).
    Output shape: (batch, new_steps, filters) or (batch, filters, new_steps).
    Weights: kernel (k, channels // groups, filters), bias (filters,).

    The sequence becomes a 1-row image and the kernel a 1-row kernel, so that Conv1D
    runs the same im2col kernel as Conv2D.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            1, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, groups=groups,
            activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
            **kwargs)

    def call(self, inputs):
        padding = self.padding
        if padding == "causal":
            before = effective_kernel_size(self.kernel_size[0], self.dilation_rate[0]) - 1
            pads = [(0, 0)] * 3
            pads[1 if self.data_format == "channels_last" else 2] = (before, 0)
            inputs, padding = np.pad(inputs, pads), "valid"
        outputs = self._as_image(inputs, lambda image, kernel: ops.conv(
            image, kernel, strides=(1, *self.strides), padding=padding,
            data_format=self.data_format, dilation_rate=(1, *self.dilation_rate)),
            self.kernel.value)
        return self._add_bias_and_activate(outputs)
