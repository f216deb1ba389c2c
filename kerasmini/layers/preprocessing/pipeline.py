"""Pipeline: a list of layers applied in order (Keras's container for data augmentation
steps; unlike Sequential, not a model)."""
from kerasmini.layers.layer import Layer


class Pipeline(Layer):
    """Args: layers: the layers, first applied first; name."""

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        self._build_at_init()
        self.pipeline_layers = list(layers)

    @property
    def layers(self):
        return self.pipeline_layers

    def call(self, inputs, training=True):
        for layer in self.pipeline_layers:
            inputs = layer(inputs, training=training)
        return inputs

    def compute_output_shape(self, input_shape):
        for layer in self.pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self):
        from kerasmini.models.layer_configs import serialize_layer
        return {"layers": [serialize_layer(layer) for layer in self.pipeline_layers],
                "name": self.name}

    @classmethod
    def from_config(cls, config):
        from kerasmini.models.layer_configs import deserialize_layer
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError("`Pipeline` config must contain a `layers` key mapping to a "
                             f"list of serialized layers. Received config with "
                             f"layers={layers}.")
        return cls(layers=[deserialize_layer(layer) for layer in layers],
                   name=config.get("name"))
