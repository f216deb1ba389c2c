"""BaseSeparableConv: a depthwise convolution, then a 1x1 convolution mixing channels."""
from kerasmini import ops
from kerasmini.layers import weight_settings
from kerasmini.layers.convolutional.base_conv import BaseConv, check_positive_int
from kerasmini.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv


class BaseSeparableConv(BaseDepthwiseConv):
    """Separable convolution over `rank` spatial axes; see SeparableConv2D.

    The depthwise step is BaseDepthwiseConv's (kernel `depthwise_kernel`); the pointwise
    step is a 1x1 convolution (kernel `pointwise_kernel`, (1, ..., channels * M, filters))
    with the bias (filters,).
    """

    def __init__(self, rank, depth_multiplier, filters, kernel_size, strides=1,
                 padding="valid", data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None,
                 bias_constraint=None, **kwargs):
        filters = check_positive_int(filters, "filters")
        pointwise = weight_settings.resolve(
            pointwise_initializer=pointwise_initializer,
            pointwise_regularizer=pointwise_regularizer,
            pointwise_constraint=pointwise_constraint)
        super().__init__(
            rank, depth_multiplier, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint,
            **kwargs)
        self.pointwise_initializer = pointwise["pointwise_initializer"]
        self.pointwise_regularizer = pointwise["pointwise_regularizer"]
        self.pointwise_constraint = pointwise["pointwise_constraint"]
        self.filters = filters
        self.depthwise_kernel = self.pointwise_kernel = None

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # rank, channels, sizes: before any weight
        channels = self._input_channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            self.kernel_size + (channels, self.depth_multiplier),
            self.depthwise_initializer, "depthwise_kernel",
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            (1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            self.pointwise_initializer, "pointwise_kernel",
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                (self.filters,), self.bias_initializer, "bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self._fix_channels(channels)

    def compute_output_shape(self, input_shape):
        return BaseConv.compute_output_shape(self, input_shape)

    def call(self, inputs):
        def pointwise(x, kernel):  # a 1x1 convolution: ops.conv's plain-matmul path
            return ops.conv(x, kernel, data_format=self.data_format)

        depthwise = self._depthwise(inputs, self.depthwise_kernel.value)
        kernel = self.pointwise_kernel.value
        mixed = (self._as_image(depthwise, pointwise, kernel) if self.rank == 1
                 else pointwise(depthwise, kernel))
        return self._add_bias_and_activate(mixed)

    def get_config(self):
        config = super().get_config()
        config["filters"] = self.filters
        config.update(weight_settings.serialize(
            self, "pointwise_initializer", "pointwise_regularizer", "pointwise_constraint"))
        return config
