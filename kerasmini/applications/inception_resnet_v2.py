"""InceptionResNetV2's private layer (keras.src.applications.inception_resnet_v2)."""
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
