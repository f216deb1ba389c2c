"""ResNet50V2/101V2/152V2 (keras.applications.resnet_v2): pre-activation residual blocks
(batch norm and relu before each convolution). He et al., ECCV 2016."""
from kerasmini.applications import imagenet_utils
from kerasmini.applications.resnet import DEPTHS, ResNet, stack_residual_blocks_v2


def _stages_v2(depths):
    def stack_fn(x):
        for stage, (filters, blocks) in enumerate(zip((64, 128, 256, 512), depths)):
            x = stack_residual_blocks_v2(x, filters, blocks, stride1=1 if stage == 3 else 2,
                                         name=f"conv{stage + 2}")
        return x
    return stack_fn


def _resnet_v2(weights_name, name, **kwargs):
    return ResNet(_stages_v2(DEPTHS[weights_name]), True, True, name=name,
                  weights_name=weights_name, **kwargs)


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
               pooling=None, classes=1000, classifier_activation="softmax",
               name="resnet50v2"):
    """ResNet50V2; default input 224x224x3, at least 32x32."""
    return _resnet_v2("resnet50v2", name, include_top=include_top, weights=weights,
                      input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                      classes=classes, classifier_activation=classifier_activation)


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="resnet101v2"):
    """ResNet101V2; default input 224x224x3, at least 32x32."""
    return _resnet_v2("resnet101v2", name, include_top=include_top, weights=weights,
                      input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                      classes=classes, classifier_activation=classifier_activation)


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="resnet152v2"):
    """ResNet152V2; default input 224x224x3, at least 32x32."""
    return _resnet_v2("resnet152v2", name, include_top=include_top, weights=weights,
                      input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                      classes=classes, classifier_activation=classifier_activation)


def preprocess_input(x, data_format=None):
    """Pixels scaled to [-1, 1] (imagenet_utils, mode 'tf')."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
