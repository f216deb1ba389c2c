"""VGG16 and VGG19 (keras.applications.vgg16 / vgg19): stacks of 3x3 convolutions and
2x2 max pooling, then three Dense layers. Simonyan & Zisserman, ICLR 2015."""
from kerasmini import layers
from kerasmini.applications import imagenet_utils

# convolutions per block (64, 128, 256, 512, 512 filters)
CONVS = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
FILTERS = (64, 128, 256, 512, 512)


def VGG(depth, include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation, name):
    def features(x):
        for block, (convs, filters) in enumerate(zip(CONVS[depth], FILTERS), start=1):
            for i in range(1, convs + 1):
                x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                                  name=f"block{block}_conv{i}")(x)
            x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
        return x

    def top(x):
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        return imagenet_utils.classifier(x, classes, classifier_activation, weights)

    files = (f"{depth}_weights_tf_dim_ordering_tf_kernels.h5",
             f"{depth}_weights_tf_dim_ordering_tf_kernels_notop.h5")
    return imagenet_utils.application(
        features, top, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes, name=name,
        imagenet=(depth, files))


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg16"):
    """VGG16 (13 convolutions); default input 224x224x3, at least 32x32."""
    return VGG("vgg16", include_top, weights, input_tensor, input_shape, pooling, classes,
               classifier_activation, name)


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg19"):
    """VGG19 (16 convolutions); default input 224x224x3, at least 32x32."""
    return VGG("vgg19", include_top, weights, input_tensor, input_shape, pooling, classes,
               classifier_activation, name)


def preprocess_input(x, data_format=None):
    """RGB -> BGR, minus ImageNet's channel means (imagenet_utils, mode 'caffe')."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = imagenet_utils.decode_predictions
