"""Wrapper: the base class of layers that hold one other layer and change how it runs
(TimeDistributed, SpectralNormalization); not a layer to use by itself."""
from kerasmini.layers.layer import Layer


class Wrapper(Layer):
    """Holds `layer` (in the attribute `layer`, as Keras: files store its weights under
    that name), builds it on the wrapper's input shape and saves it in the config."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer} supplied to Wrapper isn't a supported layer "
                             "type. Please ensure wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer._build_or_undo(input_shape)
        self.built = True

    def get_config(self):
        from kerasmini.models.layer_configs import serialize_sublayer  # models import layers
        return {**super().get_config(), "layer": serialize_sublayer(self.layer)}

    @classmethod
    def from_config(cls, config):
        from kerasmini.models.layer_configs import deserialize_layer
        config = dict(config)
        return cls(deserialize_layer(config.pop("layer")), **config)
