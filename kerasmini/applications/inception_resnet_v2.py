"""InceptionResNetV2 (keras.applications.inception_resnet_v2): Inception modules with
scaled residual connections (Szegedy et al., AAAI 2017), and its private layer
CustomScaleLayer, which its model files name."""
from kerasmini import layers
from kerasmini.applications import imagenet_utils
from kerasmini.layers.merging.base_merge import Merge


class CustomScaleLayer(Merge):
    """`inputs[0] + inputs[1] * scale`: a residual branch scaled before it is added.

    Args:
        scale: float, the factor on the branch (0.17, 0.1 or 0.2 in InceptionResNetV2).
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"Layer '{self.name}' takes a list of 2 inputs (shortcut, "
                             f"branch). Received {len(input_shape)}.")
        return super().compute_output_shape(input_shape)

    def _merge(self, inputs):
        return inputs[0] + inputs[1] * self.scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


# ----- the builder ---------------------------------------------------------------------
# (branches of (filters, kernel) convolutions, in Keras's order) per block type
BLOCK_BRANCHES = {"block35": (((32, 1),), ((32, 1), (32, 3)), ((32, 1), (48, 3), (64, 3))),
                  "block17": (((192, 1),), ((128, 1), (160, [1, 7]), (192, [7, 1]))),
                  "block8": (((192, 1),), ((192, 1), (224, [1, 3]), (256, [3, 1])))}


def conv2d_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu",
              use_bias=False, name=None):
    """Convolution; without bias, BatchNormalization without scale; the activation."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                      use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=imagenet_utils.channel_axis(), scale=False,
                                      name=None if name is None else f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else f"{name}_ac")(x)
    return x


def _branch(x, convs):
    for filters, kernel in convs:
        x = conv2d_bn(x, filters, kernel)
    return x


def inception_resnet_block(x, scale, block_type, block_idx, activation="relu"):
    """The block's branches concatenated, a linear 1x1 convolution back to the input's
    channels, added to the input scaled by `scale`, then `activation`."""
    if block_type not in BLOCK_BRANCHES:
        raise ValueError("Unknown Inception-ResNet block type. Expects \"block35\", "
                         f"\"block17\" or \"block8\", but got: {block_type}")
    branches = [_branch(x, convs) for convs in BLOCK_BRANCHES[block_type]]
    name, axis = f"{block_type}_{block_idx}", imagenet_utils.channel_axis()
    mixed = layers.Concatenate(axis=axis, name=f"{name}_mixed")(branches)
    up = conv2d_bn(mixed, x.shape[axis], 1, activation=None, use_bias=True,
                   name=f"{name}_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_ac")(x)
    return x


def features(x):
    x = conv2d_bn(x, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)
    branches = [_branch(x, convs) for convs in (((96, 1),), ((48, 1), (64, 5)),
                                                ((64, 1), (96, 3), (96, 3)))]
    pool = layers.AveragePooling2D(3, strides=1, padding="same")(x)
    branches.append(conv2d_bn(pool, 64, 1))
    x = layers.Concatenate(axis=imagenet_utils.channel_axis(), name="mixed_5b")(branches)
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, 0.17, "block35", block_idx)
    x = _strided_branches(x, "mixed_6a", ((384, 3),), ((256, 1), (256, 3), (384, 3)))
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, 0.1, "block17", block_idx)
    x = _strided_branches(x, "mixed_7a", ((256, 1), (384, 3)), ((256, 1), (288, 3)),
                          ((256, 1), (288, 3), (320, 3)))
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, 0.2, "block8", block_idx)
    x = inception_resnet_block(x, 1.0, "block8", 10, activation=None)
    return conv2d_bn(x, 1536, 1, name="conv_7b")


def _strided_branches(x, name, *branches):
    """Reduction modules: each branch's last convolution strides 2 ('valid'), beside a
    3x3 stride-2 max pooling."""
    outputs = []
    for convs in branches:
        y = _branch(x, convs[:-1])
        filters, kernel = convs[-1]
        outputs.append(conv2d_bn(y, filters, kernel, strides=2, padding="valid"))
    outputs.append(layers.MaxPooling2D(3, strides=2, padding="valid")(x))
    return layers.Concatenate(axis=imagenet_utils.channel_axis(), name=name)(outputs)


def InceptionResNetV2(include_top=True, weights="imagenet", input_tensor=None,
                      input_shape=None, pooling=None, classes=1000,
                      classifier_activation="softmax", name="inception_resnet_v2"):
    """InceptionResNetV2; default input 299x299x3, at least 75x75."""
    def top(x):
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        return imagenet_utils.classifier(x, classes, classifier_activation, weights)

    stem = "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels"
    return imagenet_utils.application(
        features, top, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes, name=name,
        default_size=299, min_size=75,
        imagenet=("inception_resnet_v2", (f"{stem}.h5", f"{stem}_notop.h5")))


def preprocess_input(x, data_format=None):
    """Pixels scaled to [-1, 1] (imagenet_utils, mode 'tf')."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
