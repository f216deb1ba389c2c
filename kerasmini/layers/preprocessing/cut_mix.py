"""CutMix: pastes a box of another image of the batch while training, and mixes the
labels by the pasted area; the identity at inference."""
import numpy as np

from kerasmini import ops

from kerasmini.layers.preprocessing.mix_up import mixed_with_partners
from kerasmini.layers.preprocessing.random_augmentation import RandomAugmentation
from kerasmini.layers.preprocessing.random_erasing import box_bounds, box_masks
from kerasmini.layers.preprocessing.random_rotation import factor_range


class CutMix(RandomAugmentation):
    """Args: factor: a number f (meaning (0, f)) or a pair in [0, 1]; seed.

    As Keras 3.15: the batch draws one a uniform in factor (plus 1e-6), each image a
    weight w from Beta(a, a); its box is sqrt(1 - w) W columns by sqrt(1 - w) H rows,
    placed uniformly, and filled from the image the shuffled batch puts there. The
    labels mix as lam y_i + (1 - lam) y_partner with lam = 1 - (box area) / (H W), the
    box's exact area (not its pixel count); segmentation masks are cut as the images.
    A single image (no batch to mix with) is returned unchanged.
    """

    ARGUMENTS = ("factor", "seed")

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        factor = factor_range(factor, "factor", (0, 1))
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = factor

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        rng, n, dtype = self.generator(seed), len(data), self.compute_dtype
        height, width = self.image_size(data)
        alpha = rng.uniform(*self.factor) + 1e-6
        ratio = np.sqrt(1.0 - rng.beta(alpha, alpha, size=n)).astype(dtype)
        x0, x1 = box_bounds(rng, width, ratio)
        y0, y1 = box_bounds(rng, height, ratio)
        pasted = (x1 - x0) * (y1 - y0) / np.asarray(width * height, ratio.dtype)
        return {"permutation_order": rng.permutation(n),
                "batch_masks": box_masks(np.shape(data), self.data_format, x0, x1, y0, y1,
                                         dtype),
                "mix_weight": (1 - pasted).reshape(-1, 1, 1, 1)}

    def transform_batch(self, images, transformation):
        # ops.take (not np.take): the tape follows it, so gradients reach the partners
        partners = ops.take(images, np.asarray(transformation["permutation_order"]), axis=0)
        return np.where(np.asarray(transformation["batch_masks"], bool), partners, images)

    def transform_labels(self, labels, transformation, training=True):
        if not training or transformation is None:
            return np.asanyarray(labels)
        return mixed_with_partners(labels, transformation["mix_weight"],
                                   transformation["permutation_order"])

    def transform_segmentation_masks(self, masks, transformation, training=True):
        masks = np.asanyarray(masks)
        if not training or transformation is None:
            return masks
        return self.transform_batch(masks, transformation)
