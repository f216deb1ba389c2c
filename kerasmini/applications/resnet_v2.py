"""ResNet50V2/101V2/152V2 (keras.applications.resnet_v2): pre-activation residual blocks
(batch norm and relu before each convolution). He et al., ECCV 2016."""
from kerasmini.applications import imagenet_utils
from kerasmini.applications.resnet import builder, stack_residual_blocks_v2


def _stages_v2(depths):
    def stack_fn(x):
        for stage, (filters, blocks) in enumerate(zip((64, 128, 256, 512), depths)):
            x = stack_residual_blocks_v2(x, filters, blocks, stride1=1 if stage == 3 else 2,
                                         name=f"conv{stage + 2}")
        return x
    return stack_fn


ResNet50V2 = builder("ResNet50V2", "resnet50v2", _stages_v2, True)
ResNet101V2 = builder("ResNet101V2", "resnet101v2", _stages_v2, True)
ResNet152V2 = builder("ResNet152V2", "resnet152v2", _stages_v2, True)


def preprocess_input(x, data_format=None):
    """Pixels scaled to [-1, 1] (imagenet_utils, mode 'tf')."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
