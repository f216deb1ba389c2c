"""DepthwiseConv1D: DepthwiseConv2D along one axis, run on a 1-row image."""
from kerasmini.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv


class DepthwiseConv1D(BaseDepthwiseConv):
    """1D depthwise convolution: `activation(depthwise_conv(inputs, kernel) + bias)`.

    Args:
        kernel_size: int (or a 1-tuple); strides and dilation_rate likewise.
        padding: 'valid' or 'same'.
        depth_multiplier: filters per input channel (outputs: channels * depth_multiplier).
        data_format: 'channels_last', 'channels_first' or None (the global setting).
        activation, use_bias, depthwise_/bias_initializer,
        depthwise_/bias_/activity_regularizer, depthwise_/bias_constraint: as in Keras.

    Input shape: (batch, steps, channels) or (batch, channels, steps).
    Output shape: (batch, new_steps, channels * depth_multiplier) or channels first.
    Weights: kernel (k, channels, depth_multiplier), bias (channels * depth_multiplier,).
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(
            1, depth_multiplier, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint,
            **kwargs)
