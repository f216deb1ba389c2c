"""The benchmark cases: one layer, its Keras arguments, an input shape and a dtype.

Each case is run by kerasmini, by tf.keras eagerly (`layer(x)`) and by tf.keras inside a
`tf.function`, on the same inputs and weights.
"""
from dataclasses import dataclass, field

import numpy as np

from kerasmini.ops.shapes import pair, triple


@dataclass(frozen=True)
class Case:
    group: str          # "latency" or "throughput"
    layer: str          # "Conv2D", "Dense" or "MaxPool2D" (the name in both libraries)
    args: dict = field(hash=False)
    shape: tuple
    dtype: str = "float32"

    @property
    def name(self):
        args = ",".join(f"{k}={v}" for k, v in self.args.items())
        suffix = "" if self.dtype == "float32" else f" {self.dtype}"
        return f"{self.layer}({args}) {'x'.join(map(str, self.shape))}{suffix}"

    def work(self, out_shape):
        """Floating-point operations of one call (comparisons for max pooling)."""
        outputs = int(np.prod(out_shape))
        if self.layer == "Conv2D":
            kh, kw = pair(self.args["kernel_size"])
            return 2 * outputs * kh * kw * self.shape[-1]
        if self.layer == "Dense":
            return 2 * outputs * self.shape[-1]
        if self.layer in LAYER_WORK:
            return LAYER_WORK[self.layer](self, outputs, int(np.prod(self.shape)))
        window = (triple if "3D" in self.layer else pair)(self.args.get("pool_size", 2))
        return outputs * int(np.prod(window))


def _taps(case):
    if "1D" in case.layer:
        return case.args["kernel_size"]
    return int(np.prod((triple if "3D" in case.layer else pair)(case.args["kernel_size"])))


# Multiply-adds (x2) of the issue-11 layers; element moves count 1 per output.
LAYER_WORK = {
    "DepthwiseConv2D": lambda c, out, inp: 2 * out * _taps(c),
    "DepthwiseConv1D": lambda c, out, inp: 2 * out * _taps(c),
    "SeparableConv2D": lambda c, out, inp: 2 * out // c.args["filters"] * c.shape[-1] * (
        _taps(c) + c.args["filters"]),
    "SeparableConv1D": lambda c, out, inp: 2 * out // c.args["filters"] * c.shape[-1] * (
        _taps(c) + c.args["filters"]),
    "Conv2DTranspose": lambda c, out, inp: 2 * inp * _taps(c) * c.args["filters"],
    "Conv1DTranspose": lambda c, out, inp: 2 * inp * _taps(c) * c.args["filters"],
    "Conv3DTranspose": lambda c, out, inp: 2 * inp * _taps(c) * c.args["filters"],
    "Conv3D": lambda c, out, inp: 2 * out * _taps(c) * c.shape[-1],
    "Conv1D": lambda c, out, inp: 2 * out * _taps(c) * c.shape[-1],
    "AveragePooling1D": lambda c, out, inp: out * c.args["pool_size"],
    "AveragePooling2D": lambda c, out, inp: out * c.args["pool_size"] ** 2,
    "GlobalAveragePooling1D": lambda c, out, inp: inp,
    "GlobalMaxPooling1D": lambda c, out, inp: inp,
    "UpSampling2D": lambda c, out, inp: out * (4 if c.args.get("interpolation") == "bilinear"
                                               else 1),
    "Resizing": lambda c, out, inp: 4 * out,
}
for _name in ("UpSampling1D", "ZeroPadding1D", "Cropping1D", "CenterCrop"):
    LAYER_WORK[_name] = lambda c, out, inp: out
# Normalizations: about 8 operations per element (two reductions, scale and shift);
# element moves 1 per output; PReLU 3 per element.
for _name in ("LayerNormalization", "GroupNormalization", "UnitNormalization",
              "Normalization"):
    LAYER_WORK[_name] = lambda c, out, inp: 8 * out
for _name in ("Permute", "RepeatVector"):
    LAYER_WORK[_name] = lambda c, out, inp: out
LAYER_WORK["PReLU"] = lambda c, out, inp: 3 * out
# Spectrograms: STFTSpectrogram multiplies each frame by two (frame_length, bins)
# kernels; MelSpectrogram counts its mel matmul (bins multiply-adds per output).
LAYER_WORK["STFTSpectrogram"] = lambda c, out, inp: 4 * out * c.args["frame_length"]
LAYER_WORK["MelSpectrogram"] = lambda c, out, inp: 2 * out * (c.args["fft_length"] // 2 + 1)
# Recurrent layers: per step, (features + units) x gates * units multiply-adds per sample.
for _name, _gates in (("SimpleRNN", 1), ("GRU", 3), ("LSTM", 4)):
    LAYER_WORK[_name] = lambda c, out, inp, g=_gates: (
        2 * c.shape[0] * c.shape[1] * g * c.args["units"] * (c.shape[-1] + c.args["units"]))

# ConvLSTM2D (return_sequences, 'same'): per step and output pixel, 4 * filters outputs
# of a k x k convolution over the channels and one over the filters.
LAYER_WORK["ConvLSTM2D"] = lambda c, out, inp: (
    2 * out * 4 * pair(c.args["kernel_size"])[0] * pair(c.args["kernel_size"])[1]
    * (c.shape[-1] + c.args["filters"]))


def _conv(shape, filters, kernel_size=3, group="throughput", dtype="float32", **args):
    return Case(group, "Conv2D", dict(filters=filters, kernel_size=kernel_size, **args),
                shape, dtype)


SAME = dict(padding="same")

CASES = [
    # Latency: small inputs, where tf.keras's per-call overhead dominates.
    _conv((1, 28, 28, 1), 32, activation="relu", group="latency"),
    _conv((8, 28, 28, 1), 32, activation="relu", group="latency"),
    _conv((1, 32, 32, 3), 64, group="latency", **SAME),
    Case("latency", "Dense", dict(units=128, activation="relu"), (1, 784)),
    Case("latency", "Dense", dict(units=128, activation="relu"), (8, 784)),
    Case("latency", "MaxPool2D", dict(pool_size=2), (1, 26, 26, 32)),
    Case("latency", "MaxPool2D", dict(pool_size=2), (8, 26, 26, 32)),
    # Throughput: large layers, where the matmul (BLAS against oneDNN) dominates.
    _conv((32, 56, 56, 64), 64, **SAME),
    _conv((32, 28, 28, 128), 128, **SAME),
    _conv((16, 112, 112, 32), 64, **SAME),
    _conv((32, 14, 14, 256), 256, **SAME),
    _conv((32, 56, 56, 64), 128, strides=2, **SAME),
    _conv((32, 28, 28, 256), 64, kernel_size=1),
    _conv((8, 224, 224, 3), 64, kernel_size=7, strides=2, **SAME),
    Case("throughput", "Dense", dict(units=4096), (1024, 4096)),
    Case("throughput", "MaxPool2D", dict(pool_size=2), (32, 112, 112, 64)),
    Case("throughput", "MaxPool2D", dict(pool_size=3, strides=2, padding="same"),
         (32, 112, 112, 64)),
    # The issue-11 layers (MobileNet/EfficientNet/Xception blocks, decoders, 1D CNNs).
    Case("throughput", "DepthwiseConv2D", dict(kernel_size=3, padding="same"),
         (8, 56, 56, 128)),
    Case("throughput", "DepthwiseConv2D", dict(kernel_size=3, strides=2, padding="same"),
         (8, 112, 112, 32)),
    Case("throughput", "DepthwiseConv1D", dict(kernel_size=3, padding="same"), (32, 256, 64)),
    Case("throughput", "SeparableConv2D", dict(filters=128, kernel_size=3, padding="same"),
         (8, 28, 28, 128)),
    Case("throughput", "SeparableConv1D", dict(filters=64, kernel_size=3, padding="same"),
         (32, 256, 64)),
    Case("throughput", "Conv2DTranspose",
         dict(filters=64, kernel_size=3, strides=2, padding="same"), (8, 28, 28, 128)),
    Case("throughput", "Conv2DTranspose",
         dict(filters=64, kernel_size=4, strides=2, padding="same"), (16, 16, 16, 128)),
    Case("throughput", "Conv1DTranspose",
         dict(filters=64, kernel_size=3, strides=2, padding="same"), (32, 128, 64)),
    Case("throughput", "Conv1D", dict(filters=64, kernel_size=3, padding="causal"),
         (32, 256, 64)),
    Case("throughput", "AveragePooling1D", dict(pool_size=2), (32, 256, 64)),
    # DenseNet's transitions (2x2/2) and Inception's branches (3x3/1 'same')
    Case("throughput", "AveragePooling2D", dict(pool_size=2), (32, 56, 56, 128)),
    Case("throughput", "AveragePooling2D", dict(pool_size=3, strides=1, padding="same"),
         (32, 28, 28, 192)),
    # Volumes: the CT-scan 3D CNN's middle layers, a video block, a 3D decoder
    Case("throughput", "Conv3D", dict(filters=64, kernel_size=3, activation="relu"),
         (2, 32, 32, 16, 64)),
    Case("throughput", "Conv3D", dict(filters=32, kernel_size=3, padding="same"),
         (4, 8, 32, 32, 16)),
    Case("throughput", "Conv3DTranspose",
         dict(filters=32, kernel_size=3, strides=2, padding="same"), (2, 8, 16, 16, 64)),
    Case("throughput", "MaxPooling3D", dict(pool_size=2), (2, 32, 32, 16, 64)),
    Case("throughput", "AveragePooling3D", dict(pool_size=2), (2, 32, 32, 16, 64)),
    Case("throughput", "GlobalAveragePooling1D", {}, (32, 256, 64)),
    Case("throughput", "GlobalMaxPooling1D", {}, (32, 256, 64)),
    Case("throughput", "UpSampling2D", {}, (8, 56, 56, 64)),
    Case("throughput", "UpSampling2D", dict(interpolation="bilinear"), (8, 56, 56, 64)),
    Case("throughput", "UpSampling1D", {}, (32, 256, 64)),
    Case("throughput", "ZeroPadding1D", dict(padding=2), (32, 256, 64)),
    Case("throughput", "Cropping1D", dict(cropping=2), (32, 256, 64)),
    Case("throughput", "Resizing", dict(height=224, width=224), (8, 160, 160, 3)),
    Case("throughput", "CenterCrop", dict(height=224, width=224), (8, 256, 256, 3)),
    # ConvNeXt / EfficientNet / transformer-style blocks (issue 11, h11misc)
    Case("throughput", "LayerNormalization", dict(epsilon=1e-6), (32, 56, 56, 96)),
    Case("throughput", "GroupNormalization", dict(groups=32), (8, 56, 56, 128)),
    Case("throughput", "UnitNormalization", {}, (256, 1024)),
    Case("throughput", "Normalization", dict(mean=[0.5, 0.4, 0.3], variance=[0.1, 0.2, 0.3]),
         (32, 224, 224, 3)),
    Case("throughput", "PReLU", dict(shared_axes=[1, 2]), (32, 56, 56, 64)),
    Case("throughput", "Permute", dict(dims=(2, 1)), (64, 256, 128)),
    Case("throughput", "RepeatVector", dict(n=32), (256, 512)),
    # Audio front ends (opsnp): framing and a matmul per frame / FFT and mel matmul
    Case("throughput", "STFTSpectrogram", dict(frame_length=256, frame_step=128),
         (8, 16000, 1)),
    Case("throughput", "MelSpectrogram", dict(fft_length=512, sequence_stride=128,
                                              num_mel_bins=64), (8, 16000)),
    # Recurrent layers: a Python loop over 50 steps, one small product per step.
    Case("throughput", "LSTM", dict(units=64), (32, 50, 32)),
    Case("throughput", "GRU", dict(units=64, return_sequences=True), (32, 50, 32)),
    Case("throughput", "ConvLSTM2D", dict(filters=16, kernel_size=3, padding="same",
                                          return_sequences=True), (8, 10, 32, 32, 8)),
    # float64: both libraries compute in double precision.
    _conv((32, 28, 28, 128), 128, dtype="float64", **SAME),
    Case("throughput", "Dense", dict(units=4096), (1024, 4096), "float64"),
]

# --quick: one case of each kind, fewer repeats.
QUICK = [0, 3, 5, 7, 12, 13, 14, 15]
