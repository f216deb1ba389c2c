"""keras.ops.image's filters by Keras's signatures: gaussian_blur, sobel_edges and
ssim, each a convolution of the images with a small fixed kernel, run by ops.conv or
ops.depthwise_conv (so their gradient rules are the convolutions')."""
import numpy as np

from kerasmini.ops import arrays
from kerasmini.ops.arguments import tensor
from kerasmini.ops.dtypes import result_type
from kerasmini.ops.image_frames import image_axes
from kerasmini.ops.image_warps import batched
from kerasmini.ops.layout import standardize_data_format, to_channels_last
from kerasmini.ops.nn_windows import conv, depthwise_conv
from kerasmini.ops.symbolic import IMAGE, keras_operation

# tf.image.sobel_edges's two kernels: the derivative down the rows, then across columns
SOBEL = np.array([[[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
                  [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]], "float64")


def gaussian_taps(size, sigma, dtype):
    """The normalized 1D Gaussian of `size` taps centred on the middle one."""
    x = np.arange(size, dtype=dtype) - (size - 1) / 2
    taps = np.exp(-0.5 * (x / sigma) ** 2)
    return taps / taps.sum()


@keras_operation("GaussianBlur", config=("kernel_size", "sigma", "data_format"),
                 module=IMAGE)
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Each channel convolved ('same', zeros outside) with a Gaussian: TensorFlow's
    kernel, the outer product of the column taps (kernel_size[1], sigma[1]) and the
    row taps (kernel_size[0], sigma[0]) laid out as kernel_size[0] x kernel_size[1]."""
    images = tensor(images)
    dtype = images.dtype
    data_format = standardize_data_format(data_format)
    image_axes(images, data_format)
    rows = gaussian_taps(kernel_size[1], sigma[1], dtype)
    cols = gaussian_taps(kernel_size[0], sigma[0], dtype)
    kernel = np.outer(rows, cols).reshape(kernel_size[0], kernel_size[1], 1, 1)

    def blur(batch):
        channels = batch.shape[1 if data_format == "channels_first" else -1]
        return depthwise_conv(batch, np.tile(kernel, (1, 1, channels, 1)).astype(dtype),
                              padding="same", data_format=data_format)
    return batched(images, data_format, blur)


@keras_operation("SobelEdges", config=("data_format",), module=IMAGE)
def sobel_edges(images, data_format=None):
    """(N, H, W, C) -> (N, H, W, C, 2): each channel's Sobel derivative down the rows
    and across the columns, the image mirrored by one pixel at its edges (channels
    first: (N, C, H, W, 2))."""
    images = tensor(images)
    data_format = standardize_data_format(data_format)
    if images.ndim != 4:
        raise ValueError("Invalid images rank: expected rank 4 (batch of images). "
                         f"Received: images.shape={images.shape}")
    x = to_channels_last(images, data_format)
    n, h, w, c = x.shape
    padded = arrays.pad(x, [(0, 0), (1, 1), (1, 1), (0, 0)], mode="reflect")
    kernel = np.tile(SOBEL.transpose(1, 2, 0)[:, :, None, :], (1, 1, c, 1))
    edges = depthwise_conv(padded, kernel.astype(x.dtype), data_format="channels_last")
    edges = edges.reshape(n, h, w, c, 2)
    return edges if data_format == "channels_last" else np.transpose(edges, (0, 3, 1, 2, 4))


@keras_operation("SSIM", config=("max_val", "filter_size", "filter_sigma", "k1", "k2",
                                  "data_format"), module=IMAGE)
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """The structural similarity of each pair of images (Wang et al. 2004), as Keras:
    Gaussian-weighted local means, variances and covariance over 'valid' windows,
    the SSIM map averaged over pixels and channels; shape (batch,) or ()."""
    image1, image2 = tensor(image1), tensor(image2)
    dtype = image1.dtype
    compute = result_type(dtype, float)
    for name, image in (("image1", image1), ("image2", image2)):
        if image.ndim not in (3, 4):
            raise ValueError(f"Invalid {name} rank: expected rank 3 (single image) or "
                             "rank 4 (batch of images). Received input with shape: "
                             f"{name}.shape={image.shape}")
    data_format = standardize_data_format(data_format)
    unbatched = image1.ndim == 3
    x, y = (to_channels_last(tensor(i, compute)[None] if unbatched else tensor(i, compute),
                             data_format) for i in (image1, image2))
    n, h, w, c = x.shape
    taps = gaussian_taps(filter_size, filter_sigma, compute)
    kernel = np.outer(taps, taps).reshape(filter_size, filter_size, 1, 1)

    def local_mean(z):  # each channel as its own one-channel image
        planes = np.transpose(z, (0, 3, 1, 2)).reshape(n * c, h, w, 1)
        return conv(planes, kernel, data_format="channels_last")

    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mu_x, mu_y = local_mean(x), local_mean(y)
    var_x = local_mean(x * x) - mu_x * mu_x
    var_y = local_mean(y * y) - mu_y * mu_y
    covariance = local_mean(x * y) - mu_x * mu_y
    similarity = ((2 * mu_x * mu_y + c1) * (2 * covariance + c2)
                  / ((mu_x * mu_x + mu_y * mu_y + c1) * (var_x + var_y + c2)))
    per_image = np.mean(np.mean(similarity, axis=(1, 2, 3)).reshape(n, c), axis=-1)
    return (per_image[0] if unbatched else per_image).astype(dtype)
