"""RandomFlip: mirrors images at random while training; the identity at inference."""
from kerasmini.layers.preprocessing.random_augmentation import RandomAugmentation

MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(RandomAugmentation):
    """Args: mode: 'horizontal', 'vertical' or 'horizontal_and_vertical'; seed."""

    ARGUMENTS = ("seed", "mode")

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None,
                 **kwargs):
        if mode not in MODES:
            raise ValueError(f"RandomFlip layer {kwargs.get('name')} received an unknown "
                             f"mode argument {mode}")
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.mode = mode
