"""RandomColorJitter: random brightness, contrast, saturation and hue in turn while
training; the identity at inference."""
from kerasmini.layers.preprocessing.random_augmentation import (ChangesValuesOnly,
                                                                RandomAugmentation)


class RandomColorJitter(ChangesValuesOnly, RandomAugmentation):
    """Args: value_range; brightness_factor, contrast_factor, saturation_factor,
    hue_factor (None leaves that step out); seed.

    Each step is that layer (RandomBrightness, RandomContrast, RandomSaturation,
    RandomHue) with the factor and value_range, applied in that order, each with its
    own draws (from this layer's generator).
    """

    ARGUMENTS = ("value_range", "brightness_factor", "contrast_factor",
                 "saturation_factor", "hue_factor", "seed")

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None,
                 **kwargs):
        from kerasmini import layers
        kinds = ((layers.RandomBrightness, brightness_factor),
                 (layers.RandomContrast, contrast_factor),
                 (layers.RandomSaturation, saturation_factor),
                 (layers.RandomHue, hue_factor))
        steps = [kind(factor=factor, value_range=value_range, seed=seed,
                      data_format=data_format, dtype=kwargs.get("dtype"))
                 for kind, factor in kinds if factor is not None]
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.steps = steps
        self.value_range = value_range
        self.brightness_factor, self.contrast_factor = brightness_factor, contrast_factor
        self.saturation_factor, self.hue_factor = saturation_factor, hue_factor

    def get_random_transformation(self, data, training=True, seed=None):
        rng = self.generator(seed)
        return {"seeds": [int(rng.integers(2 ** 31)) for _ in self.steps]}

    def transform_batch(self, images, transformation):
        for step, seed in zip(self.steps, transformation["seeds"]):
            images = step.transform_batch(
                images, step.get_random_transformation(images, seed=seed))
        return images
