"""InceptionV3 (keras.applications.inception_v3): Inception modules with factorized
(1xn, nx1) convolutions. Szegedy et al., CVPR 2016. Layers are made in Keras's order,
so their automatic names (conv2d_12, ...) are Keras's too."""
from kerasmini import layers
from kerasmini.applications import imagenet_utils


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """Convolution without bias, BatchNormalization without scale, relu."""
    bn_name, conv_name = (None, None) if name is None else (f"{name}_bn", f"{name}_conv")
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding,
                      use_bias=False, name=conv_name)(x)
    x = layers.BatchNormalization(axis=imagenet_utils.channel_axis(), scale=False,
                                  name=bn_name)(x)
    return layers.Activation("relu", name=name)(x)


def _concat(branches, name=None):
    return layers.concatenate(branches, axis=imagenet_utils.channel_axis(), name=name)


def _avg_pool_branch(x, filters):
    branch = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(branch, filters, 1, 1)


def _module_a(x, pool_filters, name):
    """35x35: 1x1, 1x1->5x5, 1x1->3x3->3x3 and pooled branches."""
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = conv2d_bn(conv2d_bn(x, 48, 1, 1), 64, 5, 5)
    branch3x3dbl = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3)
    return _concat([branch1x1, branch5x5, branch3x3dbl, _avg_pool_branch(x, pool_filters)],
                   name)


def _module_c(x, filters, name):
    """17x17: 1x1, 1x1->1x7->7x1, 1x1->(7x1->1x7)x2 and pooled branches."""
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = conv2d_bn(conv2d_bn(conv2d_bn(x, filters, 1, 1), filters, 1, 7), 192, 7, 1)
    branch7x7dbl = conv2d_bn(x, filters, 1, 1)
    for size, (rows, cols) in ((filters, (7, 1)), (filters, (1, 7)), (filters, (7, 1)),
                               (192, (1, 7))):
        branch7x7dbl = conv2d_bn(branch7x7dbl, size, rows, cols)
    return _concat([branch1x1, branch7x7, branch7x7dbl, _avg_pool_branch(x, 192)], name)


def _module_e(x, i):
    """8x8: 1x1, 1x1->(1x3 | 3x1), 1x1->3x3->(1x3 | 3x1) and pooled branches."""
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = _concat([conv2d_bn(branch3x3, 384, 1, 3), conv2d_bn(branch3x3, 384, 3, 1)],
                        f"mixed9_{i}")
    branch3x3dbl = conv2d_bn(conv2d_bn(x, 448, 1, 1), 384, 3, 3)
    branch3x3dbl = _concat([conv2d_bn(branch3x3dbl, 384, 1, 3),
                            conv2d_bn(branch3x3dbl, 384, 3, 1)])
    return _concat([branch1x1, branch3x3, branch3x3dbl, _avg_pool_branch(x, 192)],
                   f"mixed{9 + i}")


def features(x):
    x = conv2d_bn(x, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for i, pool_filters in enumerate((32, 64, 64)):
        x = _module_a(x, pool_filters, f"mixed{i}")
    # mixed3: 35x35 -> 17x17
    branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    branch3x3dbl = conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _concat([branch3x3, branch3x3dbl, branch_pool], "mixed3")
    for i, filters in enumerate((128, 160, 160, 192)):
        x = _module_c(x, filters, f"mixed{4 + i}")
    # mixed8: 17x17 -> 8x8
    branch3x3 = conv2d_bn(conv2d_bn(x, 192, 1, 1), 320, 3, 3, strides=(2, 2),
                          padding="valid")
    branch7x7x3 = conv2d_bn(conv2d_bn(conv2d_bn(x, 192, 1, 1), 192, 1, 7), 192, 7, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _concat([branch3x3, branch7x7x3, branch_pool], "mixed8")
    for i in range(2):
        x = _module_e(x, i)
    return x


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="inception_v3"):
    """InceptionV3; default input 299x299x3, at least 75x75."""
    def top(x):
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        return imagenet_utils.classifier(x, classes, classifier_activation, weights)

    stem = "inception_v3_weights_tf_dim_ordering_tf_kernels"
    return imagenet_utils.application(
        features, top, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes, name=name,
        default_size=299, min_size=75,
        imagenet=("inception_v3", (f"{stem}.h5", f"{stem}_notop.h5")))


def preprocess_input(x, data_format=None):
    """Pixels scaled to [-1, 1] (imagenet_utils, mode 'tf')."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
