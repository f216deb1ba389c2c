"""Resizing: images resized to (height, width), as tf.image.resize does it."""
from kerasmini import ops
from kerasmini.layers.arguments import positive_int, standardize_data_format
from kerasmini.layers.layer import Layer
from kerasmini.ops.resizing import INTERPOLATIONS


class Resizing(Layer):
    """(batch, H, W, C) or one image (H, W, C) -> height x width (or channels first).

    Args:
        height, width: the output size.
        interpolation: 'bilinear' (default) or 'nearest' (half-pixel centres, as
            tf.image.resize); Keras's other methods raise ValueError in kerasmini.
        crop_to_aspect_ratio: first cut the largest centred box with the target's aspect
            ratio, so the image is not distorted.
        pad_to_aspect_ratio, fill_mode, fill_value: kept in the config; padding to the
            aspect ratio is not implemented (pad_to_aspect_ratio=True raises ValueError).
        antialias: must be False (antialiased downsampling is not implemented).
        data_format: 'channels_last', 'channels_first' or None (the global setting).
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        height, width = positive_int(height, "height"), positive_int(width, "width")
        check_interpolation(interpolation)
        for name, value in (("pad_to_aspect_ratio", pad_to_aspect_ratio),
                            ("antialias", antialias)):
            if value:
                raise ValueError(f"kerasmini's Resizing does not implement `{name}`. "
                                 f"Received: {name}={value}")
        data_format = standardize_data_format(data_format)
        super().__init__(**kwargs)
        self.height, self.width, self.interpolation = height, width, interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio, self.antialias = False, False
        self.fill_mode, self.fill_value = fill_mode, fill_value
        self.data_format = data_format

    def compute_output_shape(self, input_shape):
        return image_output_shape(input_shape, self.height, self.width, self.data_format)

    def call(self, inputs):
        return on_batch(inputs, lambda images: ops.resize(
            images, (self.height, self.width), self.interpolation, self.data_format,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


def check_interpolation(interpolation):
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"kerasmini resizes with interpolation {INTERPOLATIONS} only. "
                         f"Received: interpolation={interpolation}")


def image_output_shape(input_shape, height, width, data_format):
    """A batch (rank 4) or a single image (rank 3) with its rows and columns replaced."""
    shape = list(input_shape)
    if len(shape) not in (3, 4):
        raise ValueError("`input_shape` must be a non-nested tuple or list of rank-1 with "
                         f"size 3 (unbatched) or 4 (batched). Received: {tuple(input_shape)}")
    first = len(shape) - 3 if data_format == "channels_last" else len(shape) - 2
    shape[first:first + 2] = [height, width]
    return tuple(shape)


def on_batch(inputs, transform):
    """transform(batch) for a batch; a single image goes through as a batch of one."""
    if inputs.ndim == 3:
        return transform(inputs[None])[0]
    return transform(inputs)
