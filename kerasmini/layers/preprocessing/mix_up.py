"""MixUp: blends each image with another of the batch while training; the identity at
inference."""
import numpy as np

from kerasmini.layers.preprocessing.random_augmentation import RandomAugmentation


class MixUp(RandomAugmentation):
    """Args: alpha: the Beta(alpha, alpha) distribution of the blend weight; seed.

    The batch is shuffled; image i becomes w_i x_i + (1 - w_i) x_perm(i), w_i drawn
    from Beta(alpha, alpha). kerasmini mixes images only: the labels' mix (Keras's dict
    input {'images', 'labels'}) is not implemented, and a dict input is refused.
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
        weight = np.asarray(transformation["mix_weight"]).astype(images.dtype)
        weight = weight.reshape(-1, 1, 1, 1)
        partners = np.take(images, np.asarray(transformation["permutation_order"]), axis=0)
        return weight * images + (1 - weight) * partners
