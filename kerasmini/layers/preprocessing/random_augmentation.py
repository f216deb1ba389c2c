"""The base of the random image augmentation layers (RandomFlip, RandomRotation, ...).

As in Keras, a call is two steps: `get_random_transformation(images)` draws the random
parameters of every image (a dict of arrays, Keras's keys), and
`transform_images(images, transformation)` applies them, deterministically. With
training=False (as in `model.predict`) the layer is the identity. Keras's default for
these layers is training=True when called directly; `fit` passes training=True.

Random numbers come from a NumPy generator made from `seed` (or from Python's `random`
when seed is None, see utils/rng_utils.py), so they differ from TensorFlow's; the
transform given the same parameters is Keras's (conformance checks that).
"""
import numpy as np

from kerasmini import ops
from kerasmini.layers.arguments import standardize_data_format
from kerasmini.layers.layer import Layer
from kerasmini.layers.preprocessing.resizing import on_batch
from kerasmini.utils.rng_utils import numpy_generator


class RandomAugmentation(Layer):
    """Keeps the constructor arguments named in `ARGUMENTS` (in Keras's config order)."""

    ARGUMENTS = ()

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._build_at_init()
        self.seed = seed
        self.data_format = standardize_data_format(data_format)
        self._rng = numpy_generator(seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def __call__(self, inputs, training=None, **kwargs):
        if isinstance(inputs, dict):  # Keras's {'images', 'labels', ...}: a data pipeline's
            return self.call_on_dict(inputs, True if training is None else training)
        return super().__call__(inputs, training=training, **kwargs)

    def call(self, inputs, training=True):
        if not training:
            return inputs
        check_rank(inputs)

        def augment(images):
            transformation = self.get_random_transformation(images, training=True)
            return self.transform_images(images, transformation, training=True)
        return on_batch(inputs, augment)

    def call_on_dict(self, data, training):
        """The images and the labels / segmentation masks that go with them, all
        transformed by one draw, as Keras's dict input. Bounding boxes are not
        implemented (NotImplementedError), nor labels or masks where the layer does not
        define transform_labels / transform_segmentation_masks."""
        if "images" not in data:
            raise ValueError("A dict input needs an 'images' key. Received keys: "
                             f"{sorted(data)}")
        for key, method in (("bounding_boxes", None), ("labels", "transform_labels"),
                            ("segmentation_masks", "transform_segmentation_masks")):
            if key in data and (method is None or getattr(type(self), method) is
                                getattr(RandomAugmentation, method)):
                raise NotImplementedError(f"{type(self).__name__} does not transform "
                                          f"{key} in kerasmini.")
        check_rank(data["images"])
        data = dict(data)
        if not training:
            return data
        images = np.asanyarray(data["images"])
        batched = images.ndim == 4
        one = (lambda a: np.asanyarray(a)) if batched else (lambda a: np.asanyarray(a)[None])
        back = (lambda a: a) if batched else (lambda a: a[0])
        transformation = self.get_random_transformation(one(images), training=True)
        data["images"] = back(self.transform_images(one(images), transformation))
        for key, transform in (("labels", self.transform_labels),
                               ("segmentation_masks", self.transform_segmentation_masks)):
            if key in data:
                data[key] = back(transform(one(data[key]), transformation))
        return data

    def transform_labels(self, labels, transformation, training=True):
        raise NotImplementedError(f"{type(self).__name__} does not transform labels in "
                                  "kerasmini.")

    def transform_segmentation_masks(self, masks, transformation, training=True):
        raise NotImplementedError(f"{type(self).__name__} does not transform "
                                  "segmentation_masks in kerasmini.")

    def transform_images(self, images, transformation, training=True):
        """A batch (N, H, W, C) or one image (H, W, C), in the layer's dtype, transformed
        by `transformation` (the parameters of each image) when training."""
        images = np.asanyarray(images).astype(self.compute_dtype, copy=False)
        if not training or transformation is None:
            return images
        return on_batch(images, lambda batch: self.transform_batch(batch, transformation))

    def generator(self, seed=None):
        """The layer's own generator, or a fresh one when a `seed` is given (as Keras)."""
        return self._rng if seed is None else np.random.default_rng(seed)

    def image_size(self, images):
        """(height, width) of a batch of images in the layer's data_format."""
        return images.shape[1:3] if self.data_format == "channels_last" else \
            images.shape[2:4]

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                **{name: getattr(self, name) for name in self.ARGUMENTS}}


class ChangesValuesOnly:
    """Keras's rule for the layers that change pixel values only (the color ones, blur,
    erasing): labels and segmentation masks pass unchanged. Mixed into a
    RandomAugmentation subclass."""

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_segmentation_masks(self, masks, transformation, training=True):
        return masks


class WarpsMasks:
    """Keras's rule for the warps (RandomWarp's, RandomPerspective,
    RandomElasticTransform): masks take the images' warp (`warp(batch, transformation,
    interpolation)`) with nearest interpolation, keeping their dtype; labels pass
    unchanged. Mixed into a RandomAugmentation subclass."""

    def transform_batch(self, images, transformation):
        return self.warp(images, transformation, self.interpolation)

    def transform_segmentation_masks(self, masks, transformation, training=True):
        masks = np.asanyarray(masks)
        if not training or transformation is None:
            return masks
        floats = masks.astype(self.compute_dtype)  # nearest: the values stay exact
        warped = on_batch(floats, lambda batch: self.warp(batch, transformation, "nearest"))
        return warped.astype(masks.dtype, copy=False)

    def transform_labels(self, labels, transformation, training=True):
        return labels


class RandomWarp(WarpsMasks, RandomAugmentation):
    """The geometric ones (rotation, zoom, translation): how to fill the border and how
    to interpolate; each builds one projective transform per image (`transform_matrix`)
    for ops.affine_transform, whose gradient rule lets gradients flow through them."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        check_fill_and_interpolation(fill_mode, interpolation)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.fill_value = fill_value

    def warp(self, images, transformation, interpolation):
        return ops.affine_transform(images, self.transform_matrix(images, transformation),
                                    interpolation, self.fill_mode, self.fill_value,
                                    self.data_format)


class RandomShiftOrZoom(RandomWarp):
    """Zoom and translation: one factor range per axis."""

    ARGUMENTS = ("height_factor", "width_factor", "fill_mode", "interpolation", "seed",
                 "fill_value")
    # Keras's ranges for the factors: (lowest allowed, whether it is allowed itself)
    FACTOR_BOUND = (-1.0, True)

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):  # RandomTranslation's signature, Keras's order
        self.height_range = self.factor_range(height_factor, "height_factor")
        self.width_range = (None if width_factor is None
                            else self.factor_range(width_factor, "width_factor"))
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor

    def factor_range(self, factor, name):
        """A number f -> (-|f|, |f|); a pair -> sorted; each end in Keras's bounds."""
        if isinstance(factor, (tuple, list)) and len(factor) == 2:
            ends = list(factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            ends = [-abs(factor), abs(factor)]
        else:
            raise ValueError(f"{self.FACTOR_ERROR}Received: {name}={factor}")
        low, inclusive = self.FACTOR_BOUND
        for end in ends:
            if end > 1.0 or end < low or (end == low and not inclusive):
                raise ValueError(f"{self.FACTOR_ERROR}Received: input_number={end}")
        return tuple(sorted(ends))


def check_rank(images):
    if np.ndim(images) not in (3, 4):
        raise ValueError("Expected image tensor to have rank 3 (single image) or 4 "
                         f"(batch of images). Received: data.shape={np.shape(images)}")


def chosen_by_factor(rng, factor, size):
    """Keras's rule for the layers with a probability range: each image draws p uniform
    in factor and is transformed when a uniform draw in [0, 1) falls below p."""
    probability = rng.uniform(*factor, size=size)
    return rng.uniform(size=size) < probability


def check_fill_and_interpolation(fill_mode, interpolation):
    if fill_mode not in ("reflect", "wrap", "constant", "nearest"):
        raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one "
                                  "('reflect', 'wrap', 'constant', 'nearest').")
    if interpolation not in ("nearest", "bilinear"):
        raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of "
                                  "one ('nearest', 'bilinear').")

