"""The built-in layers whose `call()` is proven to record every path to its output.

While a GradientTape records, `Layer.__call__` checks that the layer's input and each of
its trainable weights reach the output through recorded operations (`call_recorded`):
a layer whose call leaves the tape is named in a NoGradientError instead of getting a
gradient of None. That check walks the tape after every layer call, a tenth of a small
training step. For the classes below, whose calls are kerasmini's own differentiable
kernels, tests/test_recording_fast_paths.py runs the check on every configuration the
gradient tests use, so the step skips it. A user's subclass is checked again (a class is
covered by its own module and name, never by inheritance), and so is a layer with a
user's activation function.

The classes are named, not imported, so that importing this file does not import them
(layers are imported on first use: kerasmini/lazy_exports.py).
"""
import importlib

TAPE_COVERED_NAMES = frozenset(f"kerasmini.layers.{path}" for path in (
    "core.dense.Dense", "convolutional.conv1d.Conv1D", "convolutional.conv2d.Conv2D",
    "pooling.max_pooling1d.MaxPooling1D", "pooling.max_pooling2d.MaxPooling2D",
    "pooling.average_pooling1d.AveragePooling1D",
    "pooling.average_pooling2d.AveragePooling2D",
    "pooling.global_average_pooling1d.GlobalAveragePooling1D",
    "pooling.global_average_pooling2d.GlobalAveragePooling2D",
    "pooling.global_max_pooling1d.GlobalMaxPooling1D",
    "pooling.global_max_pooling2d.GlobalMaxPooling2D",
    "reshaping.flatten.Flatten", "reshaping.reshape.Reshape",
    "reshaping.zero_padding2d.ZeroPadding2D", "reshaping.cropping2d.Cropping2D",
    "preprocessing.rescaling.Rescaling", "regularization.dropout.Dropout",
    "normalization.batch_normalization.BatchNormalization", "core.activation.Activation",
    "activations.relu.ReLU", "activations.leaky_relu.LeakyReLU", "activations.elu.ELU",
    "activations.softmax.Softmax",
))

_verdicts = {}  # class -> bool, so the step pays for the name once per class


def is_tape_covered(cls):
    """Whether `cls` itself (not a subclass of it) is one of the classes above."""
    verdict = _verdicts.get(cls)
    if verdict is None:
        verdict = _verdicts[cls] = f"{cls.__module__}.{cls.__qualname__}" in TAPE_COVERED_NAMES
    return verdict


def covered_classes():
    """The classes named above, imported."""
    classes = []
    for name in sorted(TAPE_COVERED_NAMES):
        module_name, class_name = name.rsplit(".", 1)
        classes.append(getattr(importlib.import_module(module_name), class_name))
    return tuple(classes)
