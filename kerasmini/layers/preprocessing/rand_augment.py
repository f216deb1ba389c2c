"""RandAugment: num_ops augmentations drawn from a list, at one magnitude, while
training; the identity at inference."""
import numpy as np

from kerasmini.layers.preprocessing.color_range import sorted_value_range
from kerasmini.layers.preprocessing.random_augmentation import (RandomAugmentation,
                                                                check_fill_and_interpolation)
from kerasmini.layers.preprocessing.random_rotation import factor_range

# Keras's list, in its order (a drawn index names one of these)
AUGMENTATIONS = ("random_shear", "random_translation", "random_rotation",
                 "random_brightness", "random_color_degeneration", "random_contrast",
                 "random_sharpness", "random_posterization", "solarization",
                 "auto_contrast", "equalization")


class RandAugment(RandomAugmentation):
    """Args: value_range; num_ops; factor: a number f (meaning (0, f)) or a pair in
    [0, 1]; interpolation ('nearest', 'bilinear'); seed. (Keras checks value_range and
    interpolation through the layers it builds; so does this.)

    As Keras 3.15: the batch draws num_ops indices into AUGMENTATIONS (repeats
    allowed) and applies those layers in turn to the whole batch, each with its own
    draws. Each layer is built as Keras builds it (`augmentation_layers`): the
    geometric and color ones with factor, posterization keeping max(1, int(8
    factor[1])) bits at most. Labels pass unchanged; segmentation masks go through the
    drawn layers' mask transforms (the warps move them, the color layers keep them).
    """

    ARGUMENTS = ("value_range", "num_ops", "factor", "interpolation", "seed")

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5,
                 interpolation="bilinear", seed=None, data_format=None, **kwargs):
        factor = factor_range(factor, "factor", (0, 1))
        sorted_value_range(value_range)
        check_fill_and_interpolation("reflect", interpolation)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range, self.num_ops, self.factor = value_range, num_ops, factor
        self.interpolation = interpolation
        self.augmentations = augmentation_layers(self, AUGMENTATIONS, kwargs.get("name"))

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        rng = self.generator(seed)
        indices = rng.integers(0, len(AUGMENTATIONS), size=self.num_ops)
        return {"layer_idxes": indices,
                "transforms": {name: layer.get_random_transformation(
                    data, training=True, seed=int(rng.integers(2 ** 31)))
                    for name, layer in self.augmentations.items()}}

    def transform_batch(self, images, transformation):
        return self.in_turn(images, transformation, "transform_batch")

    def transform_segmentation_masks(self, masks, transformation, training=True):
        masks = np.asanyarray(masks)
        if not training or transformation is None:
            return masks
        return self.in_turn(masks, transformation, "transform_segmentation_masks")

    def in_turn(self, x, transformation, method):
        """x through the drawn layers' `method`, each with its own transformation."""
        for index in np.asarray(transformation["layer_idxes"]).reshape(-1):
            name = AUGMENTATIONS[int(index)]
            x = getattr(self.augmentations[name], method)(
                x, transformation["transforms"][name])
        return x

    def transform_labels(self, labels, transformation, training=True):
        return labels


def augmentation_layers(owner, names, owner_name=None):
    """{name: layer} for Keras's names, built with the owner's factor, value_range,
    interpolation, seed, data_format and dtype, as RandAugment and AugMix build them.
    As Keras, a name given to the owner is given to each of them too (so automatic
    names advance as in Keras: conformance compares them)."""
    from kerasmini import layers
    factor, value_range = owner.factor, owner.value_range
    plain = dict(data_format=owner.data_format, dtype=owner.dtype_policy,
                 **({} if owner_name is None else {"name": owner_name}))
    warp = dict(interpolation=owner.interpolation, seed=owner.seed, **plain)
    color = dict(value_range=value_range, seed=owner.seed, **plain)
    makers = {
        "random_shear": lambda: layers.RandomShear(x_factor=factor, y_factor=factor, **warp),
        "random_translation": lambda: layers.RandomTranslation(
            height_factor=factor, width_factor=factor, **warp),
        "random_rotation": lambda: layers.RandomRotation(factor=factor, **warp),
        "random_brightness": lambda: layers.RandomBrightness(factor=factor, **color),
        "random_color_degeneration": lambda: layers.RandomColorDegeneration(
            factor=factor, **color),
        "random_contrast": lambda: layers.RandomContrast(factor=factor, **color),
        "random_sharpness": lambda: layers.RandomSharpness(factor=factor, **color),
        "random_posterization": lambda: layers.RandomPosterization(
            factor=max(1, int(8 * factor[1])), **color),
        "solarization": lambda: layers.Solarization(
            addition_factor=factor, threshold_factor=factor, **color),
        "auto_contrast": lambda: layers.AutoContrast(value_range=value_range, **plain),
        "equalization": lambda: layers.Equalization(value_range=value_range, **plain)}
    return {key: makers[key]() for key in names}
