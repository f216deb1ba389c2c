"""Dense: `activation(inputs @ kernel + bias)` on the last axis."""
from kerasmini import ops
from kerasmini.layers import weight_settings
from kerasmini.layers.arguments import positive_int, refuse_lora_and_quantization
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer


class Dense(Layer):
    """Densely connected layer.

    Args:
        units: size of the output's last axis.
        activation, use_bias, kernel_/bias_initializer, kernel_/bias_/activity_regularizer,
        kernel_/bias_constraint: as in Keras.

    Input shape: (batch, ..., input_dim), rank >= 2.
    Output shape: (batch, ..., units).
    Weights: kernel (input_dim, units), bias (units,).
    """

    supports_masking = True  # hands the mask on unchanged, as Keras's does

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, quantization_config=None, **kwargs):
        units = positive_int(units, "units", message=(
            "Received an invalid value for `units`, expected a positive integer. "
            f"Received: units={units}"))
        refuse_lora_and_quantization("Dense", lora_rank, quantization_config)
        settings = weight_settings.resolve(
            activation=activation, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units, self.use_bias = units, bool(use_bias)
        self.activation = settings["activation"]
        self.kernel_initializer = settings["kernel_initializer"]
        self.bias_initializer = settings["bias_initializer"]
        self.kernel_regularizer = settings["kernel_regularizer"]
        self.bias_regularizer = settings["bias_regularizer"]
        self.kernel_constraint = settings["kernel_constraint"]
        self.bias_constraint = settings["bias_constraint"]
        self.input_spec = InputSpec(min_ndim=2)
        self.kernel = self.bias = None

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError("The last dimension of the inputs to a Dense layer should be "
                             f"defined. Found None. Full input shape received: {input_shape}")
        self.kernel = self.add_weight(
            (input_dim, self.units), self.kernel_initializer, "kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                (self.units,), self.bias_initializer, "bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:-1], self.units)

    def call(self, inputs):
        return self.forward(inputs, self.kernel.value,
                            self.bias.value if self.use_bias else None)

    def forward(self, inputs, kernel, bias):
        """This layer's computation with the given kernel and bias (None: no bias);
        predict runs it with a BatchNormalization folded in (models/inference.py)."""
        return self.activation(ops.dense(inputs, kernel, bias))

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            **weight_settings.serialize(self, "activation"),
            "use_bias": self.use_bias,
            **weight_settings.serialize(
                self, "kernel_initializer", "bias_initializer", "kernel_regularizer",
                "bias_regularizer", "kernel_constraint", "bias_constraint"),
            "quantization_config": None,
        }
