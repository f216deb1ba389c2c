"""DenseNet121/169/201 (keras.applications.densenet): dense blocks, where each layer's
32 new channels are concatenated to all before them, and halving transitions. Huang et
al., CVPR 2017."""
from kerasmini import config, layers
from kerasmini.applications import imagenet_utils
from kerasmini.applications.resnet import batch_norm

BLOCKS = {"densenet121": (6, 12, 24, 16), "densenet169": (6, 12, 32, 32),
          "densenet201": (6, 12, 48, 32)}


def dense_block(x, blocks, name):
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x, reduction, name):
    """BN, relu, a 1x1 convolution to `reduction` of the channels, 2x2 average pooling."""
    x = layers.Activation("relu", name=f"{name}_relu")(batch_norm(x, f"{name}_bn"))
    channels = x.shape[imagenet_utils.channel_axis()]
    x = layers.Conv2D(int(channels * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def conv_block(x, growth_rate, name):
    """BN-relu-1x1 conv (4 * growth_rate), BN-relu-3x3 conv (growth_rate), concatenated
    to the input."""
    x1 = layers.Activation("relu", name=f"{name}_0_relu")(batch_norm(x, f"{name}_0_bn"))
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(x1)
    x1 = layers.Activation("relu", name=f"{name}_1_relu")(batch_norm(x1, f"{name}_1_bn"))
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False,
                       name=f"{name}_2_conv")(x1)
    return layers.Concatenate(axis=imagenet_utils.channel_axis(),
                              name=f"{name}_concat")([x, x1])


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None,
             input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
             name="densenet"):
    """A DenseNet with `blocks` conv blocks in each of its four dense blocks."""
    if config.image_data_format() == "channels_first":
        raise ValueError("DenseNet does not support the `channels_first` image data "
                         "format. Switch to `channels_last` by editing your local config "
                         "file at ~/.keras/keras.json")

    def features(x):
        x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(x)
        x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
        x = layers.Activation("relu", name="conv1_relu")(batch_norm(x, "conv1_bn"))
        x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
        x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
        for stage, count in enumerate(blocks, start=2):
            x = dense_block(x, count, name=f"conv{stage}")
            if stage < 5:
                x = transition_block(x, 0.5, name=f"pool{stage}")
        return layers.Activation("relu", name="relu")(batch_norm(x, "bn"))

    def top(x):
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        return imagenet_utils.classifier(x, classes, classifier_activation, weights)

    known = {counts: key for key, counts in BLOCKS.items()}
    imagenet = None
    if tuple(blocks) in known:
        stem = f"{known[tuple(blocks)]}_weights_tf_dim_ordering_tf_kernels"
        imagenet = ("densenet", (f"{stem}.h5", f"{stem}_notop.h5"))
    elif weights == "imagenet":
        raise ValueError("weights_path undefined")
    return imagenet_utils.application(
        features, top, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes, name=name,
        imagenet=imagenet, pool_names=("avg_pool", "max_pool"))


def DenseNet121(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="densenet121"):
    """DenseNet121; default input 224x224x3, at least 32x32."""
    return DenseNet(BLOCKS["densenet121"], include_top, weights, input_tensor,
                    input_shape, pooling, classes, classifier_activation, name=name)


def DenseNet169(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="densenet169"):
    """DenseNet169; default input 224x224x3, at least 32x32."""
    return DenseNet(BLOCKS["densenet169"], include_top, weights, input_tensor,
                    input_shape, pooling, classes, classifier_activation, name=name)


def DenseNet201(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="densenet201"):
    """DenseNet201; default input 224x224x3, at least 32x32."""
    return DenseNet(BLOCKS["densenet201"], include_top, weights, input_tensor,
                    input_shape, pooling, classes, classifier_activation, name=name)


def preprocess_input(x, data_format=None):
    """Pixels scaled to [0, 1], then standardized per channel with ImageNet's mean and
    std (imagenet_utils, mode 'torch')."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


decode_predictions = imagenet_utils.decode_predictions
