"""EfficientNetV2B0-B3, S, M, L (keras.applications.efficientnet_v2): fused MBConv
blocks (one full convolution instead of expansion + depthwise) in the early stages,
MBConv with squeeze-and-excitation later. Tan & Le, ICML 2021."""
import copy
import math

from kerasmini import initializers, layers
from kerasmini.applications import imagenet_utils
from kerasmini.applications.efficientnet import (CONV_KERNEL_INITIALIZER, classifier_top,
                                                 residual, squeeze_excite)

WEIGHTS_URL = f"{imagenet_utils.WEIGHTS_URL}efficientnet_v2/"
STAGE_KEYS = ("kernel_size", "num_repeat", "input_filters", "output_filters",
              "expand_ratio", "se_ratio", "strides", "conv_type")
_B = ((3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1), (3, 2, 32, 48, 4, 0, 2, 1),
      (3, 3, 48, 96, 4, 0.25, 2, 0), (3, 5, 96, 112, 6, 0.25, 1, 0),
      (3, 8, 112, 192, 6, 0.25, 2, 0))
# the stages of each variant, one tuple in STAGE_KEYS' order (conv_type 1: fused)
STAGES = {
    "b0": _B, "b1": _B, "b2": _B, "b3": _B,
    "s": ((3, 2, 24, 24, 1, 0.0, 1, 1), (3, 4, 24, 48, 4, 0.0, 2, 1),
          (3, 4, 48, 64, 4, 0, 2, 1), (3, 6, 64, 128, 4, 0.25, 2, 0),
          (3, 9, 128, 160, 6, 0.25, 1, 0), (3, 15, 160, 256, 6, 0.25, 2, 0)),
    "m": ((3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1), (3, 5, 48, 80, 4, 0, 2, 1),
          (3, 7, 80, 160, 4, 0.25, 2, 0), (3, 14, 160, 176, 6, 0.25, 1, 0),
          (3, 18, 176, 304, 6, 0.25, 2, 0), (3, 5, 304, 512, 6, 0.25, 1, 0)),
    "l": ((3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1), (3, 7, 64, 96, 4, 0, 2, 1),
          (3, 10, 96, 192, 4, 0.25, 2, 0), (3, 19, 192, 224, 6, 0.25, 1, 0),
          (3, 25, 224, 384, 6, 0.25, 2, 0), (3, 7, 384, 640, 6, 0.25, 1, 0)),
}
# (width, depth, default size) of each variant
SCALING = {"b0": (1.0, 1.0, 224), "b1": (1.0, 1.1, 240), "b2": (1.1, 1.2, 260),
           "b3": (1.2, 1.4, 300), "s": (1.0, 1.0, 384), "m": (1.0, 1.0, 480),
           "l": (1.0, 1.0, 480)}


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    filters *= width_coefficient
    minimum_depth = min_depth or depth_divisor
    return int(max(minimum_depth,
                   int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def round_repeats(repeats, depth_coefficient):
    return int(math.ceil(depth_coefficient * repeats))


def MBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1,
                se_ratio=0.0, bn_momentum=0.9, activation="swish", survival_probability=0.8,
                name=None):
    """1x1 expansion, depthwise convolution (stride), squeeze-and-excitation, 1x1
    projection, the residual when the shapes agree. Returns the function to apply."""
    bn_axis = imagenet_utils.channel_axis()

    def batch_norm(x, suffix):
        return layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum,
                                         name=f"{name}{suffix}")(x)

    def apply(inputs):
        filters, x = input_filters * expand_ratio, inputs
        if expand_ratio != 1:
            x = layers.Conv2D(filters=filters, kernel_size=1, strides=1,
                              kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                              use_bias=False, name=f"{name}expand_conv")(x)
            x = layers.Activation(activation, name=f"{name}expand_activation")(
                batch_norm(x, "expand_bn"))
        x = layers.DepthwiseConv2D(kernel_size=kernel_size, strides=strides,
                                   depthwise_initializer=CONV_KERNEL_INITIALIZER,
                                   padding="same", use_bias=False, name=f"{name}dwconv2")(x)
        x = layers.Activation(activation, name=f"{name}activation")(batch_norm(x, "bn"))
        if 0 < se_ratio <= 1:
            x = squeeze_excite(x, filters, max(1, int(input_filters * se_ratio)),
                               activation, name)
        x = layers.Conv2D(filters=output_filters, kernel_size=1, strides=1,
                          kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                          use_bias=False, name=f"{name}project_conv")(x)
        x = batch_norm(x, "project_bn")
        if strides == 1 and input_filters == output_filters:
            x = residual(x, inputs, survival_probability, name)
        return x
    return apply


def FusedMBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3,
                     strides=1, se_ratio=0.0, bn_momentum=0.9, activation="swish",
                     survival_probability=0.8, name=None):
    """A full kernel_size convolution (stride) doing the expansion, optional
    squeeze-and-excitation, 1x1 projection (itself the kernel_size convolution when
    there is no expansion), the residual when the shapes agree."""
    bn_axis = imagenet_utils.channel_axis()

    def batch_norm(x, suffix):
        return layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum,
                                         name=f"{name}{suffix}")(x)

    def apply(inputs):
        filters, x = input_filters * expand_ratio, inputs
        if expand_ratio != 1:
            x = layers.Conv2D(filters, kernel_size=kernel_size, strides=strides,
                              kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                              use_bias=False, name=f"{name}expand_conv")(x)
            x = layers.Activation(activation=activation, name=f"{name}expand_activation")(
                batch_norm(x, "expand_bn"))
        if 0 < se_ratio <= 1:
            x = squeeze_excite(x, filters, max(1, int(input_filters * se_ratio)),
                               activation, name)
        expanded = expand_ratio != 1
        x = layers.Conv2D(output_filters, kernel_size=1 if expanded else kernel_size,
                          strides=1 if expanded else strides,
                          kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                          use_bias=False, name=f"{name}project_conv")(x)
        x = batch_norm(x, "project_bn")
        if not expanded:
            x = layers.Activation(activation=activation,
                                  name=f"{name}project_activation")(x)
        if strides == 1 and input_filters == output_filters:
            x = residual(x, inputs, survival_probability, name)
        return x
    return apply


def EfficientNetV2(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2,
                   drop_connect_rate=0.2, depth_divisor=8, min_depth=8, bn_momentum=0.9,
                   activation="swish", blocks_args="default", name="efficientnetv2",
                   include_top=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000,
                   classifier_activation="softmax", include_preprocessing=True,
                   weights_name=None):
    """An EfficientNetV2. Keras looks the default stages up by the model's `name` (so a
    renamed model fails there); kerasmini by the variant (weights_name)."""
    variant = (weights_name or name.split("-")[-1]).lstrip("-")
    if blocks_args == "default":
        blocks_args = [dict(zip(STAGE_KEYS, stage)) for stage in STAGES[variant]]
    blocks_args = copy.deepcopy(blocks_args)
    bn_axis = imagenet_utils.channel_axis()

    def filters_of(count):
        return round_filters(count, width_coefficient, min_depth, depth_divisor)

    def features(x):
        if include_preprocessing:
            if variant.startswith("b") and x.shape[bn_axis] == 3:
                x = layers.Rescaling(scale=1.0 / 255)(x)
                x = layers.Normalization(mean=[0.485, 0.456, 0.406],
                                         variance=[0.229**2, 0.224**2, 0.225**2],
                                         axis=bn_axis)(x)
            else:
                x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)
        x = layers.Conv2D(filters=filters_of(blocks_args[0]["input_filters"]), kernel_size=3,
                          strides=2, kernel_initializer=CONV_KERNEL_INITIALIZER,
                          padding="same", use_bias=False, name="stem_conv")(x)
        x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name="stem_bn")(x)
        x = layers.Activation(activation, name="stem_activation")(x)
        b, blocks = 0, float(sum(args["num_repeat"] for args in blocks_args))
        for i, args in enumerate(blocks_args):
            if args["num_repeat"] <= 0:
                raise ValueError("The number of repeats in `EfficientNetV2` must be > 0. "
                                 f"Received: num_repeat={args['num_repeat']}")
            args["input_filters"] = filters_of(args["input_filters"])
            args["output_filters"] = filters_of(args["output_filters"])
            block = (MBConvBlock, FusedMBConvBlock)[args.pop("conv_type")]
            for j in range(round_repeats(args.pop("num_repeat"), depth_coefficient)):
                if j > 0:
                    args["strides"], args["input_filters"] = 1, args["output_filters"]
                x = block(activation=activation, bn_momentum=bn_momentum,
                          survival_probability=drop_connect_rate * b / blocks,
                          name=f"block{i + 1}{chr(j + 97)}_", **args)(x)
                b += 1
        x = layers.Conv2D(filters=filters_of(1280), kernel_size=1, strides=1,
                          kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                          use_bias=False, name="top_conv")(x)
        x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name="top_bn")(x)
        return layers.Activation(activation=activation, name="top_activation")(x)

    def top(x):  # v2's Dense names its zero bias initializer as a Constant
        return classifier_top(x, classes, classifier_activation, weights, dropout_rate,
                              bias_initializer=initializers.Constant(0.0))

    file = f"{name}{'.h5' if include_top else '_notop.h5'}"  # named after the model
    return imagenet_utils.application(
        features, top, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes, name=name,
        default_size=default_size, imagenet_url=(file, f"{WEIGHTS_URL}{file}"),
        pool_names=("avg_pool", "max_pool"))


def _builder(variant):
    width, depth, size = SCALING[variant]
    keras_name = f"EfficientNetV2{variant.upper()}"

    def builder(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                include_preprocessing=True, name=f"efficientnetv2-{variant}"):
        return EfficientNetV2(width, depth, size, name=name, include_top=include_top,
                              weights=weights, input_tensor=input_tensor,
                              input_shape=input_shape, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation,
                              include_preprocessing=include_preprocessing,
                              weights_name=variant)
    builder.__name__ = builder.__qualname__ = keras_name
    builder.__doc__ = (f"{keras_name}: width x{width}, depth x{depth}; default input "
                       f"{size}x{size}x3, at least 32x32.")
    return builder


EfficientNetV2B0, EfficientNetV2B1, EfficientNetV2B2, EfficientNetV2B3 = (
    _builder("b0"), _builder("b1"), _builder("b2"), _builder("b3"))
EfficientNetV2S, EfficientNetV2M, EfficientNetV2L = (
    _builder("s"), _builder("m"), _builder("l"))


def preprocess_input(x, data_format=None):
    """The identity: the model rescales its input itself (include_preprocessing)."""
    return x


decode_predictions = imagenet_utils.decode_predictions
