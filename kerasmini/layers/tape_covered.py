"""The built-in layers whose `call()` is proven to record every path to its output.

While a GradientTape records, `Layer.__call__` checks that the layer's input and each of
its trainable weights reach the output through recorded operations (`call_recorded`):
a layer whose call leaves the tape is named in a NoGradientError instead of getting a
gradient of None. That check walks the tape after every layer call, a tenth of a small
training step. For the classes below, whose calls are kerasmini's own differentiable
kernels, tests/test_recording_fast_paths.py runs the check on every configuration the
gradient tests use, so the step skips it. A user's subclass is checked again (the flag
is read from the class itself, not inherited), and so is a layer with a user's
activation function.
"""
from kerasmini.layers.activations.elu import ELU
from kerasmini.layers.activations.leaky_relu import LeakyReLU
from kerasmini.layers.activations.relu import ReLU
from kerasmini.layers.activations.softmax import Softmax
from kerasmini.layers.convolutional.conv1d import Conv1D
from kerasmini.layers.convolutional.conv2d import Conv2D
from kerasmini.layers.core.activation import Activation
from kerasmini.layers.core.dense import Dense
from kerasmini.layers.normalization.batch_normalization import BatchNormalization
from kerasmini.layers.pooling.average_pooling1d import AveragePooling1D
from kerasmini.layers.pooling.average_pooling2d import AveragePooling2D
from kerasmini.layers.pooling.global_average_pooling1d import GlobalAveragePooling1D
from kerasmini.layers.pooling.global_average_pooling2d import GlobalAveragePooling2D
from kerasmini.layers.pooling.global_max_pooling1d import GlobalMaxPooling1D
from kerasmini.layers.pooling.global_max_pooling2d import GlobalMaxPooling2D
from kerasmini.layers.pooling.max_pooling1d import MaxPooling1D
from kerasmini.layers.pooling.max_pooling2d import MaxPooling2D
from kerasmini.layers.preprocessing.rescaling import Rescaling
from kerasmini.layers.regularization.dropout import Dropout
from kerasmini.layers.reshaping.cropping2d import Cropping2D
from kerasmini.layers.reshaping.flatten import Flatten
from kerasmini.layers.reshaping.reshape import Reshape
from kerasmini.layers.reshaping.zero_padding2d import ZeroPadding2D

TAPE_COVERED = (
    Dense, Conv1D, Conv2D, MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D,
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
    Flatten, Reshape, ZeroPadding2D, Cropping2D, Rescaling, Dropout, BatchNormalization,
    Activation, ReLU, LeakyReLU, ELU, Softmax,
)

for _cls in TAPE_COVERED:
    _cls._tape_covered = True
