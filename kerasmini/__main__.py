"""`python -m kerasmini`: the seed example, ten 16x8 RGB images through Conv2D."""
import numpy as np

from kerasmini import layers


def seed_example():
    x = np.random.default_rng(0).random((10, 8, 16, 3), dtype=np.float32)
    lines = [f"input shape {x.shape}  (batch, height, width, channels)"]
    for padding in ("valid", "same"):
        conv = layers.Conv2D(filters=5, kernel_size=3, strides=(2, 2), padding=padding)
        y = conv(x)
        lines.append(f"Conv2D(filters=5, kernel_size=3, strides=(2, 2), padding='{padding}')"
                     f" -> {y.shape}, {conv.count_params()} parameters")
    return "\n".join(lines)


if __name__ == "__main__":
    print(seed_example())
