"""AugMix: a Dirichlet mix of chains of augmentations while training; the identity at
inference."""
import numpy as np

from kerasmini.layers.preprocessing.color_range import sorted_value_range
from kerasmini.layers.preprocessing.rand_augment import augmentation_layers
from kerasmini.layers.preprocessing.random_augmentation import (RandomAugmentation,
                                                                check_fill_and_interpolation)
from kerasmini.layers.preprocessing.random_rotation import factor_range

# Keras's two lists, in its order: all_ops adds the four color layers at the end
AUGMENTATIONS = ("random_shear", "random_translation", "random_rotation",
                 "random_posterization", "solarization", "auto_contrast", "equalization")
AUGMENTATIONS_ALL = AUGMENTATIONS + ("random_brightness", "random_color_degeneration",
                                     "random_contrast", "random_sharpness")


class AugMix(RandomAugmentation):
    """Args: value_range; num_chains; chain_depth; factor: a number f (meaning (0, f))
    or a pair in [0, 1]; alpha; all_ops; interpolation; seed. (Keras checks value_range
    and interpolation through the layers it builds; so does this.)

    As Keras 3.15, for the whole batch: chain weights w from Dirichlet(alpha, ...,
    alpha) (num_chains of them), a blend m from Beta(alpha, alpha); each chain is
    chain_depth picks among the layers (AUGMENTATIONS_ALL, or AUGMENTATIONS without
    all_ops) and "none" (a pick that adds no step), applied in turn to the images.
    The output is clip(m x + (1 - m) sum_k w_k chain_k(x), value_range). Keras picks
    the steps with Python's unseeded `random`; kerasmini draws them from the layer's
    generator, so `seed=` makes the whole draw reproducible. Labels pass unchanged;
    segmentation masks are mixed as the images (Keras's rule, see
    transform_segmentation_masks).
    """

    ARGUMENTS = ("value_range", "num_chains", "chain_depth", "factor", "alpha", "all_ops",
                 "interpolation", "seed")

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3,
                 alpha=1.0, all_ops=True, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        factor = factor_range(factor, "factor", (0, 1))
        sorted_value_range(value_range)
        check_fill_and_interpolation("reflect", interpolation)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range, self.num_chains, self.chain_depth = value_range, num_chains, \
            chain_depth
        self.factor, self.alpha, self.all_ops = factor, alpha, all_ops
        self.interpolation = interpolation
        self.augmentations = augmentation_layers(
            self, AUGMENTATIONS_ALL if all_ops else AUGMENTATIONS, kwargs.get("name"))

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        rng, names = self.generator(seed), list(self.augmentations)
        gamma = rng.gamma(self.alpha, size=self.num_chains)
        chains = []
        for _ in range(self.num_chains):
            picks = rng.integers(0, len(names) + 1, size=self.chain_depth)
            chains.append([{"layer_name": names[pick],
                            "transformation": self.augmentations[names[pick]]
                            .get_random_transformation(data, seed=int(rng.integers(2 ** 31)))}
                           for pick in picks if pick < len(names)])
        return {"chain_mixing_weights": gamma / gamma.sum(),
                "weight_sample": rng.beta(self.alpha, self.alpha),
                "chain_transforms": chains}

    def transform_batch(self, images, transformation):
        out = self.mix(images, transformation, "transform_batch")
        return np.clip(out, self.value_range[0], self.value_range[1]).astype(
            images.dtype, copy=False)

    def transform_segmentation_masks(self, masks, transformation, training=True):
        """Keras's rule, kept: the masks mixed as the images (warped by the chains'
        geometric steps), so the result holds blends of class values; not clipped."""
        masks = np.asanyarray(masks)
        if not training or transformation is None:
            return masks
        return self.mix(masks.astype(self.compute_dtype), transformation,
                        "transform_segmentation_masks")

    def mix(self, x, transformation, method):
        """m x + (1 - m) sum_k w_k chain_k(x), each chain its steps' `method` in turn."""
        dtype = x.dtype
        weights = np.asarray(transformation["chain_mixing_weights"]).astype(dtype)
        blend = np.asarray(transformation["weight_sample"]).astype(dtype)
        mixed = np.zeros_like(x)
        for weight, chain in zip(weights, transformation["chain_transforms"]):
            augmented = x
            for step in chain:
                augmented = getattr(self.augmentations[step["layer_name"]], method)(
                    augmented, step["transformation"])
            mixed = mixed + augmented * weight
        return blend * x + (1 - blend) * mixed

    def transform_labels(self, labels, transformation, training=True):
        return labels
