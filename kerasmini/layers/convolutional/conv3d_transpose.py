"""Conv3DTranspose: the transposed 3D convolution, an upsampling layer for volumes."""
from kerasmini import ops
from kerasmini.layers.convolutional.base_conv_transpose import BaseConvTranspose


class Conv3DTranspose(BaseConvTranspose):
    """3D transposed convolution: each input voxel adds kernel * voxel to the output.

    Output sizes per axis as Conv2DTranspose (ops.shapes.conv_transpose_length).

    Args:
        filters: output channels.
        kernel_size, strides, padding, data_format, dilation_rate: as Conv3D
            (strides > 1 and dilation_rate > 1 not together; no groups, as Keras).
        output_padding: None, int or (pd, ph, pw), each < the stride.
        activation, use_bias, kernel_/bias_initializer, kernel_/bias_/activity_regularizer,
        kernel_/bias_constraint: as in Keras.

    Weights: kernel (kd, kh, kw, filters, channels) (outputs before inputs), bias (filters,).
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, output_padding=None, dilation_rate=(1, 1, 1),
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(
            3, filters, kernel_size, strides=strides, padding=padding,
            output_padding=output_padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
            **kwargs)

    def call(self, inputs):
        outputs = ops.conv3d_transpose(
            inputs, self.kernel.value, strides=self.strides, padding=self.padding,
            output_padding=self.output_padding, data_format=self.data_format,
            dilation_rate=self.dilation_rate)
        return self._add_bias_and_activate(outputs)
