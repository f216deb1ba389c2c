"""EfficientNetB0-B7 (keras.applications.efficientnet): MBConv blocks with
squeeze-and-excitation, width, depth and input size scaled together; the input is
rescaled and normalized inside the model. Tan & Le, ICML 2019."""
import copy
import math

from kerasmini import layers
from kerasmini.applications import imagenet_utils

WEIGHTS_URL = "https://storage.googleapis.com/keras-applications/"
# one dict per stage, as Keras's DEFAULT_BLOCKS_ARGS
DEFAULT_BLOCKS_ARGS = [
    dict(kernel_size=k, repeats=r, filters_in=fi, filters_out=fo, expand_ratio=e,
         id_skip=True, strides=s, se_ratio=0.25)
    for k, r, fi, fo, e, s in ((3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2),
                               (5, 2, 24, 40, 6, 2), (3, 3, 40, 80, 6, 2),
                               (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2),
                               (3, 1, 192, 320, 6, 1))]
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling", "config": {
    "scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling", "config": {
    "scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}
IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225]
# (width, depth, default size, dropout) of B0..B7
SCALING = {"b0": (1.0, 1.0, 224, 0.2), "b1": (1.0, 1.1, 240, 0.2),
           "b2": (1.1, 1.2, 260, 0.3), "b3": (1.2, 1.4, 300, 0.3),
           "b4": (1.4, 1.8, 380, 0.4), "b5": (1.6, 2.2, 456, 0.4),
           "b6": (1.8, 2.6, 528, 0.5), "b7": (2.0, 3.1, 600, 0.5)}


def EfficientNet(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2,
                 drop_connect_rate=0.2, depth_divisor=8, activation="swish",
                 blocks_args="default", name="efficientnet", include_top=True,
                 weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                 classes=1000, classifier_activation="softmax", weights_name=None):
    """An EfficientNet of the given width and depth coefficients."""
    blocks_args = copy.deepcopy(DEFAULT_BLOCKS_ARGS if blocks_args == "default"
                                else blocks_args)
    bn_axis = imagenet_utils.channel_axis()

    def round_filters(filters, divisor=depth_divisor):
        filters *= width_coefficient
        new_filters = max(divisor, int(filters + divisor / 2) // divisor * divisor)
        return int(new_filters + divisor if new_filters < 0.9 * filters else new_filters)

    def round_repeats(repeats):
        return int(math.ceil(depth_coefficient * repeats))

    def features(x):
        x = layers.Rescaling(1.0 / 255.0)(x)
        x = layers.Normalization(axis=bn_axis)(x)
        if weights == "imagenet":  # the std's square root is what the weights expect
            x = layers.Rescaling([1.0 / math.sqrt(std) for std in IMAGENET_STDDEV_RGB])(x)
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3),
                                 name="stem_conv_pad")(x)
        x = layers.Conv2D(round_filters(32), 3, strides=2, padding="valid", use_bias=False,
                          kernel_initializer=CONV_KERNEL_INITIALIZER, name="stem_conv")(x)
        x = layers.BatchNormalization(axis=bn_axis, name="stem_bn")(x)
        x = layers.Activation(activation, name="stem_activation")(x)
        b, blocks = 0, float(sum(round_repeats(args["repeats"]) for args in blocks_args))
        for i, args in enumerate(blocks_args):
            if args["repeats"] <= 0:
                raise ValueError("The number of repeats in `EfficientNet` must be > 0. "
                                 f"Received: repeats={args['repeats']}")
            args["filters_in"] = round_filters(args["filters_in"])
            args["filters_out"] = round_filters(args["filters_out"])
            for j in range(round_repeats(args.pop("repeats"))):
                if j > 0:  # the stage's later blocks keep the shape
                    args["strides"], args["filters_in"] = 1, args["filters_out"]
                x = block(x, activation, drop_connect_rate * b / blocks,
                          name=f"block{i + 1}{chr(j + 97)}_", **args)
                b += 1
        x = layers.Conv2D(round_filters(1280), 1, padding="same", use_bias=False,
                          kernel_initializer=CONV_KERNEL_INITIALIZER, name="top_conv")(x)
        x = layers.BatchNormalization(axis=bn_axis, name="top_bn")(x)
        return layers.Activation(activation, name="top_activation")(x)

    def top(x):
        return classifier_top(x, classes, classifier_activation, weights, dropout_rate)

    path = None
    if weights == "imagenet":  # Keras names the file after the model
        file = f"{name}{'.h5' if include_top else '_notop.h5'}"
        path = (file, f"{WEIGHTS_URL}{file}")
    model = imagenet_utils.application(
        features, top, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes, name=name,
        default_size=default_size, imagenet_url=path, pool_names=("avg_pool", "max_pool"))
    return model


def block(inputs, activation="swish", drop_rate=0.0, name="", filters_in=32,
          filters_out=16, kernel_size=3, strides=1, expand_ratio=1, se_ratio=0.0,
          id_skip=True):
    """MBConv: 1x1 expansion, depthwise convolution (stride), squeeze-and-excitation,
    1x1 projection; the input added back (after a per-sample dropout) when the shapes
    agree."""
    bn_axis = imagenet_utils.channel_axis()
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False,
                          kernel_initializer=CONV_KERNEL_INITIALIZER,
                          name=f"{name}expand_conv")(x)
        x = layers.BatchNormalization(axis=bn_axis, name=f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    if strides == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"{name}dwconv_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=strides,
                               padding="valid" if strides == 2 else "same", use_bias=False,
                               depthwise_initializer=CONV_KERNEL_INITIALIZER,
                               name=f"{name}dwconv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, filters, max(1, int(filters_in * se_ratio)), activation, name)
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER,
                      name=f"{name}project_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=f"{name}project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        x = residual(x, inputs, drop_rate, name)
    return x


def squeeze_excite(x, filters, filters_se, activation, name):
    """Channel weights: global average, 1x1 down to filters_se (activation), 1x1 back
    up (sigmoid), multiplied into x."""
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se_shape = (filters, 1, 1) if imagenet_utils.channel_axis() == 1 else (1, 1, filters)
    se = layers.Reshape(se_shape, name=f"{name}se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation=activation,
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_expand")(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def residual(x, inputs, drop_rate, name):
    """x + inputs, after dropping whole samples of x at rate drop_rate (if > 0)."""
    if drop_rate > 0:
        x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
    return layers.add([x, inputs], name=f"{name}add")


def _builder(variant):
    width, depth, size, dropout = SCALING[variant]

    def builder(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name=f"efficientnet{variant}"):
        return EfficientNet(width, depth, size, dropout, name=name, include_top=include_top,
                            weights=weights, input_tensor=input_tensor,
                            input_shape=input_shape, pooling=pooling, classes=classes,
                            classifier_activation=classifier_activation,
                            weights_name=variant)
    builder.__name__ = builder.__qualname__ = f"EfficientNet{variant.upper()}"
    builder.__doc__ = (f"EfficientNet{variant.upper()}: width x{width}, depth x{depth}; "
                       f"default input {size}x{size}x3, at least 32x32.")
    return builder


EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3 = (
    _builder("b0"), _builder("b1"), _builder("b2"), _builder("b3"))
EfficientNetB4, EfficientNetB5, EfficientNetB6, EfficientNetB7 = (
    _builder("b4"), _builder("b5"), _builder("b6"), _builder("b7"))


def preprocess_input(x, data_format=None):
    """The identity: the model rescales and normalizes its input itself."""
    return x


decode_predictions = imagenet_utils.decode_predictions


def classifier_top(x, classes, classifier_activation, weights, dropout_rate, **dense_args):
    """The EfficientNets' (v1 and v2) classifier: average pooling, dropout, Dense."""
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if dropout_rate > 0:
        x = layers.Dropout(dropout_rate, name="top_dropout")(x)
    imagenet_utils.validate_activation(classifier_activation, weights)
    return layers.Dense(classes, activation=classifier_activation,
                        kernel_initializer=DENSE_KERNEL_INITIALIZER, name="predictions",
                        **dense_args)(x)
