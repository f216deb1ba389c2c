"""ResNet50/101/152 (keras.applications.resnet, resnet50): bottleneck residual blocks,
batch normalization after each convolution. He et al., CVPR 2015. The stem, the top
and the v2 blocks are shared with resnet_v2.py."""
from kerasmini import layers
from kerasmini.applications import imagenet_utils

EPSILON = 1.001e-5  # BatchNormalization's epsilon throughout, as in Keras
# blocks per stage (64, 128, 256, 512 bottleneck filters)
DEPTHS = {"resnet50": (3, 4, 6, 3), "resnet101": (3, 4, 23, 3),
          "resnet152": (3, 8, 36, 3), "resnet50v2": (3, 4, 6, 3),
          "resnet101v2": (3, 4, 23, 3), "resnet152v2": (3, 8, 36, 3)}


def batch_norm(x, name):
    return layers.BatchNormalization(axis=imagenet_utils.channel_axis(), epsilon=EPSILON,
                                     name=name)(x)


def ResNet(stack_fn, preact, use_bias, model_name="resnet", include_top=True,
           weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
           classes=1000, classifier_activation="softmax", name="resnet", weights_name=None):
    """A 7x7 stride-2 stem, 3x3 max pooling, `stack_fn`'s stages, then the top. `preact`
    (v2): the stem's and blocks' batch normalization comes before, not after."""
    def features(x):
        x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(x)
        x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
        if not preact:
            x = layers.Activation("relu", name="conv1_relu")(batch_norm(x, "conv1_bn"))
        x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
        x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
        x = stack_fn(x)
        if preact:
            x = layers.Activation("relu", name="post_relu")(batch_norm(x, "post_bn"))
        return x

    def top(x):
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        return imagenet_utils.classifier(x, classes, classifier_activation, weights)

    files = None
    if weights_name in DEPTHS:
        files = ("resnet", (f"{weights_name}_weights_tf_dim_ordering_tf_kernels.h5",
                            f"{weights_name}_weights_tf_dim_ordering_tf_kernels_notop.h5"))
    return imagenet_utils.application(
        features, top, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes, name=name,
        imagenet=files, pool_names=("avg_pool", "max_pool"))


def residual_block_v1(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """1x1 (stride), kernel_size, 1x1 (4 * filters) convolutions, each batch-normalized,
    added to the shortcut (a 1x1 projection, or x itself), then relu."""
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = batch_norm(shortcut, f"{name}_0_bn")
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(batch_norm(x, f"{name}_1_bn"))
    x = layers.Conv2D(filters, kernel_size, padding="SAME", name=f"{name}_2_conv")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(batch_norm(x, f"{name}_2_bn"))
    x = batch_norm(layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x), f"{name}_3_bn")
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack_residual_blocks_v1(x, filters, blocks, stride1=2, name=None):
    """A stage: the first block projects (and strides), the others keep the shape."""
    x = residual_block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def residual_block_v2(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    """Pre-activation block: batch norm and relu first, then 1x1, kernel_size (stride),
    1x1 convolutions added to the shortcut (a projection, a strided 1x1 max pooling or
    x itself)."""
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(
        batch_norm(x, f"{name}_preact_bn"))
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride,
                                 name=f"{name}_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = layers.Activation("relu", name=f"{name}_1_relu")(batch_norm(x, f"{name}_1_bn"))
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False,
                      name=f"{name}_2_conv")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(batch_norm(x, f"{name}_2_bn"))
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_residual_blocks_v2(x, filters, blocks, stride1=2, name=None):
    """A v2 stage: the first block projects, the last one strides."""
    x = residual_block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def _stages_v1(depths):
    def stack_fn(x):
        for stage, (filters, blocks) in enumerate(zip((64, 128, 256, 512), depths)):
            x = stack_residual_blocks_v1(x, filters, blocks, stride1=1 if stage == 0 else 2,
                                         name=f"conv{stage + 2}")
        return x
    return stack_fn


def builder(keras_name, weights_name, stages, preact):
    """The public builder `keras_name` (ResNet50, ResNet50V2, ...): Keras's signature,
    the stages of DEPTHS[weights_name] made by `stages`."""
    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax",
              name=weights_name):
        return ResNet(stages(DEPTHS[weights_name]), preact, True, name=name,
                      weights_name=weights_name, include_top=include_top, weights=weights,
                      input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                      classes=classes, classifier_activation=classifier_activation)
    build.__name__ = build.__qualname__ = keras_name
    build.__doc__ = f"{keras_name}; default input 224x224x3, at least 32x32."
    return build


ResNet50 = builder("ResNet50", "resnet50", _stages_v1, False)
ResNet101 = builder("ResNet101", "resnet101", _stages_v1, False)
ResNet152 = builder("ResNet152", "resnet152", _stages_v1, False)


def preprocess_input(x, data_format=None):
    """RGB -> BGR, minus ImageNet's channel means (imagenet_utils, mode 'caffe')."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = imagenet_utils.decode_predictions
