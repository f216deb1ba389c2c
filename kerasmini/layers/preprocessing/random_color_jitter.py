"""RandomColorJitter: random brightness, contrast, saturation and hue in turn while
training (not in kerasmini yet: training raises); the identity at inference."""
from kerasmini.layers.preprocessing.random_augmentation import InferenceOnlyAugmentation


class RandomColorJitter(InferenceOnlyAugmentation):
    """Args: value_range; brightness_factor, contrast_factor, saturation_factor,
    hue_factor (None leaves that step out; each checked as its own layer checks it);
    seed."""

    ARGUMENTS = ("value_range", "brightness_factor", "contrast_factor",
                 "saturation_factor", "hue_factor", "seed")

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None,
                 **kwargs):
        from kerasmini import layers  # the four steps, only to check their arguments
        steps = ((layers.RandomBrightness, brightness_factor),
                 (layers.RandomContrast, contrast_factor),
                 (layers.RandomSaturation, saturation_factor),
                 (layers.RandomHue, hue_factor))
        for step, factor in steps:
            if factor is not None:
                step(factor=factor, value_range=value_range, seed=seed)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor, self.contrast_factor = brightness_factor, contrast_factor
        self.saturation_factor, self.hue_factor = saturation_factor, hue_factor
