"""keras.ops.image.scale_and_translate, and the resizes TensorFlow runs through the
same sampling (lanczos3 / lanczos5, antialiased bilinear and bicubic, bicubic):
each spatial axis multiplied by a weight matrix.

Output sample o of an axis sits at input coordinate (o + 0.5 - translation) / scale
- 0.5; input pixel i weighs kernel(|coordinate - i| / kernel_scale), normalized to
sum 1 (kernel_scale = 1 / scale when antialiasing a downscale, so the kernel widens
to cover every input pixel it stands for, else 1). A sample outside [-0.5, n - 0.5]
is 0. The weights are NumPy on tensors the tape follows, so gradients reach the
images, the scale and the translation.
"""
import numpy as np

from kerasmini.ops.arguments import tensor
from kerasmini.ops.dtypes import result_type
from kerasmini.ops.symbolic import IMAGE, keras_operation


def triangle(x):
    return np.maximum(1 - x, 0)


def keys_cubic(x):
    """Keys' cubic convolution kernel with a = -0.5, of |x|."""
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return np.where(x >= 2.0, 0.0, np.where(x >= 1.0, far, near))


def lanczos(radius):
    def kernel(x):
        """sinc(x) sinc(x / radius) for |x| <= radius (1 near 0, its limit)."""
        safe = np.where(x > 1e-3, x, 1.0)
        y = radius * np.sin(np.pi * safe) * np.sin(np.pi * safe / radius)
        return np.where(x > radius, 0.0, np.where(x > 1e-3, y / (np.pi ** 2 * safe ** 2),
                                                  1.0))
    return kernel


KERNELS = {"linear": triangle, "bilinear": triangle, "trilinear": triangle,
           "triangle": triangle, "cubic": keys_cubic, "bicubic": keys_cubic,
           "tricubic": keys_cubic, "lanczos3": lanczos(3.0), "lanczos5": lanczos(5.0)}
METHODS = ("linear", "bilinear", "trilinear", "cubic", "bicubic", "tricubic", "lanczos3",
           "lanczos5")


def weight_matrix(input_size, output_size, scale, translation, kernel, antialias, dtype):
    """(input_size, output_size) weights: column o samples the input for output o."""
    inverse = 1.0 / scale
    kernel_scale = np.maximum(inverse, 1.0) if antialias else 1.0
    samples = (np.arange(output_size, dtype=dtype) + 0.5) * inverse \
        - translation * inverse - 0.5
    distance = np.abs(samples[None, :] - np.arange(input_size, dtype=dtype)[:, None])
    weights = kernel(distance / kernel_scale)
    total = np.sum(weights, axis=0, keepdims=True)
    usable = np.abs(total) > 1000.0 * float(np.finfo(np.float32).eps)
    weights = np.where(usable, weights / np.where(total != 0, total, 1.0), 0.0)
    inside = (samples >= -0.5) & (samples <= input_size - 0.5)
    return np.where(inside[None, :], weights, 0.0)


@keras_operation("ScaleAndTranslate", config=("spatial_dims", "method", "antialias"),
                 module=IMAGE)
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """Each axis in `spatial_dims` resampled to output_shape[axis] samples, scaled by
    scale[i] and shifted by translation[i] (jax.image.scale_and_translate); integer
    images rounded and clipped to their input's range."""
    if method not in METHODS:
        raise ValueError("Invalid value for argument `method`. Expected of one "
                         f"{set(METHODS)}. Received: method={method}")
    images = tensor(images)
    scale, translation = tensor(scale), tensor(translation)
    dtype = result_type(scale.dtype, translation.dtype)
    scale, translation = tensor(scale, dtype), tensor(translation, dtype)
    out = images.astype("float32") if images.dtype.kind in "iub" else images
    for i, axis in enumerate(spatial_dims):
        axis = axis % images.ndim
        weights = weight_matrix(images.shape[axis], output_shape[axis], scale[i],
                                translation[i], KERNELS[method], antialias, dtype)
        moved = np.moveaxis(out, axis, -1) @ weights.astype(out.dtype)
        out = np.moveaxis(moved, -1, axis)
    if images.dtype.kind in "iub":
        low, high = np.min(images), np.max(images)
        out = np.clip(np.round(out), low, high).astype(images.dtype)
    return out


def area_matrix(input_size, output_size, dtype):
    """(input_size, output_size) weights of 'area' resizing: output o averages the
    input span [o s, (o + 1) s), s = input_size / output_size, each pixel weighted
    by how much of it the span covers."""
    s = input_size / output_size
    starts = np.arange(output_size) * s
    pixels = np.arange(input_size)[:, None]
    covered = np.minimum(pixels + 1, starts + s) - np.maximum(pixels, starts)
    return (np.maximum(covered, 0) / s).astype(dtype)


def resample(images, size, method, antialias, spatial_axes):
    """images resized to `size` along `spatial_axes` by the weight matrices (no
    translation, scale = new size / old size): TensorFlow's resize for lanczos3 /
    lanczos5, for bilinear and bicubic with antialias, and for bicubic without; and
    'area', whose matrices average what each output pixel covers."""
    if method == "area":
        out = images.astype(images.dtype if images.dtype.kind == "f" else "float32")
        for axis, n in zip(spatial_axes, size):
            moved = np.moveaxis(out, axis, -1) @ area_matrix(out.shape[axis], n, out.dtype)
            out = np.moveaxis(moved, -1, axis)
        return out
    shape = list(images.shape)
    scale = []
    for axis, n in zip(spatial_axes, size):
        scale.append(n / shape[axis])
        shape[axis] = n
    dtype = images.dtype if images.dtype.kind == "f" else np.dtype("float32")
    # weights in the images' precision (TensorFlow's are float32 whatever the images)
    return scale_and_translate(images.astype(dtype, copy=False), shape,
                               np.asarray(scale, dtype), np.zeros(len(size), dtype),
                               spatial_axes, method, antialias)
