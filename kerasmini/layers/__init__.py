"""`from kerasmini import layers` stands in for `from tensorflow.keras import layers`."""
from kerasmini.layers.activations.elu import ELU
from kerasmini.layers.activations.leaky_relu import LeakyReLU
from kerasmini.layers.activations.prelu import PReLU
from kerasmini.layers.activations.relu import ReLU
from kerasmini.layers.activations.softmax import Softmax
from kerasmini.layers.attention.additive_attention import AdditiveAttention
from kerasmini.layers.attention.attention import Attention
from kerasmini.layers.attention.multi_head_attention import MultiHeadAttention
from kerasmini.layers.convolutional.conv1d import Conv1D
from kerasmini.layers.convolutional.conv1d_transpose import Conv1DTranspose
from kerasmini.layers.convolutional.conv2d import Conv2D
from kerasmini.layers.convolutional.conv2d_transpose import Conv2DTranspose
from kerasmini.layers.convolutional.conv3d import Conv3D
from kerasmini.layers.convolutional.conv3d_transpose import Conv3DTranspose
from kerasmini.layers.convolutional.depthwise_conv1d import DepthwiseConv1D
from kerasmini.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from kerasmini.layers.convolutional.separable_conv1d import SeparableConv1D
from kerasmini.layers.convolutional.separable_conv2d import SeparableConv2D
from kerasmini.layers.core.activation import Activation
from kerasmini.layers.core.dense import Dense
from kerasmini.layers.core.einsum_dense import EinsumDense
from kerasmini.layers.core.embedding import Embedding
from kerasmini.layers.core.identity import Identity
from kerasmini.layers.core.input_layer import Input, InputLayer
from kerasmini.layers.core.masking import Masking
from kerasmini.layers.core.wrapper import Wrapper
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.layers.merging.add import Add, add
from kerasmini.layers.merging.average import Average, average
from kerasmini.layers.merging.concatenate import Concatenate, concatenate
from kerasmini.layers.merging.dot import Dot, dot
from kerasmini.layers.merging.maximum import Maximum, maximum
from kerasmini.layers.merging.minimum import Minimum, minimum
from kerasmini.layers.merging.multiply import Multiply, multiply
from kerasmini.layers.merging.subtract import Subtract, subtract
from kerasmini.layers.normalization.batch_normalization import BatchNormalization
from kerasmini.layers.normalization.group_normalization import GroupNormalization
from kerasmini.layers.normalization.layer_normalization import LayerNormalization
from kerasmini.layers.normalization.rms_normalization import RMSNormalization
from kerasmini.layers.normalization.spectral_normalization import SpectralNormalization
from kerasmini.layers.normalization.unit_normalization import UnitNormalization
from kerasmini.layers.pooling.adaptive_average_pooling1d import AdaptiveAveragePooling1D
from kerasmini.layers.pooling.adaptive_average_pooling2d import AdaptiveAveragePooling2D
from kerasmini.layers.pooling.adaptive_average_pooling3d import AdaptiveAveragePooling3D
from kerasmini.layers.pooling.adaptive_max_pooling1d import AdaptiveMaxPooling1D
from kerasmini.layers.pooling.adaptive_max_pooling2d import AdaptiveMaxPooling2D
from kerasmini.layers.pooling.adaptive_max_pooling3d import AdaptiveMaxPooling3D
from kerasmini.layers.pooling.average_pooling1d import AveragePooling1D, AvgPool1D
from kerasmini.layers.pooling.average_pooling2d import AveragePooling2D, AvgPool2D
from kerasmini.layers.pooling.average_pooling3d import AveragePooling3D, AvgPool3D
from kerasmini.layers.pooling.global_average_pooling1d import (GlobalAveragePooling1D,
                                                               GlobalAvgPool1D)
from kerasmini.layers.pooling.global_average_pooling2d import (GlobalAveragePooling2D,
                                                               GlobalAvgPool2D)
from kerasmini.layers.pooling.global_average_pooling3d import (GlobalAveragePooling3D,
                                                               GlobalAvgPool3D)
from kerasmini.layers.pooling.global_max_pooling1d import (GlobalMaxPool1D,
                                                           GlobalMaxPooling1D)
from kerasmini.layers.pooling.global_max_pooling2d import (GlobalMaxPool2D,
                                                           GlobalMaxPooling2D)
from kerasmini.layers.pooling.global_max_pooling3d import (GlobalMaxPool3D,
                                                           GlobalMaxPooling3D)
from kerasmini.layers.pooling.max_pooling1d import MaxPool1D, MaxPooling1D
from kerasmini.layers.pooling.max_pooling2d import MaxPool2D, MaxPooling2D
from kerasmini.layers.pooling.max_pooling3d import MaxPool3D, MaxPooling3D
from kerasmini.layers.preprocessing.category_encoding import CategoryEncoding
from kerasmini.layers.preprocessing.center_crop import CenterCrop
from kerasmini.layers.preprocessing.discretization import Discretization
from kerasmini.layers.preprocessing.hashing import Hashing
from kerasmini.layers.preprocessing.integer_lookup import IntegerLookup
from kerasmini.layers.preprocessing.normalization import Normalization
from kerasmini.layers.preprocessing.random_brightness import RandomBrightness
from kerasmini.layers.preprocessing.random_contrast import RandomContrast
from kerasmini.layers.preprocessing.random_crop import RandomCrop
from kerasmini.layers.preprocessing.random_flip import RandomFlip
from kerasmini.layers.preprocessing.random_rotation import RandomRotation
from kerasmini.layers.preprocessing.random_translation import RandomTranslation
from kerasmini.layers.preprocessing.random_zoom import RandomZoom
from kerasmini.layers.preprocessing.rescaling import Rescaling
from kerasmini.layers.preprocessing.string_lookup import StringLookup
from kerasmini.layers.preprocessing.resizing import Resizing
from kerasmini.layers.regularization.activity_regularization import ActivityRegularization
from kerasmini.layers.regularization.alpha_dropout import AlphaDropout
from kerasmini.layers.regularization.dropout import Dropout
from kerasmini.layers.regularization.gaussian_dropout import GaussianDropout
from kerasmini.layers.regularization.gaussian_noise import GaussianNoise
from kerasmini.layers.regularization.spatial_dropout import (SpatialDropout1D, SpatialDropout2D,
                                                          SpatialDropout3D)
from kerasmini.layers.rnn.bidirectional import Bidirectional
from kerasmini.layers.rnn.gru import GRU, GRUCell
from kerasmini.layers.rnn.lstm import LSTM, LSTMCell
from kerasmini.layers.rnn.rnn import RNN
from kerasmini.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell
from kerasmini.layers.rnn.time_distributed import TimeDistributed
from kerasmini.layers.reshaping.cropping1d import Cropping1D
from kerasmini.layers.reshaping.cropping2d import Cropping2D
from kerasmini.layers.reshaping.cropping3d import Cropping3D
from kerasmini.layers.reshaping.flatten import Flatten
from kerasmini.layers.reshaping.permute import Permute
from kerasmini.layers.reshaping.repeat_vector import RepeatVector
from kerasmini.layers.reshaping.reshape import Reshape
from kerasmini.layers.reshaping.up_sampling1d import UpSampling1D
from kerasmini.layers.reshaping.up_sampling2d import UpSampling2D
from kerasmini.layers.reshaping.up_sampling3d import UpSampling3D
from kerasmini.layers.reshaping.zero_padding1d import ZeroPadding1D
from kerasmini.layers.reshaping.zero_padding2d import ZeroPadding2D
from kerasmini.layers.reshaping.zero_padding3d import ZeroPadding3D
from kerasmini.layers import tape_covered  # noqa: F401  (marks the classes it lists)

Convolution1D = Conv1D
Convolution1DTranspose = Conv1DTranspose
Convolution2D = Conv2D
Convolution2DTranspose = Conv2DTranspose
Convolution3D = Conv3D
Convolution3DTranspose = Conv3DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D

__all__ = [
    "Activation", "ActivityRegularization", "AdaptiveAveragePooling1D",
    "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D",
    "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D", "Add", "AdditiveAttention",
    "AlphaDropout", "Attention", "Average", "AveragePooling1D", "AveragePooling2D",
    "AveragePooling3D", "AvgPool1D", "AvgPool2D", "AvgPool3D", "BatchNormalization",
    "Bidirectional", "CategoryEncoding", "CenterCrop", "Concatenate", "Conv1D",
    "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose",
    "Convolution1D", "Convolution1DTranspose", "Convolution2D", "Convolution2DTranspose",
    "Convolution3D", "Convolution3DTranspose", "Cropping1D", "Cropping2D", "Cropping3D",
    "Dense", "DepthwiseConv1D", "DepthwiseConv2D", "Discretization", "Dot", "Dropout",
    "ELU", "EinsumDense", "Embedding", "Flatten", "GRU", "GRUCell", "GaussianDropout",
    "GaussianNoise", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
    "GlobalAveragePooling3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalMaxPooling1D",
    "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GroupNormalization", "Hashing", "Identity",
    "Input", "InputLayer", "InputSpec", "IntegerLookup", "LSTM", "LSTMCell", "Layer",
    "LayerNormalization", "LeakyReLU", "Masking", "MaxPool1D", "MaxPool2D", "MaxPool3D",
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "Maximum", "Minimum",
    "MultiHeadAttention", "Multiply", "Normalization", "PReLU", "Permute",
    "RMSNormalization", "RNN", "RandomBrightness", "RandomContrast", "RandomCrop",
    "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "ReLU",
    "RepeatVector", "Rescaling", "Reshape", "Resizing", "SeparableConv1D",
    "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D", "SimpleRNN",
    "SimpleRNNCell", "Softmax", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
    "SpectralNormalization", "StringLookup", "Subtract", "TimeDistributed",
    "UnitNormalization", "UpSampling1D", "UpSampling2D", "UpSampling3D", "Wrapper",
    "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "add", "average", "concatenate",
    "dot", "maximum", "minimum", "multiply", "subtract",
]
