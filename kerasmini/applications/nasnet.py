"""NASNet-A (keras.applications.nasnet): cells found by architecture search, stacked as
stem reductions, N normal cells, a reduction, N normal cells, a reduction, N normal
cells. Zoph et al., CVPR 2018. Every cell reads the two previous cells' outputs (x and
p); `_adjust` reshapes p to x's size and width first. Layers are made in Keras's order,
so the unnamed ones get Keras's automatic names. channels_last only, as in Keras."""
from kerasmini import config, layers
from kerasmini.applications import imagenet_utils

BN = dict(axis=-1, momentum=0.9997, epsilon=1e-3)  # every BatchNormalization of NASNet
URL = f"{imagenet_utils.WEIGHTS_URL}nasnet/"
IMAGENET = {224: ("nasnet_mobile", "NASNet-mobile"), 331: ("nasnet_large", "NASNet-large")}


def _conv_bn(x, filters, conv_name, bn_name):
    """relu -> 1x1 convolution -> BatchNormalization: how a cell squeezes its input."""
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(filters, (1, 1), padding="same", use_bias=False, name=conv_name,
                      kernel_initializer="he_normal")(x)
    return layers.BatchNormalization(**BN, name=bn_name)(x)


def _separable_block(x, filters, kernel_size=(3, 3), strides=(1, 1), block_id=None):
    """Twice relu -> separable convolution -> BatchNormalization; a stride-2 first
    convolution pads as a 'same' one would, then runs 'valid'."""
    x = layers.Activation("relu")(x)
    padding = "same"
    if strides == (2, 2):
        x = layers.ZeroPadding2D(imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"separable_conv_1_pad_{block_id}")(x)
        padding = "valid"
    x = layers.SeparableConv2D(filters, kernel_size, strides=strides, padding=padding,
                               use_bias=False, name=f"separable_conv_1_{block_id}")(x)
    x = layers.BatchNormalization(**BN, name=f"separable_conv_1_bn_{block_id}")(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(filters, kernel_size, padding="same", use_bias=False,
                               name=f"separable_conv_2_{block_id}")(x)
    return layers.BatchNormalization(**BN, name=f"separable_conv_2_bn_{block_id}")(x)


def _adjust(p, x, filters, block_id):
    """The previous cell's output p at x's spatial size (two half-width 1x1 convolutions
    on the even and the odd pixels, concatenated) or at `filters` channels (a 1x1
    projection). Sizes compare as Keras compares them: two unknown sizes are equal."""
    if p is None:
        return x
    if p.shape[-2] != x.shape[-2]:
        p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_1_{block_id}")(p)
        p1 = layers.Conv2D(filters // 2, (1, 1), padding="same", use_bias=False,
                           name=f"adjust_conv_1_{block_id}",
                           kernel_initializer="he_normal")(p1)
        p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)  # shifted by one pixel
        p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_2_{block_id}")(p2)
        p2 = layers.Conv2D(filters // 2, (1, 1), padding="same", use_bias=False,
                           name=f"adjust_conv_2_{block_id}",
                           kernel_initializer="he_normal")(p2)
        p = layers.concatenate([p1, p2], axis=-1)
        return layers.BatchNormalization(**BN, name=f"adjust_bn_{block_id}")(p)
    if p.shape[-1] != filters:
        return _conv_bn(p, filters, f"adjust_conv_projection_{block_id}",
                        f"adjust_bn_{block_id}")
    return p


def _average_3x3(x, name, strides=(1, 1), padding="same"):
    return layers.AveragePooling2D((3, 3), strides=strides, padding=padding, name=name)(x)


def _normal_cell(x, p, filters, block_id):
    """Normal cell (Fig. 4 of the paper): five added pairs, concatenated with p."""
    p = _adjust(p, x, filters, block_id)
    h = _conv_bn(x, filters, f"normal_conv_1_{block_id}", f"normal_bn_1_{block_id}")
    x1 = layers.add([_separable_block(h, filters, (5, 5), block_id=f"normal_left1_{block_id}"),
                     _separable_block(p, filters, block_id=f"normal_right1_{block_id}")],
                    name=f"normal_add_1_{block_id}")
    x2 = layers.add([_separable_block(p, filters, (5, 5), block_id=f"normal_left2_{block_id}"),
                     _separable_block(p, filters, (3, 3),
                                      block_id=f"normal_right2_{block_id}")],
                    name=f"normal_add_2_{block_id}")
    x3 = layers.add([_average_3x3(h, f"normal_left3_{block_id}"), p],
                    name=f"normal_add_3_{block_id}")
    x4 = layers.add([_average_3x3(p, f"normal_left4_{block_id}"),
                     _average_3x3(p, f"normal_right4_{block_id}")],
                    name=f"normal_add_4_{block_id}")
    x5 = layers.add([_separable_block(h, filters, block_id=f"normal_left5_{block_id}"), h],
                    name=f"normal_add_5_{block_id}")
    return layers.concatenate([p, x1, x2, x3, x4, x5], axis=-1,
                              name=f"normal_concat_{block_id}"), x


def _reduction_cell(x, p, filters, block_id):
    """Reduction cell (Fig. 4 of the paper): halves the spatial size."""
    p = _adjust(p, x, filters, block_id)
    h = _conv_bn(x, filters, f"reduction_conv_1_{block_id}", f"reduction_bn_1_{block_id}")
    h3 = layers.ZeroPadding2D(imagenet_utils.correct_pad(h, 3),
                              name=f"reduction_pad_1_{block_id}")(h)

    def separable(inputs, kernel_size, side):
        return _separable_block(inputs, filters, kernel_size, strides=(2, 2),
                                block_id=f"reduction_{side}_{block_id}")

    def max_3x3(name):
        return layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid",
                                   name=f"reduction_{name}_{block_id}")(h3)

    x1 = layers.add([separable(h, (5, 5), "left1"), separable(p, (7, 7), "right1")],
                    name=f"reduction_add_1_{block_id}")
    x2 = layers.add([max_3x3("left2"), separable(p, (7, 7), "right2")],
                    name=f"reduction_add_2_{block_id}")
    x3 = layers.add([_average_3x3(h3, f"reduction_left3_{block_id}", (2, 2), "valid"),
                     separable(p, (5, 5), "right3")], name=f"reduction_add3_{block_id}")
    x4 = layers.add([x2, _average_3x3(x1, f"reduction_left4_{block_id}")])
    x5 = layers.add([_separable_block(x1, filters, (3, 3),
                                      block_id=f"reduction_left4_{block_id}"),
                     max_3x3("right5")], name=f"reduction_add4_{block_id}")
    return layers.concatenate([x2, x3, x4, x5], axis=-1,
                              name=f"reduction_concat_{block_id}"), x


def _check(weights, include_top, classes, input_shape):
    """Keras's checks, in its order, before anything is built."""
    if config.image_data_format() == "channels_first":
        raise ValueError("NASNet does not support the `channels_first` image data format. "
                         "Switch to `channels_last` by editing your local config file at "
                         "~/.keras/keras.json")
    imagenet_utils.check_weights(weights, include_top, classes)
    if isinstance(input_shape, tuple) and None in input_shape and weights == "imagenet":
        raise ValueError("When specifying the input shape of a NASNet and loading "
                         "`ImageNet` weights, the input_shape argument must be static (no "
                         f"None entries). Got: `input_shape={input_shape}`.")


def NASNet(input_shape=None, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
           skip_reduction=True, filter_multiplier=2, include_top=True, weights="imagenet",
           input_tensor=None, pooling=None, classes=1000, default_size=None,
           classifier_activation="softmax", name="NASNet"):
    """NASNet-A (N @ P): `num_blocks` normal cells per stage, `penultimate_filters` P
    channels before the head (a multiple of 24 * filter_multiplier ** 2)."""
    _check(weights, include_top, classes, input_shape)
    imagenet_utils.check_pooling(pooling)
    default_size = default_size or 331
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size, 32, config.image_data_format(), include_top, weights)
    path = None
    if weights == "imagenet":
        if default_size not in IMAGENET:
            raise ValueError("ImageNet weights can only be loaded with NASNetLarge or "
                             f"NASNetMobile. Received: default_size={default_size}")
        stem, remote = IMAGENET[default_size]
        suffix = ("", "") if include_top else ("_no_top", "-no-top")
        path = imagenet_utils.cached_file(f"{stem}{suffix[0]}.h5",
                                          f"{URL}{remote}{suffix[1]}.h5",
                                          "weights='imagenet'")
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    if penultimate_filters % (24 * (filter_multiplier ** 2)) != 0:
        raise ValueError("For NASNet-A models, the `penultimate_filters` must be a multiple "
                         "of 24 * (`filter_multiplier` ** 2). Current value: "
                         f"{penultimate_filters}")
    x = _features(img_input, penultimate_filters // 24, num_blocks, stem_block_filters,
                  skip_reduction, filter_multiplier)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = imagenet_utils.classifier(x, classes, classifier_activation, weights)
    else:
        x = imagenet_utils.pooled(x, pooling)
    return imagenet_utils.finish(input_tensor, img_input, x, name, weights, path)


def _features(x, filters, num_blocks, stem_block_filters, skip_reduction, multiplier):
    """Stem, then three stages of normal cells, `filters` wide times 1, m, m**2."""
    x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid",
                      use_bias=False, name="stem_conv1", kernel_initializer="he_normal")(x)
    x = layers.BatchNormalization(**BN, name="stem_bn1")(x)
    x, p = _reduction_cell(x, None, filters // multiplier ** 2, "stem_1")
    x, p = _reduction_cell(x, p, filters // multiplier, "stem_2")
    for stage in range(3):
        width = filters * multiplier ** stage
        if stage:
            x, p0 = _reduction_cell(x, p, width, f"reduce_{stage * num_blocks}")
            p = p if skip_reduction else p0
        for i in range(num_blocks):
            block = stage * num_blocks + i + (1 if stage else 0)
            x, p = _normal_cell(x, p, width, f"{block}")
    return layers.Activation("relu")(x)


def NASNetMobile(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                 pooling=None, classes=1000, classifier_activation="softmax",
                 name="nasnet_mobile"):
    """NASNet-A (4 @ 1056); default input 224x224x3 (also without the top), at least
    32x32."""
    if not include_top and input_shape is None:
        input_shape = (224, 224, 3)
    return NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                  skip_reduction=False, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling,
                  classes=classes, default_size=224,
                  classifier_activation=classifier_activation, name=name)


def NASNetLarge(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="nasnet_large"):
    """NASNet-A (6 @ 4032); default input 331x331x3, at least 32x32."""
    return NASNet(input_shape, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
                  skip_reduction=True, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling,
                  classes=classes, default_size=331,
                  classifier_activation=classifier_activation, name=name)


def preprocess_input(x, data_format=None):
    """Pixels scaled to [-1, 1] (imagenet_utils, mode 'tf')."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
