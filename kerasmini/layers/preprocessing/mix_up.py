"""MixUp: blends each image (and its labels) with another of the batch while training;
the identity at inference."""
import numpy as np

from kerasmini import ops
from kerasmini.layers.preprocessing.random_augmentation import RandomAugmentation


class MixUp(RandomAugmentation):
    """Args: alpha: the Beta(alpha, alpha) distribution of the blend weight; seed.

    The batch is shuffled; image i becomes w_i x_i + (1 - w_i) x_perm(i), w_i drawn
    from Beta(alpha, alpha); its labels and segmentation masks mix by the same w_i
    (Keras's dict input {'images', 'labels', 'segmentation_masks'}).
    """

    ARGUMENTS = ("alpha", "seed")

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.alpha = alpha

    def get_random_transformation(self, data, training=True, seed=None):
        rng, n = self.generator(seed), len(data)
        return {"mix_weight": rng.beta(self.alpha, self.alpha, size=n),
                "permutation_order": rng.permutation(n)}

    def transform_batch(self, images, transformation):
        return mixed_with_partners(images, transformation["mix_weight"],
                                   transformation["permutation_order"])

    def transform_labels(self, labels, transformation, training=True):
        if not training or transformation is None:
            return np.asanyarray(labels)
        return mixed_with_partners(labels, transformation["mix_weight"],
                                   transformation["permutation_order"])

    transform_segmentation_masks = transform_labels


def mixed_with_partners(x, weight, order):
    """w_i x_i + (1 - w_i) x_order(i) for each item i of the batch x (the weight in x's
    float dtype, float32 for integer x; the partners by ops.take, which the tape
    follows)."""
    x = np.asanyarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype("float32")
    w = np.asarray(weight).astype(dtype).reshape((-1,) + (1,) * (x.ndim - 1))
    return w * x + (1 - w) * ops.take(x, np.asarray(order), axis=0)
