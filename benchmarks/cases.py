"""The benchmark cases: one layer, its Keras arguments, an input shape and a dtype.

Each case is run by kerasmini, by tf.keras eagerly (`layer(x)`) and by tf.keras inside a
`tf.function`, on the same inputs and weights.
"""
from dataclasses import dataclass, field

import numpy as np

from kerasmini.ops.shapes import pair


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
        ph, pw = pair(self.args.get("pool_size", 2))
        return outputs * ph * pw


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
    # float64: both libraries compute in double precision.
    _conv((32, 28, 28, 128), 128, dtype="float64", **SAME),
    Case("throughput", "Dense", dict(units=4096), (1024, 4096), "float64"),
]

# --quick: one case of each kind, fewer repeats.
QUICK = [0, 3, 5, 7, 12, 13, 14, 15]
