"""SeparableConv2D: a depthwise 2D convolution, then a 1x1 convolution mixing channels."""
from kerasmini.layers.convolutional.base_separable_conv import BaseSeparableConv


class SeparableConv2D(BaseSeparableConv):
    """2D separable convolution: `activation(pointwise(depthwise(inputs)) + bias)`.

    Each input channel is first convolved with its own depth_multiplier filters (as
    DepthwiseConv2D, no bias), then a 1x1 convolution mixes the channels * depth_multiplier
    results into `filters` outputs. Parameters: kh*kw*C*M + C*M*filters (+ filters),
    against kh*kw*C*filters (+ filters) for a Conv2D with the same output.

    Args:
        filters, kernel_size, strides, padding, data_format, dilation_rate: as Conv2D
            (strides and dilation_rate may both exceed 1).
        depth_multiplier: depthwise filters per input channel.
        activation, use_bias, depthwise_/pointwise_/bias_initializer,
        depthwise_/pointwise_/bias_/activity_regularizer,
        depthwise_/pointwise_/bias_constraint: as in Keras.

    Weights: depthwise_kernel (kh, kw, C, M), pointwise_kernel (1, 1, C * M, filters),
        bias (filters,).
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), depth_multiplier=1,
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(
            2, depth_multiplier, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint,
            **kwargs)
