"""`from kerasmini import layers` stands in for `from tensorflow.keras import layers`."""
from kerasmini.layers.convolutional.conv2d import Conv2D
from kerasmini.layers.core.dense import Dense
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.layers.pooling.max_pooling2d import MaxPool2D, MaxPooling2D

Convolution2D = Conv2D

__all__ = ["Conv2D", "Convolution2D", "Dense", "InputSpec", "Layer", "MaxPool2D",
           "MaxPooling2D"]
