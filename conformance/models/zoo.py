"""The zoo: architectures people write from keras.io examples and papers, as tf.keras
code, small (random weights, small inputs, a second or two to build and check).

Each builder returns a tf.keras model. The user's own layers (keras.io's
TokenAndPositionEmbedding, ViT's class token and patch encoder, the VAE's Sampling) are
written once against either library by `user_layers(lib)`; Sampling is registered
(`zoo>Sampling`) in both libraries' registries, the others travel as custom_objects.
test_zoo.py runs each model through files both ways, `kerasmini check` and a fit.
"""
import functools

from conformance.models import tf_keras

keras = tf_keras()  # fails loudly here without TensorFlow
L, ops = keras.layers, keras.ops


@functools.lru_cache(maxsize=None)  # once per library: Sampling registers once
def user_layers(lib):
    """keras.io's custom layers, the same code for kerasmini and tf.keras."""

    class TokenAndPositionEmbedding(lib.layers.Layer):
        """keras.io text_classification_with_transformer: token + position embeddings,
        the positions made by ops.arange inside the layer."""

        def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
            super().__init__(**kwargs)
            self.maxlen, self.vocab_size, self.embed_dim = maxlen, vocab_size, embed_dim
            self.token_emb = lib.layers.Embedding(vocab_size, embed_dim)
            self.pos_emb = lib.layers.Embedding(maxlen, embed_dim)

        def call(self, x):
            positions = lib.ops.arange(0, lib.ops.shape(x)[-1], 1)
            return self.token_emb(x) + self.pos_emb(positions)

        def get_config(self):
            return {**super().get_config(), "maxlen": self.maxlen,
                    "vocab_size": self.vocab_size, "embed_dim": self.embed_dim}

    class ClassToken(lib.layers.Layer):
        """ViT's learned [class] token, put in front of the patch sequence."""

        def build(self, input_shape):
            self.cls = self.add_weight(shape=(1, 1, input_shape[-1]),
                                       initializer="random_normal", name="cls")

        def call(self, x):
            batch = lib.ops.shape(x)[0]
            token = lib.ops.broadcast_to(self.cls, (batch, 1, self.cls.shape[-1]))
            return lib.ops.concatenate([lib.ops.cast(token, x.dtype), x], axis=1)

    class PatchEncoder(lib.layers.Layer):
        """keras.io image_classification_with_vision_transformer: a Dense projection of
        each patch plus a learned position Embedding."""

        def __init__(self, num_patches, projection_dim, **kwargs):
            super().__init__(**kwargs)
            self.num_patches, self.projection_dim = num_patches, projection_dim
            self.projection = lib.layers.Dense(projection_dim)
            self.position_embedding = lib.layers.Embedding(num_patches, projection_dim)

        def call(self, patches):
            positions = lib.ops.expand_dims(lib.ops.arange(0, self.num_patches, 1), 0)
            return self.projection(patches) + self.position_embedding(positions)

        def get_config(self):
            return {**super().get_config(), "num_patches": self.num_patches,
                    "projection_dim": self.projection_dim}

    class Sampling(lib.layers.Layer):
        """The VAE's reparameterization z = mean + exp(log_var / 2) * eps; the mean at
        inference (so that the two libraries' predictions are comparable)."""

        def call(self, inputs, training=None):
            z_mean, z_log_var = inputs
            if not training:
                return z_mean
            eps = lib.random.normal(lib.ops.shape(z_mean))
            return z_mean + lib.ops.exp(0.5 * z_log_var) * eps

    def euclidean_distance(vectors):
        """keras.io siamese_contrastive's Lambda function (named: files store its
        name)."""
        a, b = vectors
        squares = lib.ops.sum(lib.ops.square(a - b), axis=1, keepdims=True)
        return lib.ops.sqrt(lib.ops.maximum(squares, 1e-7))

    Sampling = lib.saving.register_keras_serializable("zoo", "Sampling")(Sampling)
    return {"TokenAndPositionEmbedding": TokenAndPositionEmbedding,
            "ClassToken": ClassToken, "PatchEncoder": PatchEncoder, "Sampling": Sampling,
            "euclidean_distance": euclidean_distance}


TF_LAYERS = user_layers(keras)


# ----- vision ---------------------------------------------------------------------------
def unet_xception():
    """keras.io oxford_pets_image_segmentation (smaller): strided entry, separable
    convolutions with residual projections down, Conv2DTranspose and UpSampling2D up
    with the residuals upsampled, BatchNormalization throughout."""
    inputs = keras.Input((32, 32, 3))
    x = L.Activation("relu")(L.BatchNormalization()(L.Conv2D(8, 3, strides=2,
                                                               padding="same")(inputs)))
    previous = x
    for filters in (8, 16):
        x = L.Activation("relu")(x)
        x = L.BatchNormalization()(L.SeparableConv2D(filters, 3, padding="same")(x))
        x = L.MaxPooling2D(3, strides=2, padding="same")(x)
        residual = L.Conv2D(filters, 1, strides=2, padding="same")(previous)
        x = previous = L.add([x, residual])
    for filters in (16, 8, 4):
        x = L.Activation("relu")(x)
        x = L.BatchNormalization()(L.Conv2DTranspose(filters, 3, padding="same")(x))
        x = L.UpSampling2D(2)(x)
        residual = L.Conv2D(filters, 1, padding="same")(L.UpSampling2D(2)(previous))
        x = previous = L.add([x, residual])
    outputs = L.Conv2D(3, 3, activation="softmax", padding="same")(x)
    return keras.Model(inputs, outputs, name="unet_xception")


def unet_concat():
    """The paper's U-Net: Concatenate skips, Conv2DTranspose up-convolutions."""
    inputs = keras.Input((16, 16, 1))
    skips, x = [], inputs
    for filters in (4, 8):
        x = L.Conv2D(filters, 3, padding="same", activation="relu")(x)
        skips.append(x)
        x = L.MaxPooling2D(2)(x)
    x = L.Conv2D(16, 3, padding="same", activation="relu")(x)
    for filters, skip in zip((8, 4), reversed(skips)):
        x = L.Conv2DTranspose(filters, 2, strides=2, padding="same")(x)
        x = L.concatenate([skip, x])
        x = L.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return keras.Model(inputs, L.Conv2D(1, 1, activation="sigmoid")(x), name="unet_concat")


def vit():
    """keras.io vision transformer (smaller): patches by a strided Conv2D and a Reshape,
    a class token (custom layer), position embeddings, two pre-norm encoder blocks
    (MultiHeadAttention, GELU MLP), the class token's features sliced out (x[:, 0])."""
    inputs = keras.Input((16, 16, 3))
    patches = L.Reshape((16, 12))(L.Conv2D(12, 4, strides=4)(inputs))  # 4x4 patches
    x = TF_LAYERS["ClassToken"]()(TF_LAYERS["PatchEncoder"](16, 12)(patches))
    for _ in range(2):
        y = L.LayerNormalization(epsilon=1e-6)(x)
        y = L.MultiHeadAttention(num_heads=2, key_dim=6, dropout=0.1)(y, y)
        x = L.Add()([y, x])
        y = L.LayerNormalization(epsilon=1e-6)(x)
        y = L.Dense(12, activation="gelu")(L.Dense(24, activation="gelu")(y))
        x = L.Add()([y, x])
    x = L.LayerNormalization(epsilon=1e-6)(x)[:, 0]
    return keras.Model(inputs, L.Dense(5, activation="softmax")(x), name="vit")


def mlp_mixer():
    """keras.io mlp_image_classification (MLP-Mixer, smaller): token mixing by a Dense on
    the transposed patch axis (Permute), channel mixing by a Dense on the last."""
    inputs = keras.Input((16, 16, 3))
    x = L.Reshape((16, 8))(L.Conv2D(8, 4, strides=4)(inputs))
    for _ in range(2):
        y = L.Permute((2, 1))(L.LayerNormalization(epsilon=1e-6)(x))
        y = L.Dense(16)(L.Dense(16, activation="gelu")(y))
        x = L.Add()([x, L.Permute((2, 1))(y)])
        y = L.LayerNormalization(epsilon=1e-6)(x)
        x = L.Add()([x, L.Dense(8)(L.Dense(16, activation="gelu")(y))])
    x = L.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, L.Dense(4, activation="softmax")(x), name="mlp_mixer")


def convmixer():
    """keras.io convmixer (smaller): patch embedding, then depthwise (spatial) mixing with
    a residual Add and pointwise (channel) mixing, GELU + BatchNormalization."""
    def act_bn(x):
        return L.BatchNormalization()(L.Activation("gelu")(x))

    inputs = keras.Input((16, 16, 3))
    x = act_bn(L.Conv2D(8, 2, strides=2)(L.Rescaling(1 / 255)(inputs)))
    for _ in range(2):
        x = L.Add()([act_bn(L.DepthwiseConv2D(3, padding="same")(x)), x])
        x = act_bn(L.Conv2D(8, 1)(x))
    x = L.GlobalAvgPool2D()(x)
    return keras.Model(inputs, L.Dense(4, activation="softmax")(x), name="convmixer")


def se_resnet():
    """A residual block with squeeze-and-excitation (GlobalAveragePooling2D, Reshape to
    1x1, two Dense, Multiply broadcast over the pixels) and a CBAM-style spatial
    attention (channel mean and max by ops, a 7x7 sigmoid map multiplied in)."""
    inputs = keras.Input((12, 12, 3))
    x = L.ReLU()(L.BatchNormalization()(L.Conv2D(8, 3, padding="same")(inputs)))
    y = L.BatchNormalization()(L.Conv2D(8, 3, padding="same")(x))
    se = L.Reshape((1, 1, 8))(L.GlobalAveragePooling2D()(y))
    se = L.Dense(8, activation="sigmoid")(L.Dense(2, activation="relu")(se))
    y = L.Multiply()([y, se])
    pooled = L.Concatenate()([ops.mean(y, axis=-1, keepdims=True),
                              ops.max(y, axis=-1, keepdims=True)])
    y = L.multiply([y, L.Conv2D(1, 7, padding="same", activation="sigmoid")(pooled)])
    x = L.ReLU()(L.Add()([x, y]))
    x = L.GlobalMaxPooling2D()(x)
    return keras.Model(inputs, L.Dense(3, activation="softmax")(x), name="se_resnet")


def inception_block():
    """GoogLeNet's inception module twice (1x1, 1x1-3x3, 1x1-5x5, pool-1x1 branches,
    concatenated) with an auxiliary classifier: two outputs."""
    def module(x, f):
        b1 = L.Conv2D(f, 1, activation="relu")(x)
        b2 = L.Conv2D(f, 3, padding="same", activation="relu")(
            L.Conv2D(f // 2, 1, activation="relu")(x))
        b3 = L.Conv2D(f, 5, padding="same", activation="relu")(
            L.Conv2D(f // 2, 1, activation="relu")(x))
        b4 = L.Conv2D(f, 1, activation="relu")(L.MaxPooling2D(3, 1, padding="same")(x))
        return L.Concatenate(axis=-1)([b1, b2, b3, b4])

    inputs = keras.Input((16, 16, 3))
    x = module(L.MaxPooling2D(2)(L.Conv2D(8, 3, padding="same")(inputs)), 4)
    aux = L.Dense(2, activation="softmax", name="aux")(
        L.Flatten()(L.AveragePooling2D(5, strides=3)(x)))
    x = module(x, 6)
    main = L.Dense(3, activation="softmax", name="main")(L.GlobalAveragePooling2D()(x))
    return keras.Model(inputs, [main, aux], name="inception_block")


def efficientnet_like():
    """MBConv blocks as EfficientNet builds them: expansion, DepthwiseConv2D, swish,
    squeeze-and-excitation, projection, stochastic depth as Dropout with
    noise_shape=(None, 1, 1, 1) (Keras has no StochasticDepth layer), residual."""
    inputs = keras.Input((16, 16, 3))
    x = L.Activation("swish")(L.BatchNormalization()(L.Conv2D(8, 3, strides=2,
                                                                padding="same")(inputs)))
    for expand in (2, 3):
        y = L.Activation("swish")(L.BatchNormalization()(L.Conv2D(8 * expand, 1)(x)))
        y = L.Activation("swish")(L.BatchNormalization()(
            L.DepthwiseConv2D(3, padding="same", use_bias=False)(y)))
        se = L.Reshape((1, 1, 8 * expand))(L.GlobalAveragePooling2D()(y))
        se = L.Conv2D(8 * expand, 1, activation="sigmoid")(
            L.Conv2D(2, 1, activation="swish")(se))
        y = L.BatchNormalization()(L.Conv2D(8, 1, use_bias=False)(L.multiply([y, se])))
        x = L.add([L.Dropout(0.2, noise_shape=(None, 1, 1, 1))(y), x])
    x = L.Dropout(0.2)(L.GlobalAveragePooling2D()(x))
    return keras.Model(inputs, L.Dense(4, activation="softmax")(x), name="efficientnet_like")


def normalizations():
    """GroupNormalization, SpectralNormalization around Conv2D and Dense,
    UnitNormalization, LayerNormalization over two axes, PReLU."""
    inputs = keras.Input((10, 10, 4))
    x = L.GroupNormalization(groups=2)(L.Conv2D(8, 3, padding="same")(inputs))
    x = L.PReLU(shared_axes=[1, 2])(x)
    x = L.SpectralNormalization(L.Conv2D(6, 3, strides=2))(x)
    x = L.LayerNormalization(axis=[1, 2])(x)
    x = L.UnitNormalization()(L.Flatten()(x))
    x = L.SpectralNormalization(L.Dense(8, activation="relu"))(x)
    return keras.Model(inputs, L.Dense(3, activation="softmax")(x), name="normalizations")


def augmented_classifier():
    """keras.io image classification with augmentation layers in the model (identity at
    inference): RandomFlip, RandomRotation, RandomZoom, RandomTranslation,
    RandomContrast, RandomBrightness, then Rescaling and a small CNN."""
    augment = keras.Sequential([
        L.RandomFlip("horizontal_and_vertical"), L.RandomRotation(0.1),
        L.RandomZoom(0.2, 0.1), L.RandomTranslation(0.1, 0.1),
        L.RandomContrast(0.2), L.RandomBrightness(0.1)], name="augment")
    inputs = keras.Input((16, 16, 3))
    x = L.Rescaling(1 / 255)(augment(inputs))
    x = L.MaxPooling2D()(L.Conv2D(8, 3, activation="relu")(x))
    x = L.Dropout(0.3)(L.Flatten()(x))
    return keras.Model(inputs, L.Dense(3, activation="softmax")(x), name="augmented")


def dcgan():
    """keras.io dcgan (smaller) generator with BatchNormalization, and its discriminator,
    joined as the GAN model the example trains the generator through."""
    generator = keras.Sequential([
        keras.Input((8,)), L.Dense(4 * 4 * 16, use_bias=False), L.BatchNormalization(),
        L.LeakyReLU(negative_slope=0.2), L.Reshape((4, 4, 16)),
        L.Conv2DTranspose(8, 4, strides=2, padding="same", use_bias=False),
        L.BatchNormalization(), L.LeakyReLU(negative_slope=0.2),
        L.Conv2DTranspose(3, 4, strides=2, padding="same", activation="tanh")],
        name="generator")
    discriminator = keras.Sequential([
        keras.Input((16, 16, 3)), L.Conv2D(8, 4, strides=2, padding="same"),
        L.LeakyReLU(negative_slope=0.2), L.Conv2D(16, 4, strides=2, padding="same"),
        L.BatchNormalization(), L.LeakyReLU(negative_slope=0.2), L.Flatten(),
        L.Dense(1, activation="sigmoid")], name="discriminator")
    noise = keras.Input((8,))
    return keras.Model(noise, discriminator(generator(noise)), name="gan")


def vae():
    """keras.io variational_autoencoder (smaller): a convolutional encoder to z_mean,
    z_log_var and z (the registered Sampling layer), a decoder model on z; the VAE is
    the two nested models, with all three codes as outputs."""
    image = keras.Input((8, 8, 1))
    x = L.Flatten()(L.Conv2D(4, 3, strides=2, padding="same", activation="relu")(image))
    x = L.Dense(8, activation="relu")(x)
    z_mean, z_log_var = L.Dense(2, name="z_mean")(x), L.Dense(2, name="z_log_var")(x)
    z = TF_LAYERS["Sampling"]()([z_mean, z_log_var])
    encoder = keras.Model(image, [z_mean, z_log_var, z], name="encoder")
    code = keras.Input((2,))
    x = L.Reshape((4, 4, 4))(L.Dense(4 * 4 * 4, activation="relu")(code))
    x = L.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu")(x)
    decoder = keras.Model(code, L.Conv2DTranspose(1, 3, padding="same",
                                                  activation="sigmoid")(x), name="decoder")
    inputs = keras.Input((8, 8, 1))
    mean, log_var, sample = encoder(inputs)
    return keras.Model(inputs, [decoder(sample), mean, log_var], name="vae")


def siamese_lambda():
    """keras.io siamese_contrastive (smaller): one tower on two images, the Lambda of a
    named distance function, BatchNormalization and a sigmoid."""
    image = keras.Input((10, 10, 1))
    x = L.Conv2D(4, 3, activation="tanh")(L.BatchNormalization()(image))
    x = L.AveragePooling2D(2)(x)
    tower = keras.Model(image, L.Dense(6, activation="tanh")(L.Flatten()(x)), name="tower")
    a, b = keras.Input((10, 10, 1), name="left"), keras.Input((10, 10, 1), name="right")
    distance = L.Lambda(TF_LAYERS["euclidean_distance"], output_shape=(1,))(
        [tower(a), tower(b)])
    x = L.BatchNormalization()(distance)
    return keras.Model([a, b], L.Dense(1, activation="sigmoid")(x), name="siamese_lambda")


def nested_three_levels():
    """A Sequential inside a functional model inside another functional model, the
    middle one called twice (shared)."""
    mlp = keras.Sequential([L.Dense(6, activation="relu"), L.Dense(4)], name="mlp")
    inner_in = keras.Input((5,))
    middle = keras.Model(inner_in, L.LayerNormalization()(mlp(inner_in)), name="middle")
    a, b = keras.Input((5,), name="a"), keras.Input((5,), name="b")
    x = L.Concatenate()([middle(a), middle(b)])
    return keras.Model([a, b], L.Dense(2)(x), name="nested_three_levels")


# ----- sequences -------------------------------------------------------------------------
def transformer_custom_embedding():
    """keras.io text_classification_with_transformer as written there: the
    TokenAndPositionEmbedding custom layer, a transformer block, pooling, classifier."""
    inputs = keras.Input((12,))
    x = TF_LAYERS["TokenAndPositionEmbedding"](12, 200, 16)(inputs)
    attention = L.MultiHeadAttention(num_heads=2, key_dim=8)(x, x)
    x = L.LayerNormalization(epsilon=1e-6)(x + L.Dropout(0.1)(attention))
    y = L.Dense(16)(L.Dense(32, activation="relu")(x))
    x = L.LayerNormalization(epsilon=1e-6)(x + L.Dropout(0.1)(y))
    x = L.Dropout(0.1)(L.GlobalAveragePooling1D()(x))
    return keras.Model(inputs, L.Dense(2, activation="softmax")(x), name="transformer_tpe")


def transformer_masked():
    """Token Embedding(mask_zero=True) plus a position Embedding (an Add of the two keeps
    the padding mask), MultiHeadAttention reading the mask, LayerNormalization,
    GlobalAveragePooling1D averaging the unmasked steps only."""
    tokens = keras.Input((10,), dtype="int32", name="tokens")
    positions = keras.Input((10,), dtype="int32", name="positions")
    x = L.Add()([L.Embedding(200, 8, mask_zero=True)(tokens), L.Embedding(10, 8)(positions)])
    x = L.LayerNormalization()(L.Add()([x, L.MultiHeadAttention(2, 4)(x, x)]))
    x = L.GlobalAveragePooling1D()(x)
    return keras.Model([tokens, positions], L.Dense(3, activation="softmax")(x),
                       name="transformer_masked")


def gru_seq2seq():
    """Encoder-decoder with a Bidirectional LSTM encoder whose four states are
    concatenated into the decoder LSTM's initial_state, and a GRU branch passing its
    state; TimeDistributed Dense softmax over the target vocabulary."""
    source, target = keras.Input((7, 6), name="source"), keras.Input((5, 4), name="target")
    _, fh, fc, bh, bc = L.Bidirectional(L.LSTM(6, return_state=True))(source)
    h, c = L.Concatenate()([fh, bh]), L.Concatenate()([fc, bc])
    decoded = L.LSTM(12, return_sequences=True)(target, initial_state=[h, c])
    _, state = L.GRU(12, return_state=True)(source)
    decoded = L.GRU(12, return_sequences=True)(decoded, initial_state=state)
    return keras.Model([source, target], L.TimeDistributed(L.Dense(4, activation="softmax"))(
        decoded), name="gru_seq2seq")


def bigru_tagger():
    """A sequence tagger: Embedding(mask_zero=True), Bidirectional GRU returning
    sequences, TimeDistributed Dense softmax per token (the mask goes through)."""
    return keras.Sequential([
        keras.Input((10,), dtype="int32"), L.Embedding(200, 8, mask_zero=True),
        L.Bidirectional(L.GRU(6, return_sequences=True), merge_mode="concat"),
        L.TimeDistributed(L.Dense(5, activation="softmax"))], name="bigru_tagger")


def masked_lstm_regression():
    """Masking of padded float steps (all-zero rows), an LSTM that skips them, a Dense."""
    return keras.Sequential([
        keras.Input((8, 3)), L.Masking(mask_value=0.0), L.LSTM(6, return_sequences=True),
        L.LSTM(4), L.Dense(1)], name="masked_lstm")


def wavenet():
    """WaveNet-style: causal dilated Conv1D (1, 2, 4), gated tanh * sigmoid Multiply,
    residual Add and summed skip connections, ReLU, 1x1 output."""
    inputs = keras.Input((32, 1))
    x, skips = L.Conv1D(8, 2, padding="causal")(inputs), []
    for rate in (1, 2, 4):
        tanh = L.Conv1D(8, 2, padding="causal", dilation_rate=rate, activation="tanh")(x)
        gate = L.Conv1D(8, 2, padding="causal", dilation_rate=rate,
                        activation="sigmoid")(x)
        z = L.Conv1D(8, 1)(L.Multiply()([tanh, gate]))
        skips.append(z)
        x = L.Add()([x, z])
    x = L.Activation("relu")(L.Add()(skips))
    x = L.Conv1D(4, 1, activation="relu")(x)
    return keras.Model(inputs, L.Conv1D(1, 1)(x), name="wavenet")


def tcn():
    """Temporal convolutional network: residual blocks of two causal dilated Conv1D with
    LayerNormalization and SpatialDropout1D, a 1x1 projection where widths change,
    the last step's features (Cropping1D) into a Dense."""
    inputs = keras.Input((24, 2))
    x = inputs
    for rate, filters in ((1, 6), (2, 6), (4, 8)):
        y = x
        for _ in range(2):
            y = L.Conv1D(filters, 3, padding="causal", dilation_rate=rate)(y)
            y = L.SpatialDropout1D(0.1)(L.ReLU()(L.LayerNormalization()(y)))
        skip = x if x.shape[-1] == filters else L.Conv1D(filters, 1)(x)
        x = L.ReLU()(L.add([y, skip]))
    x = L.Flatten()(L.Cropping1D((23, 0))(x))
    return keras.Model(inputs, L.Dense(1)(x), name="tcn")


def timeseries_conv_lstm():
    """Conv1D features, an LSTM (stateful=False) returning sequences, Conv1D again,
    GlobalMaxPooling1D, a Dense forecast."""
    inputs = keras.Input((20, 3))
    x = L.MaxPooling1D(2)(L.Conv1D(8, 3, padding="same", activation="relu")(inputs))
    x = L.LSTM(8, return_sequences=True, stateful=False)(x)
    x = L.GlobalMaxPooling1D()(L.Conv1D(6, 3, activation="relu")(x))
    return keras.Model(inputs, L.Dense(2)(x), name="timeseries_conv_lstm")


def text_cnn_kim():
    """Kim's CNN for sentences (no TextVectorization: token ids in): one Embedding,
    parallel Conv1D of widths 3, 4, 5, each max-pooled over time, concatenated."""
    inputs = keras.Input((20,), dtype="int32")
    x = L.Embedding(200, 8)(inputs)
    pooled = [L.GlobalMaxPooling1D()(L.Conv1D(4, k, activation="relu")(x)) for k in (3, 4, 5)]
    x = L.Dropout(0.5)(L.concatenate(pooled))
    return keras.Model(inputs, L.Dense(1, activation="sigmoid")(x), name="text_cnn_kim")


def attention_lstm():
    """Luong-style attention: an LSTM encoder's sequence attended by a query LSTM
    (layers.Attention, then AdditiveAttention with scores), pooled and classified."""
    inputs = keras.Input((9, 4))
    values = L.LSTM(6, return_sequences=True)(inputs)
    query = L.LSTM(6, return_sequences=True, go_backwards=True)(inputs)
    context = L.Attention(use_scale=True)([query, values])
    additive = L.AdditiveAttention()([query, values])
    x = L.Concatenate()([L.GlobalAveragePooling1D()(context),
                         L.GlobalAveragePooling1D()(additive)])
    return keras.Model(inputs, L.Dense(2, activation="softmax")(x), name="attention_lstm")


def conv_lstm_next_frame():
    """keras.io conv_lstm (smaller): ConvLSTM2D layers over frames with
    BatchNormalization, a Conv3D sigmoid predicting the next frames."""
    inputs = keras.Input((4, 8, 8, 1))
    x = L.ConvLSTM2D(4, (3, 3), padding="same", return_sequences=True,
                     activation="relu")(inputs)
    x = L.BatchNormalization()(x)
    x = L.ConvLSTM2D(4, (1, 1), padding="same", return_sequences=True,
                     activation="relu")(x)
    return keras.Model(inputs, L.Conv3D(1, (3, 3, 3), activation="sigmoid",
                                        padding="same")(x), name="conv_lstm")


def crnn_ocr():
    """keras.io captcha_ocr's prediction model (smaller): Conv2D/MaxPooling features, the
    width axis made time (Permute + Reshape), Dense, Dropout, two Bidirectional LSTMs, a
    per-step softmax over the characters."""
    image = keras.Input((24, 8, 1), name="image")  # (width, height, 1) as the example
    x = L.MaxPooling2D((2, 2))(L.Conv2D(4, 3, activation="relu", padding="same",
                                        kernel_initializer="he_normal")(image))
    x = L.MaxPooling2D((2, 2))(L.Conv2D(8, 3, activation="relu", padding="same")(x))
    x = L.Reshape((6, 2 * 8))(x)
    x = L.Dropout(0.2)(L.Dense(8, activation="relu")(x))
    x = L.Bidirectional(L.LSTM(6, return_sequences=True, dropout=0.25))(x)
    x = L.Bidirectional(L.LSTM(4, return_sequences=True, dropout=0.25))(x)
    return keras.Model(image, L.Dense(7, activation="softmax")(x), name="crnn_ocr")


def llama_block():
    """A decoder block of today's language models: RMSNormalization, causal
    GroupQueryAttention (two key/value heads for four query heads), a SwiGLU
    feed-forward (silu(x W) * (x V), Multiply) and residual Adds, tied to nothing."""
    tokens = keras.Input((8,), dtype="int32")
    x = L.Embedding(200, 16)(tokens)
    y = L.RMSNormalization()(x)
    y = L.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)(
        y, y, use_causal_mask=True)
    x = L.Add()([x, y])
    y = L.RMSNormalization()(x)
    y = L.Multiply()([L.Dense(24, activation="silu", use_bias=False)(y),
                      L.Dense(24, use_bias=False)(y)])
    x = L.Add()([x, L.Dense(16, use_bias=False)(y)])
    return keras.Model(tokens, L.Dense(200)(L.RMSNormalization()(x)), name="llama_block")


# ----- several inputs and outputs --------------------------------------------------------
def ticket_classifier():
    """keras.io functional_api's ticket model (smaller): dict inputs (title, body, tags),
    Embedding + LSTM encoders, concatenated; dict outputs (priority, department)."""
    title = keras.Input((6,), dtype="int32", name="title")
    body = keras.Input((10,), dtype="int32", name="body")
    tags = keras.Input((5,), name="tags")
    x = L.concatenate([L.LSTM(8)(L.Embedding(200, 8)(title)),
                       L.LSTM(4)(L.Embedding(200, 8)(body)), tags])
    return keras.Model({"title": title, "body": body, "tags": tags},
                       {"priority": L.Dense(1, name="priority")(x),
                        "department": L.Dense(3, activation="softmax",
                                              name="department")(x)},
                       name="ticket_classifier")


def two_tower_recommender():
    """Two-tower retrieval: a user tower and an item tower; the item Embedding is shared
    by the positive and the context item; cosine similarity by Dot(normalize=True)."""
    user, item, context = (keras.Input((1,), dtype="int32", name=name)
                           for name in ("user", "item", "context"))
    items = L.Embedding(200, 8, name="item_embedding")
    user_vector = L.Dense(8)(L.Flatten()(L.Embedding(200, 8)(user)))
    item_vector = L.Flatten()(L.Average()([items(item), items(context)]))
    item_vector = L.Dense(8)(item_vector)
    score = L.Dot(axes=1, normalize=True)([user_vector, item_vector])
    return keras.Model([user, item, context], L.Dense(1, activation="sigmoid")(score),
                       name="two_tower")


ZOO = {
    "unet_xception": unet_xception, "unet_concat": unet_concat, "vit": vit,
    "mlp_mixer": mlp_mixer, "convmixer": convmixer, "se_resnet": se_resnet,
    "inception_block": inception_block, "efficientnet_like": efficientnet_like,
    "normalizations": normalizations, "augmented": augmented_classifier, "gan": dcgan,
    "vae": vae, "siamese_lambda": siamese_lambda, "nested_three_levels": nested_three_levels,
    "transformer_tpe": transformer_custom_embedding, "transformer_masked": transformer_masked,
    "gru_seq2seq": gru_seq2seq, "bigru_tagger": bigru_tagger,
    "masked_lstm": masked_lstm_regression, "wavenet": wavenet, "tcn": tcn,
    "timeseries_conv_lstm": timeseries_conv_lstm, "text_cnn_kim": text_cnn_kim,
    "attention_lstm": attention_lstm, "conv_lstm": conv_lstm_next_frame,
    "crnn_ocr": crnn_ocr, "llama_block": llama_block,
    "ticket_classifier": ticket_classifier, "two_tower": two_tower_recommender,
}
