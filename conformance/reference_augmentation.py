"""Independent float64 references for the random augmentation layers' transforms: given
the drawn parameters (Keras's transformation dict), the output image written from each
layer's definition as slow loops, one output pixel at a time. They share no code with
kerasmini or TensorFlow.

Geometry: output pixel (x, y) (column, row) reads the input at a point computed from the
layer's definition (rotation about the centre, zoom about the centre, shift). That point
is brought into the image by fill_mode ('reflect' about -0.5 and n - 0.5, 'wrap' with
period n, 'nearest' clamped, each then clamped to [0, n - 1]; 'constant' reads
fill_value outside) and sampled at the nearest pixel (ties away from zero) or bilinearly.
"""
import colorsys
import itertools
import math

import numpy as np


def _fold(c, n, fill_mode):
    if fill_mode == "constant":
        return c
    if n > 1 and fill_mode == "reflect":
        u = math.fmod(c + 0.5, 2 * n)
        u = u + 2 * n if u < 0 else u
        c = (2 * n - u if u >= n else u) - 0.5
    elif n > 1 and fill_mode == "wrap":
        c = math.fmod(c, n)
        c = c + n if c < 0 else c
    return min(max(c, 0.0), n - 1.0)


def _pixel(image, r, c, fill_value):
    h, w = image.shape[:2]
    if 0 <= r < h and 0 <= c < w:
        return image[r, c].astype(np.float64)
    return np.full(image.shape[2], float(fill_value))


def _sample(image, x, y, interpolation, fill_mode, fill_value):
    h, w = image.shape[:2]
    x, y = _fold(x, w, fill_mode), _fold(y, h, fill_mode)
    if interpolation == "nearest":
        def rnd(v):
            return int(math.copysign(math.floor(abs(v) + 0.5), v))
        return _pixel(image, rnd(y), rnd(x), fill_value)
    r0, c0 = math.floor(y), math.floor(x)
    total = np.zeros(image.shape[2])
    for r, wr in ((r0, 1 - (y - r0)), (r0 + 1, y - r0)):
        for c, wc in ((c0, 1 - (x - c0)), (c0 + 1, x - c0)):
            if wr * wc != 0:
                total += wr * wc * _pixel(image, r, c, fill_value)
    return total


def warp(images, source, args):
    """source(i, x, y) -> the input point (x_in, y_in) of image i's output pixel (x, y)."""
    images = np.asarray(images, np.float64)
    first = args.get("data_format") == "channels_first"
    x = np.moveaxis(images, 1, -1) if first else images
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        for y in range(x.shape[1]):
            for col in range(x.shape[2]):
                out[i, y, col] = _sample(x[i], *source(i, col, y),
                                         args.get("interpolation", "bilinear"),
                                         args.get("fill_mode", "reflect"),
                                         args.get("fill_value", 0.0))
    return np.moveaxis(out, -1, 1) if first else out


def _size(images, args):
    shape = np.shape(images)
    return shape[2:4] if args.get("data_format") == "channels_first" else shape[1:3]


def rotation(images, t, args):
    """Turned by `angle` degrees about the centre: the output pixel at offset (x - cx,
    y - cy) reads the input at that offset rotated by the angle (Keras's definition)."""
    h, w = _size(images, args)
    cx, cy = (w - 1) / 2, (h - 1) / 2

    def source(i, x, y):
        a = math.radians(float(t["angle"][i]))
        return (cx + math.cos(a) * (x - cx) - math.sin(a) * (y - cy),
                cy + math.sin(a) * (x - cx) + math.cos(a) * (y - cy))
    return warp(images, source, args)


def zoom(images, t, args):
    h, w = _size(images, args)
    cx, cy = (w - 1) / 2, (h - 1) / 2

    def source(i, x, y):
        zx = float(np.ravel(t["width_zoom"])[i])
        zy = float(np.ravel(t["height_zoom"])[i])
        return cx + zx * (x - cx), cy + zy * (y - cy)
    return warp(images, source, args)


def translation(images, t, args):
    def source(i, x, y):
        dx, dy = (float(v) for v in t["translations"][i])
        return x - dx, y - dy
    return warp(images, source, args)


def flip(images, t, args):
    images = np.asarray(images, np.float64)
    out = images.copy()
    rows, cols = (2, 3) if args.get("data_format") == "channels_first" else (1, 2)
    mode = args.get("mode", "horizontal_and_vertical")
    for i in range(images.shape[0]):
        if np.ravel(t["flips"])[i]:
            if mode != "vertical":
                out[i] = np.flip(out[i], cols - 1)
            if mode != "horizontal":
                out[i] = np.flip(out[i], rows - 1)
    return out


def brightness(images, t, args):
    low, high = sorted(args.get("value_range", (0, 255)))
    out = np.asarray(images, np.float64).copy()
    for i in range(out.shape[0]):
        out[i] = np.minimum(np.maximum(out[i] + float(np.ravel(t["rgb_delta"])[i]), low), high)
    return out


def contrast(images, t, args):
    low, high = args.get("value_range", (0, 255))
    x = np.asarray(images, np.float64)
    first = args.get("data_format") == "channels_first"
    x = np.moveaxis(x, 1, -1) if first else x
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        c = float(np.ravel(t["contrast_factor"])[i])
        for ch in range(x.shape[3]):
            plane = x[i, :, :, ch]
            mean = math.fsum(plane.ravel()) / plane.size
            out[i, :, :, ch] = np.clip((plane - mean) * c + mean, low, high)
    return np.moveaxis(out, -1, 1) if first else out


REFERENCES = {"RandomRotation": rotation, "RandomZoom": zoom,
              "RandomTranslation": translation, "RandomFlip": flip,
              "RandomBrightness": brightness, "RandomContrast": contrast}


def crop(images, t, args):
    """The window whose top-left corner is t = (row, column), pixel by pixel."""
    images = np.asarray(images, np.float64)
    first = args.get("data_format") == "channels_first"
    x = np.moveaxis(images, 1, -1) if first else images
    top, left = t
    out = np.empty((x.shape[0], args["height"], args["width"], x.shape[3]))
    for r in range(args["height"]):
        for c in range(args["width"]):
            out[:, r, c] = x[:, top + r, left + c]
    return np.moveaxis(out, -1, 1) if first else out


REFERENCES["RandomCrop"] = crop


# ----- the color layers: pixel by pixel, in float64 --------------------------------------
def _last(images, args):
    """(N, H, W, C) float64 view of the batch, and the function putting it back."""
    x = np.asarray(images, np.float64)
    if args.get("data_format") == "channels_first":
        return np.moveaxis(x, 1, -1), lambda out: np.moveaxis(out, -1, 1)
    return x, lambda out: out


def _range(args):
    low, high = sorted(args.get("value_range", (0, 255)))
    return float(low), float(high)


def auto_contrast(images, t, args):
    """Each (image, index along axis 3) plane stretched from its own [min, max] onto the
    value range (Keras takes them over axes 1, 2 whatever the data_format)."""
    low, high = _range(args)
    x = np.asarray(images, np.float64)
    out = x.copy()
    for i in range(x.shape[0]):
        for k in range(x.shape[3]):
            plane = (x[i, :, :, k] - low) / (high - low)  # [0, 1] units
            lo, hi = plane.min(), plane.max()
            if hi > lo:
                out[i, :, :, k] = low + (high - low) * np.clip((plane - lo) / (hi - lo), 0, 1)
    return out


def equalization(images, t, args):
    """Per channel, over the whole batch: a histogram of `bins` bins over [0, 255]; each
    pixel reads round(255 (cdf[bin] - first nonzero cdf) / (total - that)) at its bin."""
    low, high = _range(args)
    bins = args.get("bins", 256)
    x, back = _last(images, args)
    out = x.copy()
    for k in range(x.shape[3]):
        pixels = [(index, 255 * (v - low) / (high - low))
                  for index, v in np.ndenumerate(x[..., k])]
        which = [min(max(int(p * (bins - 1) / 255), 0), bins - 1) for _, p in pixels]
        counts = [which.count(b) for b in range(bins)]
        if sum(1 for c in counts if c) <= 1:
            continue
        cdf = list(itertools.accumulate(counts))
        first = next(c for c in cdf if c)
        table = [min(max(round(255 * (c - first) / ((cdf[-1] - first) or 1)), 0), 255)
                 for c in cdf]
        for index, p in pixels:
            b = min(max(int(p / 255 * (bins - 1)), 0), bins - 1)
            out[index + (k,)] = low + table[b] * (high - low) / 255
    return back(out)


def solarization(images, t, args):
    low, high = _range(args)
    out = np.asarray(images, np.float64).copy()
    for i in range(out.shape[0]):
        a = float(np.ravel(t["additions"])[i])
        th = float(np.ravel(t["thresholds"])[i])
        for index, v in np.ndenumerate(out[i]):
            q = min(max(255 * (v - low) / (high - low) + a, 0.0), 255.0)
            out[(i,) + index] = low + (q if q < th else 255 - q) * (high - low) / 255
    return out


def invert(images, t, args):
    high = float(args.get("value_range", (0, 255))[1])
    out = np.asarray(images, np.float64).copy()
    for i in range(out.shape[0]):
        if t["apply_inversion"][i]:
            out[i] = high - out[i]
    return out


def _luma(pixel):
    return 0.2989 * pixel[0] + 0.5870 * pixel[1] + 0.1140 * pixel[2]


def grayscale(images, t, args):
    x, back = _last(images, args)
    out = x.copy()
    for i in range(x.shape[0]):
        if np.ravel(t)[i]:
            for r in range(x.shape[1]):
                for c in range(x.shape[2]):
                    out[i, r, c, :] = _luma(x[i, r, c])
    return back(out)


def posterization(images, t, args):
    """In [0, 255] units, truncated to an integer, the low (8 - bits) bits cleared."""
    low, high = _range(args)
    out = np.asarray(images, np.float64).copy()
    for i in range(out.shape[0]):
        shift = int(np.ravel(t["shift_factor"])[i])
        for index, v in np.ndenumerate(out[i]):
            level = (int(255 * (v - low) / (high - low)) >> shift) << shift
            out[(i,) + index] = low + level * (high - low) / 255
    return out


def color_degeneration(images, t, args):
    low, high = _range(args)
    x, back = _last(images, args)
    out = x.copy()
    for i in range(x.shape[0]):
        f = float(np.ravel(t["factor"])[i])
        for r in range(x.shape[1]):
            for c in range(x.shape[2]):
                gray = _luma(x[i, r, c])
                out[i, r, c] = np.clip(x[i, r, c] + f * (gray - x[i, r, c]), low, high)
    return back(out)


def sharpness(images, t, args):
    """s = (1/13) (sum of the 3x3 neighbourhood, zeros outside) + (4/13) centre, then
    clip(x + (1 - 2 f) (s - x), range)."""
    low, high = _range(args)
    x, back = _last(images, args)
    out = x.copy()
    n, h, w, _ = x.shape
    for i in range(n):
        f = float(np.ravel(t["factor"])[i])
        for r in range(h):
            for c in range(w):
                near = sum(x[i, rr, cc] for rr in range(r - 1, r + 2)
                           for cc in range(c - 1, c + 2) if 0 <= rr < h and 0 <= cc < w)
                s = near / 13 + 4 * x[i, r, c] / 13
                out[i, r, c] = np.clip(x[i, r, c] + (1 - 2 * f) * (s - x[i, r, c]),
                                       low, high)
    return back(out)


REFERENCES.update(AutoContrast=auto_contrast, Equalization=equalization,
                  Solarization=solarization, RandomInvert=invert,
                  RandomGrayscale=grayscale, RandomPosterization=posterization,
                  RandomColorDegeneration=color_degeneration, RandomSharpness=sharpness)


def _hsv_map(images, args, change):
    """Each pixel through colorsys (Python's own RGB <-> HSV): change(i, h, s, v)."""
    x, back = _last(images, args)
    out = x.copy()
    for i, r, c in np.ndindex(*x.shape[:3]):
        h, s, v = colorsys.rgb_to_hsv(*x[i, r, c])
        out[i, r, c] = colorsys.hsv_to_rgb(*change(i, h, s, v))
    return back(out)


def saturation(images, t, args):
    """Saturation times the drawn factor, clipped to value_range (raw pixels)."""
    low, high = _range(args)
    return _hsv_map(images, args, lambda i, h, s, v: (
        h, min(max(s * float(t["factor"][i]), low), high), v))


def hue(images, t, args):
    """Pixels onto [0, 1], hue + shift wrapped into [0, 1], clipped, mapped back."""
    low, high = (float(v) for v in args.get("value_range", (0, 255)))
    unit = (np.asarray(images, np.float64) - low) / (high - low)

    def turn(i, h, s, v):
        h = h + float(t["factor"][i])
        return (h - 1 if h > 1 else h + 1 if h < 0 else h), s, v
    return np.clip(_hsv_map(unit, args, turn), 0, 1) * (high - low) + low


REFERENCES.update(RandomSaturation=saturation, RandomHue=hue)


def shear(images, t, args):
    """Output pixel (x, y) reads the input at (x + sx y, sy x + y)."""
    def source(i, x, y):
        sx, sy = (float(v) for v in t["shear_factor"][i])
        return x + sx * y, sy * x + y
    return warp(images, source, args)


def mix_up(images, t, args):
    x = np.asarray(images, np.float64)
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        w = float(t["mix_weight"][i])
        out[i] = w * x[i] + (1 - w) * x[int(t["permutation_order"][i])]
    return out


REFERENCES.update(RandomShear=shear, MixUp=mix_up)


def gaussian_blur(images, t, args):
    """Each chosen image: every pixel the Gaussian-weighted sum of its neighbourhood
    (weights exp(-dr^2 / 2 s1^2 - dc^2 / 2 s0^2), normalized over the whole window,
    zeros outside the image); then all images clipped to value_range. The window is
    kernel_size[1] rows by kernel_size[0] columns (Keras's JAX / NumPy / torch layout:
    the size goes with its sigma)."""
    low, high = args.get("value_range", (0, 255))
    size = args.get("kernel_size", 3)
    columns, rows = size if isinstance(size, (tuple, list)) else (size, size)
    s0, s1 = (float(v) for v in t["blur_factor"])
    half_r, half_c = (rows - 1) // 2, (columns - 1) // 2
    offsets = [(dr, dc) for dr in range(-half_r, half_r + 1)
               for dc in range(-half_c, half_c + 1)]
    weight = {(dr, dc): math.exp(-0.5 * (dr / s1) ** 2 - 0.5 * (dc / s0) ** 2)
              for dr, dc in offsets}
    total = math.fsum(weight.values())
    x, back = _last(images, args)
    out = x.copy()
    n, h, w, _ = x.shape
    for i in range(n):
        if not t["should_apply_blur"][i]:
            continue
        for r, c in np.ndindex(h, w):
            acc = np.zeros(x.shape[3])
            for dr, dc in offsets:
                if 0 <= r + dr < h and 0 <= c + dc < w:
                    acc += weight[dr, dc] / total * x[i, r + dr, c + dc]
            out[i, r, c] = acc
    return np.clip(back(out), low, high)


REFERENCES["RandomGaussianBlur"] = gaussian_blur


def erasing(images, t, args):
    """Pixels of a chosen image inside its mask take the drawn fill value."""
    x = np.asarray(images, np.float64)
    out = x.copy()
    for index in np.ndindex(*x.shape):
        if t["apply_erasing"][index[0]] and t["batch_masks"][index]:
            out[index] = float(t["fill_value"][index])
    return out


def cut_mix(images, t, args):
    """Pixels inside image i's mask come from image permutation_order[i]."""
    x = np.asarray(images, np.float64)
    out = x.copy()
    for index in np.ndindex(*x.shape):
        if t["batch_masks"][index]:
            out[index] = x[(int(t["permutation_order"][index[0]]),) + index[1:]]
    return out


def mixed_labels(labels, t):
    """lam y_i + (1 - lam) y_partner, lam image i's mix_weight (CutMix, MixUp)."""
    y = np.asarray(labels, np.float64)
    out = np.empty_like(y)
    for i in range(len(y)):
        lam = float(np.ravel(t["mix_weight"])[i])
        out[i] = lam * y[i] + (1 - lam) * y[int(t["permutation_order"][i])]
    return out


def _projective_map(frm, to):
    """The 3x3 matrix M (M[2, 2] = 1) with M (x, y, 1) proportional to (X, Y, 1) for
    each of the four pairs (x, y) in frm, (X, Y) in to: Gaussian elimination, float64."""
    rows = []
    for (x, y), (big_x, big_y) in zip(frm, to):
        rows.append([x, y, 1, 0, 0, 0, -big_x * x, -big_x * y, big_x])
        rows.append([0, 0, 0, x, y, 1, -big_y * x, -big_y * y, big_y])
    a = [list(map(float, r)) for r in rows]
    for col in range(8):
        pivot = max(range(col, 8), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(8):
            if r != col:
                f = a[r][col] / a[col][col]
                a[r] = [u - f * v for u, v in zip(a[r], a[col])]
    h = [a[r][8] / a[r][r] for r in range(8)]
    return [h[0:3], h[3:6], h[6:8] + [1.0]]


def perspective(images, t, args):
    """A chosen image's output pixel (x, y) reads the input at the projective map that
    takes the moved corners (end_points) back to the corners (start_points); fill_value
    outside the image."""
    x = np.asarray(images, np.float64)
    maps = [_projective_map(np.asarray(t["end_points"][i], np.float64),
                            np.asarray(t["start_points"][i], np.float64))
            for i in range(x.shape[0])]

    def source(i, col, row):
        m = maps[i]
        z = m[2][0] * col + m[2][1] * row + 1.0
        return ((m[0][0] * col + m[0][1] * row + m[0][2]) / z,
                (m[1][0] * col + m[1][1] * row + m[1][2]) / z)
    warped = warp(x, source, {**args, "fill_mode": "constant",
                              "fill_value": args.get("fill_value", 0.0)})
    chosen = np.asarray(t["apply_perspective"], bool).reshape(-1, 1, 1, 1)
    return np.where(chosen, warped, x)


REFERENCES.update(RandomErasing=erasing, CutMix=cut_mix, RandomPerspective=perspective)

# RandAugment's and AugMix's names of the layers they build
SUBLAYERS = {"random_shear": "RandomShear", "random_translation": "RandomTranslation",
             "random_rotation": "RandomRotation", "random_brightness": "RandomBrightness",
             "random_color_degeneration": "RandomColorDegeneration",
             "random_contrast": "RandomContrast", "random_sharpness": "RandomSharpness",
             "random_posterization": "RandomPosterization", "solarization": "Solarization",
             "auto_contrast": "AutoContrast", "equalization": "Equalization"}
RAND_AUGMENT_ORDER = list(SUBLAYERS)


def _step(images, name, t, args):
    """One built layer's reference, with the arguments its owner gives it."""
    sub = {"value_range": args.get("value_range", (0, 255)),
           "interpolation": args.get("interpolation", "bilinear"),
           "data_format": args.get("data_format", "channels_last")}
    return REFERENCES[SUBLAYERS[name]](images, t, sub)


def rand_augment(images, t, args):
    """The drawn layers' references, in turn."""
    x = np.asarray(images, np.float64)
    for index in np.ravel(t["layer_idxes"]):
        name = RAND_AUGMENT_ORDER[int(index)]
        x = _step(x, name, t["transforms"][name], args)
    return x


def aug_mix(images, t, args):
    """clip(m x + (1 - m) sum_k w_k chain_k(x), value_range), each chain its steps'
    references in turn."""
    x = np.asarray(images, np.float64)
    mixed = np.zeros_like(x)
    for w, chain in zip(np.ravel(t["chain_mixing_weights"]), t["chain_transforms"]):
        y = x
        for step in chain:
            y = _step(y, step["layer_name"], step["transformation"], args)
        mixed += float(w) * y
    m = float(t["weight_sample"])
    low, high = args.get("value_range", (0, 255))
    return np.clip(m * x + (1 - m) * mixed, low, high)


REFERENCES.update(RandAugment=rand_augment, AugMix=aug_mix)
