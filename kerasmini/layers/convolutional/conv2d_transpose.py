"""Conv2DTranspose: the transposed 2D convolution ("deconvolution"), an upsampling layer."""
from kerasmini.layers.convolutional.base_conv_transpose import BaseConvTranspose


class Conv2DTranspose(BaseConvTranspose):
    """2D transposed convolution: each input pixel adds kernel * pixel to the output.

    It maps the shape of a Conv2D's output back to the shape of its input (the adjoint of
    that Conv2D): with strides s, each input pixel lands s pixels from its neighbour.
    Output size per axis (k_eff = (k - 1) * dilation + 1):
        output_padding=None: 'valid' (in - 1) * s + max(k_eff, s); 'same' in * s;
        output_padding=p:    'valid' (in - 1) * s + k_eff + p; 'same' (in - 1) * s + k_eff % 2 + p.

    Args:
        filters: output channels.
        kernel_size, strides, padding, data_format, dilation_rate: as Conv2D
            (strides > 1 and dilation_rate > 1 not together).
        output_padding: None, int or (ph, pw), each < the stride: extra output pixels.
        activation, use_bias, kernel_/bias_initializer, kernel_/bias_/activity_regularizer,
        kernel_/bias_constraint: as in Keras.

    Weights: kernel (kh, kw, filters, channels) (outputs before inputs), bias (filters,).
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1),
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(
            2, filters, kernel_size, strides=strides, padding=padding,
            output_padding=output_padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
            **kwargs)
