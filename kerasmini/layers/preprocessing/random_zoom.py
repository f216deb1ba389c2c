"""RandomZoom: zooms images at random while training; the identity at inference."""
from kerasmini.layers.preprocessing.random_augmentation import RandomWarp


class RandomZoom(RandomWarp):
    """Args: height_factor, width_factor (None: keep the aspect ratio): fractions (or
    pairs) of the size to zoom by; fill_mode, interpolation, fill_value, seed."""

    def __init__(self, height_factor, width_factor=None, **kwargs):
        super().__init__(height_factor, width_factor, **kwargs)
