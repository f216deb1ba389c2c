"""Models built from the layers Keras 3 added late (adaptive pooling, ...), one per
family, built in tf.keras and run by applications.check() as the graphs of graphs.py
(loaded by kerasmini, every layer call compared, summary(), .weights.h5 both ways,
legacy .h5, saved back). Each builder returns a tf.keras model."""
from conformance.models import tf_keras

keras = tf_keras()  # fails loudly here without TensorFlow
L = keras.layers


def adaptive_pooling():
    """Every adaptive pooling layer: 2D heads of two sizes, a 1D pooling over the rows
    (bins that overlap and that repeat positions) and a 3D pooling of the feature volume,
    channels_first too. (No axis of length 1 and no output_size 1 for the max: tf.keras
    3.15 dies of SIGFPE on them, see grids_layers.ADAPTIVE.)"""
    inputs = keras.Input((19, 14, 3))
    x = L.Conv2D(6, 3, activation="relu")(inputs)                     # (17, 12, 6)
    heads = [L.AdaptiveAveragePooling2D((5, 4))(x),
             L.AdaptiveMaxPooling2D(3, data_format="channels_first")(x)]
    rows = L.Reshape((17, 72))(x)
    heads += [L.AdaptiveMaxPooling1D(6)(rows), L.AdaptiveAveragePooling1D(20)(rows)]
    volume = L.Reshape((17, 12, 3, 2))(x)
    heads += [L.AdaptiveAveragePooling3D((4, 5, 2))(volume),
              L.AdaptiveMaxPooling3D((3, 4, 2), data_format="channels_first")(
                  L.Permute((4, 1, 2, 3))(volume))]
    features = L.Concatenate()([L.Flatten()(h) for h in heads])
    return keras.Model(inputs, L.Dense(4, activation="softmax")(features),
                       name="adaptive_pooling")


def normalized_selu_net():
    """RMSNormalization (last axis and two axes), SpectralNormalization around Dense and
    Conv1D (kernel, vector_u and the wrapped layer's weights in the file), AlphaDropout
    between SELU layers. (Not around the Embedding: tf.keras 3.15 casts its output to the
    integer ids' dtype, see divergences.SPECTRAL_CAST_TO_INPUT_DTYPE.)"""
    tokens = keras.Input((6,), dtype="int32")
    x = L.Embedding(200, 8)(tokens)  # sample_input draws ids below 200
    x = L.Activation("relu")(L.SpectralNormalization(L.Conv1D(8, 3), power_iterations=2)(x))
    x = L.RMSNormalization(axis=[-2, -1], epsilon=1e-3)(x)
    x = L.Dense(12, activation="selu")(L.Flatten()(x))
    x = L.AlphaDropout(0.1)(x)
    x = L.RMSNormalization()(L.SpectralNormalization(L.Dense(6, activation="selu"))(x))
    return keras.Model(tokens, L.Dense(3)(x), name="normalized_selu_net")


def stacked_cells():
    """RNN over lists of cells (StackedRNNCells): a sequence-to-sequence stack of an
    LSTMCell and a GRUCell (reset_after=False), then a SimpleRNNCell and an LSTMCell
    read backwards; the file holds them under rnn/cell/cells/<cell>."""
    inputs = keras.Input((7, 5))
    x = L.RNN([L.LSTMCell(6), L.GRUCell(4, reset_after=False)], return_sequences=True)(inputs)
    x = L.RNN(L.StackedRNNCells([L.SimpleRNNCell(3), L.LSTMCell(2)]), go_backwards=True)(x)
    return keras.Model(inputs, L.Dense(2)(x), name="stacked_cells")


NEWER_LAYERS = {"adaptive_pooling": adaptive_pooling,
                "normalized_selu_net": normalized_selu_net, "stacked_cells": stacked_cells}
