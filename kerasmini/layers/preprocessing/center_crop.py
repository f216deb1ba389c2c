"""CenterCrop: the central height x width region of each image."""
from kerasmini import ops
from kerasmini.layers.arguments import positive_int, standardize_data_format
from kerasmini.layers.layer import Layer
from kerasmini.layers.preprocessing.resizing import image_output_shape, on_batch
from kerasmini.ops.layout import spatial_axes, split_channels


class CenterCrop(Layer):
    """(batch, H, W, C) or one image (H, W, C) -> the centred height x width crop.

    The crop starts (H - height) // 2 rows and (W - width) // 2 columns in. An image
    smaller than the target on either axis is instead cropped to the target's aspect
    ratio and resized (bilinear), as Keras's smart_resize does.

    Args:
        height, width: the output size.
        data_format: 'channels_last', 'channels_first' or None (the global setting).
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        height, width = positive_int(height, "height"), positive_int(width, "width")
        data_format = standardize_data_format(data_format)
        super().__init__(**kwargs)
        self.height, self.width, self.data_format = height, width, data_format

    def compute_output_shape(self, input_shape):
        return image_output_shape(input_shape, self.height, self.width, self.data_format)

    def call(self, inputs):
        return on_batch(inputs, self._crop)

    def _crop(self, images):
        (rows, cols), _ = split_channels(images.shape, self.data_format)
        if rows < self.height or cols < self.width:
            return ops.resize(images, (self.height, self.width), "bilinear",
                              self.data_format, crop_to_aspect_ratio=True)
        index = [slice(None)] * 4
        for axis, length, target in zip(spatial_axes(2, self.data_format), (rows, cols),
                                        (self.height, self.width)):
            start = (length - target) // 2
            index[axis] = slice(start, start + target)
        return images[tuple(index)].copy()

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "height": self.height, "width": self.width}
