"""ConvNeXtTiny/Small/Base/Large/XLarge (keras.applications.convnext; Liu et al., CVPR
2022) and their private layers LayerScale and StochasticDepth, which their model files
name."""
import numbers

import numpy as np

from kerasmini import config, layers
from kerasmini.applications import imagenet_utils
from kerasmini.initializers import Constant
from kerasmini.layers.layer import Layer
from kerasmini.utils.rng_utils import numpy_generator


class LayerScale(Layer):
    """`x * gamma`, one learned scale per channel, every entry starting at `init_values`.

    Args:
        init_values: float, the initial scale (ConvNeXt uses 1e-6).
        projection_dim: int, the number of channels (the length of gamma).
    """

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values, self.projection_dim = init_values, projection_dim
        self.gamma = None

    def compute_output_shape(self, input_shape):
        if input_shape[-1] not in (None, self.projection_dim):
            raise ValueError(f"Layer '{self.name}' scales {self.projection_dim} channels, "
                             f"but received an input of shape {tuple(input_shape)}.")
        return tuple(input_shape)

    def build(self, input_shape):
        self.gamma = self.add_weight((self.projection_dim,), Constant(self.init_values),
                                     "variable")
        self.built = True

    def call(self, inputs):
        return inputs * self.gamma.value

    def get_config(self):
        return {**super().get_config(), "init_values": self.init_values,
                "projection_dim": self.projection_dim}


class StochasticDepth(Layer):
    """Drops the whole residual branch of a random subset of the batch while training
    (keeping the rest scaled by 1 / (1 - rate)); the identity at inference.

    Args:
        drop_path_rate: float in [0, 1], the probability of dropping a sample's branch.
    """

    def __init__(self, drop_path_rate, **kwargs):
        if not isinstance(drop_path_rate, numbers.Real) or not 0 <= drop_path_rate <= 1:
            raise ValueError("Argument `drop_path_rate` must be a float in [0, 1]. "
                             f"Received: drop_path_rate={drop_path_rate}")
        super().__init__(**kwargs)
        self._build_at_init()
        self.drop_path_rate = drop_path_rate
        self._rng = numpy_generator()

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, inputs, training=None):
        if not training or self.drop_path_rate == 0:
            return inputs
        keep = 1 - self.drop_path_rate
        shape = (inputs.shape[0],) + (1,) * (inputs.ndim - 1)
        mask = np.floor(keep + self._rng.uniform(size=shape)).astype(inputs.dtype)
        return (inputs / np.asarray(keep, inputs.dtype)) * mask

    def get_config(self):
        return {**super().get_config(), "drop_path_rate": self.drop_path_rate}


# ----- the builders ----------------------------------------------------------------------
MODEL_CONFIGS = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768]},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768]},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024]},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536]},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048]},
}
IMAGENET_MEAN = [0.485 * 255, 0.456 * 255, 0.406 * 255]
IMAGENET_VARIANCE = [(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2]


def ConvNeXtBlock(projection_dim, drop_path_rate=0.0, layer_scale_init_value=1e-6,
                  name=None):
    """7x7 depthwise convolution (a grouped Conv2D, as Keras), LayerNormalization, an
    MLP of 4 * projection_dim (gelu) on each pixel, LayerScale, stochastic depth, the
    input added back (a tensor operation). Returns the function to apply."""
    def apply(inputs):
        x = layers.Conv2D(filters=projection_dim, kernel_size=7, padding="same",
                          groups=projection_dim, name=f"{name}_depthwise_conv")(inputs)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim,
                           name=f"{name}_layer_scale")(x)
        if drop_path_rate:
            layer = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
        else:
            layer = layers.Activation("linear", name=f"{name}_identity")
        return inputs + layer(x)
    return apply


def ConvNeXt(depths, projection_dims, drop_path_rate=0.0, layer_scale_init_value=1e-6,
             default_size=224, name="convnext", include_preprocessing=True,
             include_top=True, weights=None, input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax",
             weights_name=None):
    """A ConvNeXt: a 4x4 stride-4 stem, four stages of ConvNeXt blocks joined by 2x2
    stride-2 downsampling (each a nested Sequential, as in Keras), then the head (or,
    without the top, the pooling and a LayerNormalization)."""
    from kerasmini.models.sequential import Sequential  # lazy: models/ imports this file
    if config.image_data_format() == "channels_first":
        raise ValueError("ConvNeXt does not support the `channels_first` image data "
                         "format. Switch to `channels_last` by editing your local config "
                         "file at ~/.keras/keras.json")
    imagenet_utils.check_weights(weights, include_top, classes)
    imagenet_utils.check_pooling(pooling)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size, 32,
                                                    config.image_data_format(),
                                                    include_top, weights)
    path = None
    if weights == "imagenet":
        if weights_name not in name:
            raise ValueError(f"Model name \"{name}\" does not match weights variant "
                             f"\"{weights_name}\". When using imagenet weights, model name "
                             "must contain the weights variant.")
        file = f"{name}{'.h5' if include_top else '_notop.h5'}"
        path = imagenet_utils.cached_file(
            file, f"{imagenet_utils.WEIGHTS_URL}convnext/{file}", "weights='imagenet'")
    x = img_input = imagenet_utils.image_input(input_tensor, input_shape)
    if include_preprocessing and input_shape[-1] == 3:
        x = layers.Normalization(mean=IMAGENET_MEAN, variance=IMAGENET_VARIANCE,
                                 name=f"{name}_prestem_normalization")(x)
    downsampling = [Sequential([
        layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
        layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm")],
        name=f"{name}_stem")]
    for i in range(3):
        downsampling.append(Sequential([
            layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
            layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2,
                          name=f"{name}_downsampling_conv_{i}")],
            name=f"{name}_downsampling_block_{i}"))
    drop_rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
    cur = 0
    for i in range(4):
        x = downsampling[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dims[i], drop_rates[cur + j], layer_scale_init_value,
                              name=f"{name}_stage_{i}_block_{j}")(x)
        cur += depths[i]
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        x = layers.Dense(classes, activation=classifier_activation,
                         name=f"{name}_head_dense")(x)
    else:
        x = layers.LayerNormalization(epsilon=1e-6)(imagenet_utils.pooled(x, pooling))
    return imagenet_utils.finish(input_tensor, img_input, x, name, weights, path)


def _builder(variant):
    keras_name = f"ConvNeXt{'XLarge' if variant == 'xlarge' else variant.capitalize()}"

    def builder(include_top=True, include_preprocessing=True, weights="imagenet",
                input_tensor=None, input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", name=f"convnext_{variant}"):
        return ConvNeXt(weights_name=f"convnext_{variant}", **MODEL_CONFIGS[variant],
                        drop_path_rate=0.0, layer_scale_init_value=1e-6, default_size=224,
                        name=name, include_top=include_top,
                        include_preprocessing=include_preprocessing, weights=weights,
                        input_tensor=input_tensor, input_shape=input_shape,
                        pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation)
    builder.__name__ = builder.__qualname__ = keras_name
    builder.__doc__ = f"{keras_name}; default input 224x224x3, at least 32x32."
    return builder


ConvNeXtTiny, ConvNeXtSmall, ConvNeXtBase = (_builder("tiny"), _builder("small"),
                                             _builder("base"))
ConvNeXtLarge, ConvNeXtXLarge = _builder("large"), _builder("xlarge")


def preprocess_input(x, data_format=None):
    """The identity: the model normalizes its input itself (include_preprocessing)."""
    return x


decode_predictions = imagenet_utils.decode_predictions
