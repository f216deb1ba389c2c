"""`python -m kerasmini`: the seed example, ten 16x8 RGB images through Conv2D.

`python -m kerasmini explain "Conv2D(filters=5, kernel_size=3, strides=(2, 2))"
--input-shape 10,8,16,3` derives a layer's output shape in words (kerasmini/explain/cli.py).
`python -m kerasmini check model.keras` compares every layer with tf.keras (kerasmini/check/).
"""
import importlib
import os
import sys

import numpy as np

from kerasmini import layers
from kerasmini.explain.derivations import padding_comparison

COMMANDS = {"explain": "kerasmini.explain.cli", "check": "kerasmini.check.cli",
            "inspect": "kerasmini.inspection.cli"}


def seed_example():
    x = np.random.default_rng(0).random((10, 8, 16, 3), dtype=np.float32)
    lines = [f"input shape {x.shape}  (batch, height, width, channels)"]
    for padding in ("valid", "same"):
        conv = layers.Conv2D(filters=5, kernel_size=3, strides=(2, 2), padding=padding)
        y = conv(x)
        lines.append(f"Conv2D(filters=5, kernel_size=3, strides=(2, 2), padding='{padding}')"
                     f" -> {y.shape}, {conv.count_params()} parameters")
    lines.append(padding_comparison("width:  16", 16, 3, 2))
    lines.append(padding_comparison("height: 8", 8, 3, 2))
    lines.append("parameters: 3 * 3 * 3 * 5 + 5 = 140 (kernel 3x3, 3 input channels, "
                 "5 filters, plus 5 biases)")
    lines.append('full derivation: python -m kerasmini explain "Conv2D(filters=5, '
                 'kernel_size=3, strides=(2, 2))" --input-shape 10,8,16,3')
    return "\n".join(lines)


def main(argv):
    if argv and argv[0] in COMMANDS:
        module = importlib.import_module(COMMANDS[argv[0]])
        return module.main(argv[1:])
    if argv:
        print(f"usage: python -m kerasmini [explain LAYER ... --input-shape SHAPE | "
              f"check MODEL ... | inspect MODEL]\n"
              f"unknown command: {argv[0]}", file=sys.stderr)
        return 2
    print(seed_example())
    return 0


def run(argv):
    """main(), and a quiet exit when the reader closes the pipe (`| head`)."""
    try:
        status = main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would print a traceback flushing stdout at exit: point it at devnull.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a command ended by a closed pipe
    return status


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
