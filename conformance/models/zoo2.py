"""The second zoo: more architectures users bring, as keras.io examples and papers write
them (their custom layers in zoo2_layers.py, registered as `zoo2>Name`), small.

Each builder returns a tf.keras model; test_zoo2.py runs each through files both ways,
`kerasmini check` (or a layer-by-layer comparison), summary() and, for a few, a fit.
INT_RANGES bounds the integer inputs whose ids are not tokens (segment ids, categories).
"""
import numpy as np

from conformance.models import tf_keras
from conformance.models.zoo2_layers import user_layers

keras = tf_keras()  # fails loudly here without TensorFlow
L, ops = keras.layers, keras.ops
TF_LAYERS = user_layers(keras)
INT_RANGES = {"segment_ids": 2, "genre": 5}


def _mlp(x, units, activation="gelu"):
    for width in units:
        x = L.Dense(width, activation=activation)(x)
    return x


# ----- language ---------------------------------------------------------------------------
def mini_gpt():
    """keras.io text_generation_with_miniature_gpt (smaller): TokenAndPositionEmbedding,
    a causal TransformerBlock (its mask built by keras.ops in call), logits, and the
    block's output as a second output, as the example returns."""
    inputs = keras.Input((10,), dtype="int32")
    x = TF_LAYERS["TokenAndPositionEmbedding"](10, 200, 16)(inputs)
    x = TF_LAYERS["GPTBlock"](16, 2, 32)(x)
    return keras.Model(inputs, [L.Dense(200)(x), x], name="mini_gpt")


def nmt_transformer():
    """keras.io neural_machine_translation_with_transformer (smaller): a masked
    PositionalEmbedding, TransformerEncoder and TransformerDecoder (supports_masking,
    compute_mask), the decoder a nested two-input model."""
    encoder_inputs = keras.Input((10,), dtype="int64", name="encoder_inputs")
    x = TF_LAYERS["PositionalEmbedding"](10, 200, 16)(encoder_inputs)
    encoder_outputs = TF_LAYERS["TransformerEncoder"](16, 32, 2)(x)
    decoder_inputs = keras.Input((8,), dtype="int64", name="decoder_inputs")
    states = keras.Input((10, 16), name="decoder_state_inputs")
    x = TF_LAYERS["PositionalEmbedding"](8, 200, 16)(decoder_inputs)
    x = TF_LAYERS["TransformerDecoder"](16, 32, 2)([x, states])
    decoder = keras.Model([decoder_inputs, states],
                          L.Dense(200, activation="softmax")(L.Dropout(0.5)(x)),
                          name="decoder")
    return keras.Model([encoder_inputs, decoder_inputs],
                       decoder([decoder_inputs, encoder_outputs]), name="nmt_transformer")


def bert_like():
    """A BERT-style encoder: token (mask_zero), segment and learned position
    embeddings summed, LayerNormalization, a masked encoder block, and the pooler (tanh
    Dense on the [CLS] position, x[:, 0]); outputs the sequence and the pooled vector."""
    tokens = keras.Input((12,), dtype="int32", name="token_ids")
    segments = keras.Input((12,), dtype="int32", name="segment_ids")
    x = L.Add()([L.Embedding(200, 16, mask_zero=True, name="token_embedding")(tokens),
                 L.Embedding(2, 16, name="segment_embedding")(segments)])
    x = TF_LAYERS["AddPositionEmbedding"](name="position_embedding")(x)
    x = L.LayerNormalization(epsilon=1e-12, name="embeddings_norm")(x)
    y = L.MultiHeadAttention(2, 8, name="self_attention")(x, x)
    x = L.LayerNormalization(epsilon=1e-12)(L.Add()([x, y]))
    y = L.Dense(16)(L.Dense(32, activation="gelu")(x))
    sequence = L.LayerNormalization(epsilon=1e-12)(L.Add()([x, y]))
    pooled = L.Dense(16, activation="tanh", name="pooler")(sequence[:, 0])
    return keras.Model({"token_ids": tokens, "segment_ids": segments},
                       {"sequence_output": sequence, "pooled_output": pooled},
                       name="bert_like")


def timeseries_transformer():
    """keras.io timeseries_classification_transformer (smaller): MultiHeadAttention,
    Conv1D feed-forward, post-norm residuals, GlobalAveragePooling1D channels_first."""
    inputs = keras.Input((16, 2))
    x = inputs
    for _ in range(2):
        y = L.MultiHeadAttention(key_dim=8, num_heads=2, dropout=0.1)(x, x)
        res = L.LayerNormalization(epsilon=1e-6)(L.Dropout(0.1)(y)) + x
        y = L.Conv1D(filters=4, kernel_size=1, activation="relu")(res)
        y = L.Conv1D(filters=x.shape[-1], kernel_size=1)(L.Dropout(0.1)(y))
        x = L.LayerNormalization(epsilon=1e-6)(y) + res
    x = L.GlobalAveragePooling1D(data_format="channels_first")(x)
    x = L.Dropout(0.1)(L.Dense(8, activation="relu")(x))
    return keras.Model(inputs, L.Dense(3, activation="softmax")(x),
                       name="timeseries_transformer")


def speech_ctc():
    """keras.io ctc_asr's DeepSpeech2-like model (smaller): a spectrogram of any length
    as an image (Reshape), two strided Conv2D with BatchNormalization, the frequency
    axis folded into the features, a Bidirectional GRU, per-frame softmax."""
    spectrogram = keras.Input((None, 16), name="input")
    x = L.Reshape((-1, 16, 1), name="expand_dim")(spectrogram)
    x = L.Conv2D(4, [5, 7], strides=[2, 2], padding="same", use_bias=False)(x)
    x = L.ReLU()(L.BatchNormalization()(x))
    x = L.Conv2D(4, [5, 5], strides=[1, 2], padding="same", use_bias=False)(x)
    x = L.ReLU()(L.BatchNormalization()(x))
    x = L.Reshape((-1, x.shape[-2] * x.shape[-1]))(x)
    x = L.Bidirectional(L.GRU(6, activation="tanh", recurrent_activation="sigmoid",
                              use_bias=True, return_sequences=True, reset_after=True))(x)
    x = L.Dropout(0.5)(L.ReLU()(L.Dense(8)(x)))
    return keras.Model(spectrogram, L.Dense(6, activation="softmax")(x), name="speech_ctc")


# ----- vision -----------------------------------------------------------------------------
def swin_window_attention():
    """keras.io swin_transformers' core (smaller): patch embedding, windows partitioned
    and merged back by Reshape/Permute, WindowAttention with a relative position bias,
    a residual MLP, pooling."""
    inputs = keras.Input((16, 16, 3))
    x = L.Conv2D(8, 2, strides=2)(inputs)  # (8, 8, 8): 4 windows of 4x4 tokens
    shortcut = x
    y = L.LayerNormalization(epsilon=1e-5)(x)
    y = L.Permute((1, 3, 2, 4, 5))(L.Reshape((2, 4, 2, 4, 8))(y))
    y = TF_LAYERS["WindowAttention"](8, 4, 2)(L.Reshape((4, 16, 8))(y))
    y = L.Reshape((8, 8, 8))(L.Permute((1, 3, 2, 4, 5))(L.Reshape((2, 2, 4, 4, 8))(y)))
    x = L.Add()([shortcut, y])
    x = L.Add()([x, _mlp(L.LayerNormalization(epsilon=1e-5)(x), (16, 8))])
    x = L.Dense(8)(x)
    x = L.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, L.Dense(4, activation="softmax")(x), name="swin")


def convnext_blocks():
    """ConvNeXt (keras.applications' block, smaller): patchify stem with channels-last
    LayerNormalization, blocks of 7x7 DepthwiseConv2D, LayerNorm, inverted Dense MLP,
    LayerScale and StochasticDepth on the residual branch."""
    inputs = keras.Input((16, 16, 3))
    x = L.LayerNormalization(epsilon=1e-6)(L.Conv2D(8, 4, strides=4)(inputs))
    for rate in (0.0, 0.1):
        y = L.DepthwiseConv2D(7, padding="same")(x)
        y = L.Dense(8)(L.Activation("gelu")(L.Dense(32)(L.LayerNormalization(
            epsilon=1e-6)(y))))
        y = TF_LAYERS["LayerScale"](0.5, 8)(y)
        x = L.Add()([x, TF_LAYERS["StochasticDepth"](rate)(y)])
    x = L.LayerNormalization(epsilon=1e-6)(L.GlobalAveragePooling2D()(x))
    return keras.Model(inputs, L.Dense(4, activation="softmax")(x), name="convnext")


def cct():
    """keras.io cct (compact convolutional transformer, smaller): a convolutional
    tokenizer, learned positions, a transformer block with StochasticDepth, SeqPool."""
    inputs = keras.Input((16, 16, 3))
    x = L.MaxPooling2D(3, 2, padding="same")(L.Conv2D(8, 3, padding="same",
                                                       activation="relu")(inputs))
    x = L.MaxPooling2D(3, 2, padding="same")(L.Conv2D(16, 3, padding="same",
                                                       activation="relu")(x))
    x = TF_LAYERS["AddPositionEmbedding"]()(L.Reshape((16, 16))(x))
    y = L.MultiHeadAttention(num_heads=2, key_dim=16, dropout=0.1)(
        L.LayerNormalization(epsilon=1e-5)(x), L.LayerNormalization(epsilon=1e-5)(x))
    x = L.Add()([TF_LAYERS["StochasticDepth"](0.1)(y), x])
    y = _mlp(L.LayerNormalization(epsilon=1e-5)(x), (16, 16))
    x = L.Add()([TF_LAYERS["StochasticDepth"](0.1)(y), x])
    x = TF_LAYERS["SequencePooling"]()(L.LayerNormalization(epsilon=1e-5)(x))
    return keras.Model(inputs, L.Dense(4)(x), name="cct")


def mobilevit():
    """keras.io mobilevit (smaller): MobileNetV2 inverted residuals, then a MobileViT
    block: local 3x3 features, unfolded into (patch area, patches, d) by Reshape, a
    transformer over 4-D tokens (attention over two axes), folded back, fused."""
    inputs = keras.Input((16, 16, 3))
    x = L.Conv2D(8, 3, strides=2, padding="same", activation="swish")(inputs)
    y = L.Activation("swish")(L.BatchNormalization()(L.Conv2D(16, 1, use_bias=False)(x)))
    y = L.Activation("swish")(L.BatchNormalization()(L.DepthwiseConv2D(
        3, padding="same", use_bias=False)(y)))
    x = L.Add()([x, L.BatchNormalization()(L.Conv2D(8, 1, use_bias=False)(y))])
    local = L.Conv2D(8, 1, activation="swish")(L.Conv2D(8, 3, padding="same",
                                                         activation="swish")(x))
    patches = L.Reshape((4, 16, 8))(local)
    y = L.LayerNormalization(epsilon=1e-6)(patches)
    y = L.Add()([L.MultiHeadAttention(num_heads=2, key_dim=8)(y, y), patches])
    y = L.Add()([_mlp(L.LayerNormalization(epsilon=1e-6)(y), (16, 8), "swish"), y])
    folded = L.Conv2D(8, 1, activation="swish")(L.Reshape((8, 8, 8))(y))
    x = L.Conv2D(8, 3, padding="same", activation="swish")(L.Concatenate(-1)([x, folded]))
    x = L.GlobalAvgPool2D()(x)
    return keras.Model(inputs, L.Dense(4, activation="softmax")(x), name="mobilevit")


def involution_net():
    """keras.io involution (smaller): Involution layers (a generated kernel per pixel,
    two outputs each, the kernel unused), ReLU, MaxPooling, a classifier."""
    inputs = keras.Input((12, 12, 3))
    x, _ = TF_LAYERS["Involution"](3, 1, 3, 1, 2, name="inv_1")(inputs)
    x = L.MaxPooling2D(2)(L.ReLU()(x))
    x, _ = TF_LAYERS["Involution"](3, 1, 3, 2, 1, name="inv_2")(x)
    x = L.Flatten()(L.ReLU()(x))
    return keras.Model(inputs, L.Dense(3)(x), name="involution")


def eanet():
    """keras.io eanet (external attention, smaller): two learned memories (Dense)
    replace self-attention, double-normalized; keras.ops reshape/transpose/sum calls
    in the functional graph."""
    inputs = keras.Input((16, 16, 3))
    x = L.Reshape((16, 12))(L.Conv2D(12, 4, strides=4)(inputs))  # 16 patches
    heads, coefficient, dim = 2, 2, 12
    y = L.Dense(dim * coefficient)(L.LayerNormalization(epsilon=1e-5)(x))
    y = ops.transpose(ops.reshape(y, (-1, 16, heads * coefficient,
                                      dim // heads)), axes=[0, 2, 1, 3])
    attention = L.Softmax(axis=2)(L.Dense(dim // coefficient)(y))
    attention = ops.divide(attention, 1e-9 + ops.sum(attention, axis=-1, keepdims=True))
    y = L.Dense(dim // heads)(attention)
    y = ops.reshape(ops.transpose(y, axes=[0, 2, 1, 3]), [-1, 16, dim * coefficient])
    x = L.Add()([x, L.Dense(dim)(y)])
    x = L.Add()([x, _mlp(L.LayerNormalization(epsilon=1e-5)(x), (24, 12))])
    x = L.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, L.Dense(3, activation="softmax")(x), name="eanet")


def perceiver():
    """keras.io perceiver_image_classification (smaller): patches by
    extract_patches, projected; a learned latent array cross-attends to them, then a
    latent self-attention block; pooled latents classified."""
    inputs = keras.Input((8, 8, 3))
    data = L.Dense(8)(TF_LAYERS["Patches"](2)(inputs))  # (16 patches, 8)
    latents = TF_LAYERS["LatentArray"](4, 8)(inputs)
    query = L.LayerNormalization(epsilon=1e-6)(latents)
    key = L.LayerNormalization(epsilon=1e-6)(data)
    x = L.Add()([L.MultiHeadAttention(num_heads=1, key_dim=8)(query, key), latents])
    x = L.Add()([_mlp(L.LayerNormalization(epsilon=1e-6)(x), (16, 8)), x])
    y = L.LayerNormalization(epsilon=1e-6)(x)
    x = L.Add()([L.MultiHeadAttention(num_heads=2, key_dim=4)(y, y), x])
    x = L.GlobalAveragePooling1D()(L.LayerNormalization(epsilon=1e-6)(x))
    return keras.Model(inputs, L.Dense(3)(x), name="perceiver")


def denoising_autoencoder():
    """keras.io autoencoder (denoising, smaller): Conv2D/MaxPooling encoder,
    Conv2DTranspose (stride 2) decoder, sigmoid reconstruction."""
    inputs = keras.Input((16, 16, 1))
    x = L.Conv2D(8, 3, activation="relu", padding="same")(inputs)
    x = L.MaxPooling2D((2, 2), padding="same")(x)
    x = L.Conv2D(8, 3, activation="relu", padding="same")(x)
    x = L.MaxPooling2D((2, 2), padding="same")(x)
    x = L.Conv2DTranspose(8, 3, strides=2, activation="relu", padding="same")(x)
    x = L.Conv2DTranspose(8, 3, strides=2, activation="relu", padding="same")(x)
    outputs = L.Conv2D(1, 3, activation="sigmoid", padding="same")(x)
    return keras.Model(inputs, outputs, name="denoising_autoencoder")


def yolo_heads():
    """A YOLOv3-style detector (tiny): a backbone, two detection heads at two scales
    (the coarse one upsampled and concatenated into the fine one) reshaped to (grid,
    grid, anchors, 5 + classes), and an image-level class head: three outputs of
    different shapes, a list."""
    inputs = keras.Input((16, 16, 3))
    x = L.LeakyReLU(0.1)(L.BatchNormalization()(L.Conv2D(8, 3, padding="same",
                                                          use_bias=False)(inputs)))
    fine = L.MaxPooling2D(2)(x)                                         # 8 x 8
    coarse = L.MaxPooling2D(2)(L.Conv2D(16, 3, padding="same")(fine))   # 4 x 4
    coarse = L.LeakyReLU(0.1)(coarse)
    big = L.Reshape((4, 4, 2, 7), name="coarse_boxes")(L.Conv2D(14, 1)(coarse))
    up = L.UpSampling2D(2)(L.Conv2D(4, 1)(coarse))
    fine = L.LeakyReLU(0.1)(L.Conv2D(8, 3, padding="same")(L.Concatenate()([up, fine])))
    small = L.Reshape((8, 8, 2, 7), name="fine_boxes")(L.Conv2D(14, 1)(fine))
    label = L.Dense(2, activation="softmax", name="label")(
        L.GlobalMaxPooling2D()(coarse))
    return keras.Model(inputs, [big, small, label], name="yolo_heads")


def _vgg_like():
    inputs = keras.Input((16, 16, 3))
    x = inputs
    for block, filters in ((1, 4), (2, 8)):
        for conv in (1, 2):
            x = L.Conv2D(filters, 3, activation="relu", padding="same",
                         name=f"block{block}_conv{conv}")(x)
        x = L.MaxPooling2D(2, name=f"block{block}_pool")(x)
    return keras.Model(inputs, x, name="vgg_like")


def style_features():
    """keras.io neural_style_transfer's feature extractor: a Model on another model's
    inputs whose outputs are a dict of its intermediate layers' outputs."""
    base = _vgg_like()
    outputs = {layer.name: layer.output for layer in base.layers}
    return keras.Model(inputs=base.inputs, outputs=outputs, name="style_features")


def video_classifier():
    """Frames through TimeDistributed(Conv2D), TimeDistributed(MaxPooling2D),
    TimeDistributed(GlobalAveragePooling2D), then a GRU over time."""
    frames = keras.Input((4, 10, 10, 1))
    x = L.TimeDistributed(L.Conv2D(4, 3, activation="relu"))(frames)
    x = L.TimeDistributed(L.MaxPooling2D(2))(x)
    x = L.TimeDistributed(L.Conv2D(8, 3, activation="relu"))(x)
    x = L.TimeDistributed(L.GlobalAveragePooling2D())(x)
    return keras.Model(frames, L.Dense(3, activation="softmax")(L.GRU(6)(x)),
                       name="video_classifier")


# ----- points, graphs, tables --------------------------------------------------------------
def pointnet():
    """keras.io pointnet (smaller): T-nets (Conv1D shared MLP, global max pool, a Dense
    initialized to the identity with the OrthogonalRegularizer as activity
    regularizer), the transform applied by Dot(axes=(2, 1))."""
    def conv_bn(x, filters):
        x = L.Conv1D(filters, kernel_size=1, padding="valid")(x)
        return L.Activation("relu")(L.BatchNormalization(momentum=0.0)(x))

    def tnet(inputs, features):
        x = conv_bn(conv_bn(inputs, 8), 16)
        x = L.Dense(8, activation="relu")(L.GlobalMaxPooling1D()(x))
        x = L.Dense(features * features, kernel_initializer="zeros",
                    bias_initializer=keras.initializers.Constant(np.eye(features).flatten()),
                    activity_regularizer=TF_LAYERS["OrthogonalRegularizer"](features))(x)
        transform = L.Reshape((features, features))(x)
        return L.Dot(axes=(2, 1))([inputs, transform])

    inputs = keras.Input((16, 3))
    x = conv_bn(tnet(inputs, 3), 8)
    x = conv_bn(tnet(x, 8), 16)
    x = L.GlobalMaxPooling1D()(x)
    x = L.Dropout(0.3)(L.Dense(8, activation="relu")(x))
    return keras.Model(inputs, L.Dense(4, activation="softmax")(x), name="pointnet")


EDGES = [[0, 1], [1, 0], [1, 2], [2, 1], [2, 3], [3, 4], [4, 5], [5, 0], [0, 0], [1, 1],
         [2, 2], [3, 3], [4, 4], [5, 5]]


def graph_attention():
    """keras.io gnn_citations-style graph attention network on a fixed 6-node graph:
    two GraphAttention layers (ops.take, ops.segment_sum), a node classifier."""
    nodes = keras.Input((6, 4), name="node_features")
    x = L.Activation("elu")(TF_LAYERS["GraphAttention"](8, EDGES)(nodes))
    x = TF_LAYERS["GraphAttention"](8, EDGES)(x)
    return keras.Model(nodes, L.Dense(3, activation="softmax")(x), name="graph_attention")


def wide_and_deep():
    """Wide & Deep (Cheng et al. 2016): dict inputs of mixed dtypes; the wide part a
    linear model on one-hot categories and their crossed product (HashedCrossing), the
    deep part embeddings and a numeric feature through an MLP; summed logits."""
    user = keras.Input((1,), dtype="int32", name="user")
    genre = keras.Input((1,), dtype="int32", name="genre")
    age = keras.Input((1,), dtype="float32", name="age")
    cross = L.HashedCrossing(num_bins=16, output_mode="one_hot")((user, genre))
    wide = L.Dense(1)(L.Concatenate()([
        L.CategoryEncoding(num_tokens=5, output_mode="one_hot")(genre), cross]))
    deep = L.Concatenate()([L.Flatten()(L.Embedding(200, 6)(user)),
                            L.Flatten()(L.Embedding(5, 3)(genre)), age])
    deep = L.Dense(1)(_mlp(deep, (16, 8), "relu"))
    logit = L.Add()([wide, deep])
    return keras.Model({"user": user, "genre": genre, "age": age},
                       L.Activation("sigmoid")(logit), name="wide_and_deep")


def deepfm():
    """DeepFM (Guo et al. 2017): per-field embeddings shared by a factorization machine
    (custom layer) and a deep MLP, a first-order Embedding(., 1) sum, Dot for the
    user-item interaction; a sigmoid of the sum."""
    fields = [keras.Input((1,), dtype="int32", name=name) for name in ("user", "item", "city")]
    embeddings = [L.Embedding(200, 4)(field) for field in fields]          # (b, 1, 4)
    stacked = L.Concatenate(axis=1)(embeddings)                           # (b, 3, 4)
    first = L.Add()([L.Flatten()(L.Embedding(200, 1)(field)) for field in fields])
    second = TF_LAYERS["FactorizationMachine"]()(stacked)
    user_item = L.Dot(axes=2)([embeddings[0], embeddings[1]])
    deep = L.Dense(1)(_mlp(L.Flatten()(stacked), (8, 8), "relu"))
    logit = L.Add()([first, second, deep, L.Flatten()(user_item)])
    return keras.Model(fields, L.Activation("sigmoid")(logit), name="deepfm")


# ----- losses and Keras 2 idioms ----------------------------------------------------------
def regularized_mlp():
    """A model carrying its own losses: a custom layer calling self.add_loss, a Dense
    with an activity_regularizer and kernel/bias regularizers."""
    inputs = keras.Input((6,))
    x = L.Dense(8, activation="relu", activity_regularizer=keras.regularizers.L2(1e-2),
                kernel_regularizer="l1", bias_regularizer=keras.regularizers.L1L2(1e-3, 1e-3))(
        inputs)
    x = TF_LAYERS["ActivationPenalty"](0.05)(x)
    x = L.ActivityRegularization(l1=1e-3)(L.Dense(4, activation="tanh")(x))
    return keras.Model(inputs, L.Dense(2, activation="softmax")(x), name="regularized_mlp")


def keras2_idioms():
    """A script written for tf.keras 2 that Keras 3 still runs: Sequential().add,
    input_shape= on the first layer, Convolution2D, LeakyReLU(alpha=...),
    regularizers.l2(...), BatchNormalization(momentum=0.99, epsilon=0.001), a separate
    Activation('softmax')."""
    regularizers = keras.regularizers
    model = keras.Sequential(name="keras2_idioms")
    model.add(L.Convolution2D(8, (3, 3), padding="same", input_shape=(12, 12, 3)))
    model.add(L.BatchNormalization(momentum=0.99, epsilon=0.001))
    model.add(L.Activation("relu"))
    model.add(L.MaxPooling2D(pool_size=(2, 2)))
    model.add(L.Conv2D(8, (3, 3), kernel_regularizer=regularizers.l2(0.01)))
    model.add(L.LeakyReLU(alpha=0.1))
    model.add(L.Flatten())
    model.add(L.Dense(16, kernel_initializer="he_normal"))
    model.add(L.Dropout(0.25))
    model.add(L.Dense(3))
    model.add(L.Activation("softmax"))
    return model


ZOO = {
    "mini_gpt": mini_gpt, "nmt_transformer": nmt_transformer, "bert_like": bert_like,
    "timeseries_transformer": timeseries_transformer, "speech_ctc": speech_ctc,
    "swin": swin_window_attention, "convnext": convnext_blocks, "cct": cct,
    "mobilevit": mobilevit, "involution": involution_net, "eanet": eanet,
    "perceiver": perceiver, "denoising_autoencoder": denoising_autoencoder,
    "yolo_heads": yolo_heads, "style_features": style_features,
    "video_classifier": video_classifier, "pointnet": pointnet,
    "graph_attention": graph_attention, "wide_and_deep": wide_and_deep, "deepfm": deepfm,
    "regularized_mlp": regularized_mlp, "keras2_idioms": keras2_idioms,
}
