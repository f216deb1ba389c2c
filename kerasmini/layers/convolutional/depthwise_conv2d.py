"""DepthwiseConv2D: each input channel convolved with its own filters, no channel mixing."""
from kerasmini.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv


class DepthwiseConv2D(BaseDepthwiseConv):
    """2D depthwise convolution: `activation(depthwise_conv(inputs, kernel) + bias)`.

    Args:
        kernel_size: int or (kh, kw).
        strides: int or (sh, sw); default 1 (may be combined with dilation > 1).
        padding: 'valid' or 'same'.
        depth_multiplier: filters per input channel (outputs: channels * depth_multiplier).
        data_format: 'channels_last', 'channels_first' or None (the global setting).
        dilation_rate: int or (dh, dw).
        activation, use_bias, depthwise_/bias_initializer,
        depthwise_/bias_/activity_regularizer, depthwise_/bias_constraint: as in Keras.

    Input shape: (batch, rows, cols, channels) or (batch, channels, rows, cols).
    Output shape: (batch, new_rows, new_cols, channels * depth_multiplier) or channels first.
    Weights: kernel (kh, kw, channels, depth_multiplier), bias (channels * depth_multiplier,).
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(
            2, depth_multiplier, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint,
            **kwargs)
