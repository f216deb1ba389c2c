"""MobileNetV2 (keras.applications.mobilenet_v2): inverted residual blocks with linear
bottlenecks, widths scaled by `alpha`. Sandler et al., CVPR 2018."""
import warnings

from kerasmini import config, layers
from kerasmini.applications import imagenet_utils
from kerasmini.applications.mobilenet import bn_axis
from kerasmini.layers.keras_tensor import KerasTensor

IMAGENET_SIZES = (96, 128, 160, 192, 224)
IMAGENET_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
# (filters, stride, expansion) of the 17 inverted residual blocks
BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6),
          (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6),
          (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6))


def make_divisible(v, divisor, min_value=None):
    """`v` rounded to the nearest multiple of `divisor` (at least min_value), never more
    than 10% below `v`."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def rows_cols(shape):
    """The (rows, cols) of an image shape without the batch axis."""
    return shape[1:3] if config.image_data_format() == "channels_first" else shape[:2]


def default_size(input_shape, input_tensor, sizes):
    """The input size the ImageNet weights are chosen by: the square size of the
    given shape (or of the input tensor's) when ImageNet has weights for it, else 224."""
    if input_shape is None and isinstance(input_tensor, KerasTensor):
        input_shape = input_tensor.shape[1:]
    if input_shape is None:
        return 224
    rows, cols = rows_cols(input_shape)
    return rows if rows == cols and rows in sizes else 224


def imagenet_rows(rows, cols, sizes):
    """The rows of the ImageNet weights to load (224 with a warning when the input is
    not one of `sizes`, square)."""
    if rows != cols or rows not in sizes:
        warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in "
                      f"{list(sizes)}. Weights for input shape (224, 224) will be loaded "
                      "as the default.", stacklevel=3)
        return 224
    return rows


def _check_input_tensor(input_shape, input_tensor):
    """Keras's check that an input_tensor's width agrees with `input_shape`."""
    if input_shape is None or input_tensor is None:
        return
    if not isinstance(input_tensor, KerasTensor):
        raise ValueError("input_tensor is not a Keras tensor; Received "
                         f"`input_tensor={input_tensor}`")
    first = config.image_data_format() == "channels_first"
    if input_tensor.shape[1 if first else 2] != input_shape[1]:
        raise ValueError(f"input_tensor.shape[{1 if first else 2}] must equal "
                         "input_shape[1]; Received "
                         f"`input_tensor.shape={input_tensor.shape}`, "
                         f"`input_shape={input_shape}`")


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet",
                input_tensor=None, pooling=None, classes=1000,
                classifier_activation="softmax", name=None):
    """MobileNetV2; default input 224x224x3 (or a square 96/128/160/192), at least
    32x32. `name` defaults to 'mobilenetv2_{alpha:.2f}_{rows}'."""
    imagenet_utils.check_weights(weights, include_top, classes)
    imagenet_utils.check_pooling(pooling)
    _check_input_tensor(input_shape, input_tensor)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size(input_shape, input_tensor, IMAGENET_SIZES), 32,
        config.image_data_format(), include_top, weights)
    rows, cols = rows_cols(input_shape)
    path = None
    if weights == "imagenet":
        if alpha not in IMAGENET_ALPHAS:
            raise ValueError("If imagenet weights are being loaded, alpha must be one of "
                             "`0.35`, `0.50`, `0.75`, `1.0`, `1.3` or `1.4` only; Received "
                             f"`alpha={alpha}`")
        rows = imagenet_rows(rows, cols, IMAGENET_SIZES)
        file = (f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}"
                f"{'' if include_top else '_no_top'}.h5")
        path = imagenet_utils.cached_file(
            file, f"{imagenet_utils.WEIGHTS_URL}mobilenet_v2/{file}", "weights='imagenet'")
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    x = layers.Conv2D(make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2),
                      padding="same", use_bias=False, name="Conv1")(img_input)
    x = _batch_norm(x, "bn_Conv1")
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(BLOCKS):
        x = _inverted_res_block(x, expansion, stride, alpha, filters, block_id)
    last_filters = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.ReLU(6.0, name="out_relu")(_batch_norm(x, "Conv_1_bn"))
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = imagenet_utils.classifier(x, classes, classifier_activation, weights)
    else:
        x = imagenet_utils.pooled(x, pooling)
    name = f"mobilenetv2_{alpha:0.2f}_{rows}" if name is None else name
    return imagenet_utils.finish(input_tensor, img_input, x, name, weights, path)


def _batch_norm(x, name):
    return layers.BatchNormalization(axis=bn_axis(), epsilon=1e-3, momentum=0.999,
                                     name=name)(x)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    """1x1 expansion (not in block 0), 3x3 depthwise (stride), linear 1x1 projection;
    the input added back when the shapes agree."""
    in_channels = inputs.shape[bn_axis()]
    pointwise_filters = make_divisible(int(filters * alpha), 8)
    x, prefix = inputs, f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same",
                          use_bias=False, activation=None, name=f"{prefix}expand")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(_batch_norm(x, f"{prefix}expand_BN"))
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3),
                                 name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None,
                               use_bias=False, padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(
        _batch_norm(x, f"{prefix}depthwise_BN"))
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False,
                      activation=None, name=f"{prefix}project")(x)
    x = _batch_norm(x, f"{prefix}project_BN")
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def preprocess_input(x, data_format=None):
    """Pixels scaled to [-1, 1] (imagenet_utils, mode 'tf')."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
