"""MobileNetV3Small / MobileNetV3Large (keras.applications.mobilenet_v3): inverted
residual blocks with squeeze-and-excitation and hard-swish, the input rescaled inside
the model (include_preprocessing). Howard et al., ICCV 2019."""
import warnings

from kerasmini import config, layers
from kerasmini.applications import imagenet_utils
from kerasmini.applications.mobilenet import bn_axis
from kerasmini.applications.mobilenet_v2 import make_divisible, rows_cols
from kerasmini.layers.keras_tensor import KerasTensor

SE, ACT = "se_ratio", "activation"  # placeholders in BLOCKS: the variant's own value
# (expansion, filters, kernel ("k": the variant's), stride, se_ratio, activation)
SMALL = ((1, 16, 3, 2, SE, "relu"), (72 / 16, 24, 3, 2, None, "relu"),
         (88 / 24, 24, 3, 1, None, "relu"), (4, 40, "k", 2, SE, ACT), (6, 40, "k", 1, SE, ACT),
         (6, 40, "k", 1, SE, ACT), (3, 48, "k", 1, SE, ACT), (3, 48, "k", 1, SE, ACT),
         (6, 96, "k", 2, SE, ACT), (6, 96, "k", 1, SE, ACT), (6, 96, "k", 1, SE, ACT))
LARGE = ((1, 16, 3, 1, None, "relu"), (4, 24, 3, 2, None, "relu"),
         (3, 24, 3, 1, None, "relu"), (3, 40, "k", 2, SE, "relu"), (3, 40, "k", 1, SE, "relu"),
         (3, 40, "k", 1, SE, "relu"), (6, 80, 3, 2, None, ACT), (2.5, 80, 3, 1, None, ACT),
         (2.3, 80, 3, 1, None, ACT), (2.3, 80, 3, 1, None, ACT), (6, 112, 3, 1, SE, ACT),
         (6, 112, 3, 1, SE, ACT), (6, 160, "k", 2, SE, ACT), (6, 160, "k", 1, SE, ACT),
         (6, 160, "k", 1, SE, ACT))


def _depth(v, divisor=8):
    return make_divisible(v, divisor)


def relu(x):
    return layers.ReLU()(x)


def hard_sigmoid(x):
    """relu6(x + 3) / 6, as Keras writes it: two tensor operations around a ReLU."""
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def hard_swish(x):
    return layers.Activation("hard_swish")(x)


def _input_shape(input_shape, input_tensor):
    """Keras's checks of input_shape against input_tensor, and the shape they give."""
    first = config.image_data_format() == "channels_first"
    if input_tensor is not None and not isinstance(input_tensor, KerasTensor):
        raise ValueError("input_tensor specified: is not a keras tensor. Received "
                         f"type(input_tensor)={type(input_tensor)}")
    if input_shape is not None and input_tensor is not None:
        if input_tensor.shape[1 if first else 2] != input_shape[1]:
            raise ValueError(f"input_shape[1] must equal input_tensor.shape"
                             f"[{1 if first else 2}].  Received input_shape={input_shape},"
                             f" input_tensor.shape={input_tensor.shape}")
    if input_shape is None and input_tensor is not None:  # Keras swaps rows and cols
        rows, cols = input_tensor.shape[2:4] if first else input_tensor.shape[1:3]
        input_shape = (3, cols, rows) if first else (cols, rows, 3)
    if input_shape is None:
        input_shape = (3, None, None) if first else (None, None, 3)
    return input_shape


def MobileNetV3(stack, last_point_ch, input_shape=None, alpha=1.0, model_type="large",
                minimalistic=False, include_top=True, weights="imagenet", input_tensor=None,
                classes=1000, pooling=None, dropout_rate=0.2,
                classifier_activation="softmax", include_preprocessing=True, name=None):
    """The shared skeleton: rescaling, stem, `stack`'s blocks, 1x1 head, top."""
    imagenet_utils.check_weights(weights, include_top, classes)
    imagenet_utils.check_pooling(pooling)
    input_shape = _input_shape(input_shape, input_tensor)
    rows, cols = rows_cols(input_shape)
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError("Input size must be at least 32x32; Received "
                         f"`input_shape={input_shape}`")
    path = None
    if weights == "imagenet":
        if (not minimalistic and alpha not in [0.75, 1.0]) or (minimalistic and alpha != 1.0):
            raise ValueError("If imagenet weights are being loaded, alpha can be one of "
                             "`0.75`, `1.0` for non minimalistic or `1.0` for minimalistic "
                             f"only. Received: alpha={alpha}, minimalistic={minimalistic}")
        if rows != cols or rows != 224:
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not 224. "
                          "Weights for input shape (224, 224) will be loaded as the "
                          "default.", stacklevel=3)
        variant = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
        file = f"weights_mobilenet_v3_{variant}{'' if include_top else '_no_top_v2'}.h5"
        path = imagenet_utils.cached_file(
            file, f"{imagenet_utils.WEIGHTS_URL}mobilenet_v3/{file}", "weights='imagenet'")
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    kernel, activation, se_ratio = ((3, relu, None) if minimalistic
                                    else (5, hard_swish, 0.25))
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False,
                      name="conv")(x)
    x = activation(_batch_norm(x, "conv_bn"))
    for block_id, (expansion, filters, size, stride, se, act) in enumerate(stack):
        x = _inverted_res_block(
            x, expansion, _depth(filters * alpha), kernel if size == "k" else size, stride,
            se_ratio if se == SE else se, activation if act == ACT else relu, block_id)
    last_conv_ch = _depth(x.shape[bn_axis()] * 6)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False,
                      name="conv_1")(x)
    x = activation(_batch_norm(x, "conv_1_bn"))
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True,
                          name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pooled(x, pooling, ("avg_pool", "max_pool"))
    return imagenet_utils.finish(input_tensor, img_input, x, name, weights, path)


def MobileNetV3Small(input_shape=None, alpha=1.0, minimalistic=False, include_top=True,
                     weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                     dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Small"):
    """MobileNetV3Small: 11 blocks; any input of at least 32x32 (224x224 for ImageNet)."""
    return MobileNetV3(SMALL, 1024, input_shape, alpha, "small", minimalistic, include_top,
                       weights, input_tensor, classes, pooling, dropout_rate,
                       classifier_activation, include_preprocessing, name=name)


def MobileNetV3Large(input_shape=None, alpha=1.0, minimalistic=False, include_top=True,
                     weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                     dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Large"):
    """MobileNetV3Large: 15 blocks; any input of at least 32x32 (224x224 for ImageNet)."""
    return MobileNetV3(LARGE, 1280, input_shape, alpha, "large", minimalistic, include_top,
                       weights, input_tensor, classes, pooling, dropout_rate,
                       classifier_activation, include_preprocessing, name=name)


def _batch_norm(x, name):
    return layers.BatchNormalization(axis=bn_axis(), epsilon=1e-3, momentum=0.999,
                                     name=name)(x)


def _se_block(inputs, filters, se_ratio, prefix):
    """Squeeze and excitation: channel weights from the global average, through a
    bottleneck and a hard sigmoid, multiplied into the input."""
    x = layers.GlobalAveragePooling2D(keepdims=True,
                                      name=f"{prefix}squeeze_excite_avg_pool")(inputs)
    x = layers.Conv2D(_depth(filters * se_ratio), kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv_1")(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, hard_sigmoid(x)])


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, activation,
                        block_id):
    """Expand (not in block 0), depthwise (stride), optional squeeze-excite, project;
    the input added back when the shapes agree."""
    shortcut, prefix, infilters = x, "expanded_conv_", x.shape[bn_axis()]
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(_depth(infilters * expansion), kernel_size=1, padding="same",
                          use_bias=False, name=f"{prefix}expand")(x)
        x = activation(_batch_norm(x, f"{prefix}expand_bn"))
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride,
                               padding="same" if stride == 1 else "valid", use_bias=False,
                               name=f"{prefix}depthwise")(x)
    x = activation(_batch_norm(x, f"{prefix}depthwise_bn"))
    if se_ratio:
        x = _se_block(x, _depth(infilters * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False,
                      name=f"{prefix}project")(x)
    x = _batch_norm(x, f"{prefix}project_bn")
    if stride == 1 and infilters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def preprocess_input(x, data_format=None):
    """The identity: the model rescales its input itself (include_preprocessing)."""
    return x


decode_predictions = imagenet_utils.decode_predictions
