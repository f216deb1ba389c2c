"""keras.applications: the ImageNet architectures' builders (`VGG16(weights=None,
input_shape=(64, 64, 3), classes=10)`), each family's preprocess_input and
decode_predictions, and the layers Keras's applications define privately (saved in
their model files: convnext, inception_resnet_v2).

The builder modules load on first use (`applications.VGG16`, `applications.vgg16`):
the models package imports this one for the private layers, and `import kerasmini`
stays fast.
"""
from kerasmini.lazy_exports import lazy_exports

# Keras's module names -> kerasmini's file (one per family)
MODULES = {"imagenet_utils": "imagenet_utils", "vgg16": "vgg", "vgg19": "vgg",
           "resnet": "resnet", "resnet50": "resnet", "resnet_v2": "resnet_v2",
           "mobilenet": "mobilenet", "mobilenet_v2": "mobilenet_v2", "densenet": "densenet",
           "mobilenet_v3": "mobilenet_v3", "efficientnet": "efficientnet",
           "inception_v3": "inception_v3", "xception": "xception",
           "inception_resnet_v2": "inception_resnet_v2",
           "efficientnet_v2": "efficientnet_v2", "convnext": "convnext",
           "nasnet": "nasnet"}
BUILDERS = {"VGG16": "vgg", "VGG19": "vgg",
            "ResNet50": "resnet", "ResNet101": "resnet", "ResNet152": "resnet",
            "ResNet50V2": "resnet_v2", "ResNet101V2": "resnet_v2", "ResNet152V2": "resnet_v2",
            "MobileNet": "mobilenet", "MobileNetV2": "mobilenet_v2",
            "DenseNet121": "densenet", "DenseNet169": "densenet", "DenseNet201": "densenet",
            "MobileNetV3Small": "mobilenet_v3", "MobileNetV3Large": "mobilenet_v3",
            **{f"EfficientNetB{i}": "efficientnet" for i in range(8)},
            "InceptionV3": "inception_v3", "Xception": "xception",
            "InceptionResNetV2": "inception_resnet_v2",
            **{f"EfficientNetV2{v}": "efficientnet_v2"
               for v in ("B0", "B1", "B2", "B3", "S", "M", "L")},
            **{f"ConvNeXt{v}": "convnext"
               for v in ("Tiny", "Small", "Base", "Large", "XLarge")},
            "NASNetMobile": "nasnet", "NASNetLarge": "nasnet"}


_EXPORTS = {**{name: (f".{module}", None) for name, module in MODULES.items()},
            **{name: f".{module}" for name, module in BUILDERS.items()}}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
