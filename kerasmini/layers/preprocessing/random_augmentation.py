"""The base of the random image augmentation layers (RandomFlip, RandomRotation, ...).

At inference (training=False, as in `model.predict`) every one of them is the identity,
and that is all kerasmini implements: called with training=True (their default when
called directly, as in Keras) they raise NotImplementedError rather than silently
return the images unchanged. Their arguments are kept so that a model saved by tf.keras
loads, predicts and saves back with the same config.
"""
from kerasmini.layers.arguments import standardize_data_format
from kerasmini.layers.layer import Layer


class RandomAugmentation(Layer):
    """Keeps the constructor arguments named in `ARGUMENTS` (in Keras's config order)."""

    ARGUMENTS = ()

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._build_at_init()
        self.seed = seed
        self.data_format = standardize_data_format(data_format)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, inputs, training=True):
        if training:
            raise NotImplementedError(
                f"{type(self).__name__} (layer '{self.name}') was called with "
                "training=True, but kerasmini implements only its inference behaviour (the "
                "identity): random augmentation is not supported. Call it with "
                "training=False, or use model.predict().")
        return inputs

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                **{name: getattr(self, name) for name in self.ARGUMENTS}}


class RandomWarp(RandomAugmentation):
    """The geometric ones (zoom, translation): factors per axis, how to fill the border."""

    ARGUMENTS = ("height_factor", "width_factor", "fill_mode", "interpolation", "seed",
                 "fill_value")

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        check_fill_and_interpolation(fill_mode, interpolation)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.fill_value = fill_value


def check_fill_and_interpolation(fill_mode, interpolation):
    if fill_mode not in ("reflect", "wrap", "constant", "nearest", "crop"):
        raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one "
                                  "{'reflect', 'wrap', 'constant', 'nearest'}.")
    if interpolation not in ("nearest", "bilinear"):
        raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of "
                                  "one {'nearest', 'bilinear'}.")
