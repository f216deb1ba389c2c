"""The second zoo's custom layers (conformance/models/zoo2.py), written as keras.io's
examples write them, once against either library: `user_layers(lib)` defines them with
`lib`'s base classes and registers each as `zoo2>Name` in `lib`'s registry, so a file
saved by one library names them and the other finds them without custom_objects.
"""
import numpy as np


def user_layers(lib):
    """{name: class} of the zoo's layers for `lib` (kerasmini or tf.keras)."""
    L, ops = lib.layers, lib.ops
    register = lib.saving.register_keras_serializable

    @register("zoo2")
    class TokenAndPositionEmbedding(L.Layer):
        """keras.io text_generation_with_miniature_gpt."""

        def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
            super().__init__(**kwargs)
            self.maxlen, self.vocab_size, self.embed_dim = maxlen, vocab_size, embed_dim
            self.token_emb = L.Embedding(input_dim=vocab_size, output_dim=embed_dim)
            self.pos_emb = L.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def call(self, x):
            positions = ops.arange(0, ops.shape(x)[-1], 1)
            return self.token_emb(x) + self.pos_emb(positions)

        def get_config(self):
            return {**super().get_config(), "maxlen": self.maxlen,
                    "vocab_size": self.vocab_size, "embed_dim": self.embed_dim}

    def causal_attention_mask(batch_size, n_dest, n_src, dtype):
        """keras.io's: 1 in the lower triangle, for every sample (broadcast_to: tf.keras
        3.15's ops.tile iterates its repeats, which a symbolic batch size refuses)."""
        i = ops.arange(n_dest)[:, None]
        j = ops.arange(n_src)
        mask = ops.cast(i >= j - n_src + n_dest, dtype)
        mask = ops.reshape(mask, [1, n_dest, n_src])
        return ops.broadcast_to(mask, (batch_size, n_dest, n_src))

    @register("zoo2")
    class GPTBlock(L.Layer):
        """keras.io miniature GPT's TransformerBlock, without get_config (Keras saves
        its constructor's arguments). keras.io's has no **kwargs either, but then
        tf.keras cannot load its own file (the saved config holds 'trainable')."""

        def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
            super().__init__(**kwargs)
            self.att = L.MultiHeadAttention(num_heads, embed_dim)
            self.ffn = lib.Sequential([L.Dense(ff_dim, activation="relu"),
                                       L.Dense(embed_dim)])
            self.layernorm1 = L.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = L.LayerNormalization(epsilon=1e-6)
            self.dropout1, self.dropout2 = L.Dropout(rate), L.Dropout(rate)

        def call(self, inputs):
            shape = ops.shape(inputs)
            mask = causal_attention_mask(shape[0], shape[1], shape[1], "bool")
            attention = self.dropout1(self.att(inputs, inputs, attention_mask=mask))
            out1 = self.layernorm1(inputs + attention)
            return self.layernorm2(out1 + self.dropout2(self.ffn(out1)))

    @register("zoo2")
    class PositionalEmbedding(L.Layer):
        """keras.io neural_machine_translation_with_transformer: its mask is the
        tokens' non-zero entries (compute_mask)."""

        def __init__(self, sequence_length, vocab_size, embed_dim, **kwargs):
            super().__init__(**kwargs)
            self.token_embeddings = L.Embedding(input_dim=vocab_size, output_dim=embed_dim)
            self.position_embeddings = L.Embedding(input_dim=sequence_length,
                                                   output_dim=embed_dim)
            self.sequence_length, self.vocab_size = sequence_length, vocab_size
            self.embed_dim = embed_dim

        def call(self, inputs):
            positions = ops.arange(0, ops.shape(inputs)[-1], 1)
            return self.token_embeddings(inputs) + self.position_embeddings(positions)

        def compute_mask(self, inputs, mask=None):
            return ops.not_equal(inputs, 0)

        def get_config(self):
            return {**super().get_config(), "sequence_length": self.sequence_length,
                    "vocab_size": self.vocab_size, "embed_dim": self.embed_dim}

    @register("zoo2")
    class TransformerEncoder(L.Layer):
        """keras.io NMT's encoder: supports_masking, the padding mask as attention_mask."""

        def __init__(self, embed_dim, dense_dim, num_heads, **kwargs):
            super().__init__(**kwargs)
            self.embed_dim, self.dense_dim, self.num_heads = embed_dim, dense_dim, num_heads
            self.attention = L.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.dense_proj = lib.Sequential([L.Dense(dense_dim, activation="relu"),
                                              L.Dense(embed_dim)])
            self.layernorm_1 = L.LayerNormalization()
            self.layernorm_2 = L.LayerNormalization()
            self.supports_masking = True

        def call(self, inputs, mask=None):
            padding_mask = None if mask is None else ops.cast(mask[:, None, :], "int32")
            attention = self.attention(query=inputs, value=inputs, key=inputs,
                                       attention_mask=padding_mask)
            proj_input = self.layernorm_1(inputs + attention)
            return self.layernorm_2(proj_input + self.dense_proj(proj_input))

        def get_config(self):
            return {**super().get_config(), "embed_dim": self.embed_dim,
                    "dense_dim": self.dense_dim, "num_heads": self.num_heads}

    @register("zoo2")
    class TransformerDecoder(L.Layer):
        """keras.io NMT's decoder: a causal self-attention, then cross-attention, the
        padding masks read from the tensors (the query's, the encoder's). keras.io also
        passes query_mask=; tf.keras 3.15 ignores an explicit query_mask (kerasmini
        applies it: README, tf-ignores-explicit-query-mask), so it is left out here."""

        def __init__(self, embed_dim, latent_dim, num_heads, **kwargs):
            super().__init__(**kwargs)
            self.embed_dim, self.latent_dim, self.num_heads = embed_dim, latent_dim, num_heads
            self.attention_1 = L.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.attention_2 = L.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.dense_proj = lib.Sequential([L.Dense(latent_dim, activation="relu"),
                                              L.Dense(embed_dim)])
            self.layernorm_1 = L.LayerNormalization()
            self.layernorm_2 = L.LayerNormalization()
            self.layernorm_3 = L.LayerNormalization()
            self.supports_masking = True

        def call(self, inputs, mask=None):
            inputs, encoder_outputs = inputs
            shape = ops.shape(inputs)
            causal_mask = causal_attention_mask(shape[0], shape[1], shape[1], "int32")
            _, encoder_mask = (None, None) if mask is None else mask
            out_1 = self.layernorm_1(inputs + self.attention_1(
                query=inputs, value=inputs, key=inputs, attention_mask=causal_mask))
            out_2 = self.layernorm_2(out_1 + self.attention_2(
                query=out_1, value=encoder_outputs, key=encoder_outputs,
                key_mask=encoder_mask))
            return self.layernorm_3(out_2 + self.dense_proj(out_2))

        def get_config(self):
            return {**super().get_config(), "embed_dim": self.embed_dim,
                    "latent_dim": self.latent_dim, "num_heads": self.num_heads}

    @register("zoo2")
    class WindowAttention(L.Layer):
        """keras.io swin_transformers: multi-head attention inside each window, plus a
        learned relative position bias ((2w-1)^2 x heads, add_weight) gathered by a
        fixed index (ops.take)."""

        def __init__(self, dim, window_size, num_heads, **kwargs):
            super().__init__(**kwargs)
            self.dim, self.window_size, self.num_heads = dim, window_size, num_heads
            self.scale = (dim // num_heads) ** -0.5
            self.qkv = L.Dense(dim * 3)
            self.proj = L.Dense(dim)

        def build(self, input_shape):
            w = self.window_size
            self.relative_position_bias_table = self.add_weight(
                shape=((2 * w - 1) ** 2, self.num_heads), initializer="random_normal",
                trainable=True, name="relative_position_bias_table")
            coords = np.stack(np.meshgrid(np.arange(w), np.arange(w), indexing="ij"))
            coords = coords.reshape(2, -1)
            relative = (coords[:, :, None] - coords[:, None, :]).transpose(1, 2, 0) + w - 1
            self.relative_position_index = (relative[..., 0] * (2 * w - 1)
                                            + relative[..., 1]).reshape(-1)
            self.qkv.build(input_shape)
            self.proj.build((*input_shape[:-1], self.dim))

        def call(self, x):
            _, windows, tokens, channels = x.shape
            head_dim = channels // self.num_heads
            qkv = ops.reshape(self.qkv(x), (-1, windows, tokens, 3, self.num_heads,
                                            head_dim))
            qkv = ops.transpose(qkv, (3, 0, 1, 4, 2, 5))  # (3, b, windows, heads, t, d)
            q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
            attention = ops.matmul(q, ops.transpose(k, (0, 1, 2, 4, 3)))
            bias = ops.take(self.relative_position_bias_table,
                            self.relative_position_index, axis=0)
            bias = ops.transpose(ops.reshape(bias, (tokens, tokens, -1)), (2, 0, 1))
            attention = ops.softmax(attention + bias, axis=-1)
            out = ops.transpose(ops.matmul(attention, v), (0, 1, 3, 2, 4))
            return self.proj(ops.reshape(out, (-1, windows, tokens, channels)))

        def get_config(self):
            return {**super().get_config(), "dim": self.dim,
                    "window_size": self.window_size, "num_heads": self.num_heads}

    @register("zoo2")
    class LayerScale(L.Layer):
        """ConvNeXt's layer scale: a learned per-channel gamma (add_weight)."""

        def __init__(self, init_values, projection_dim, **kwargs):
            super().__init__(**kwargs)
            self.init_values, self.projection_dim = init_values, projection_dim

        def build(self, input_shape):
            self.gamma = self.add_weight(
                shape=(self.projection_dim,),
                initializer=lib.initializers.Constant(self.init_values), trainable=True)

        def call(self, x):
            return x * self.gamma

        def get_config(self):
            return {**super().get_config(), "init_values": self.init_values,
                    "projection_dim": self.projection_dim}

    @register("zoo2")
    class StochasticDepth(L.Layer):
        """keras.io CCT / ConvNeXt: drops a residual branch per sample while training;
        identity at inference. Its seed generator is state Keras saves."""

        def __init__(self, drop_prop, **kwargs):
            super().__init__(**kwargs)
            self.drop_prob = drop_prop
            self.seed_generator = lib.random.SeedGenerator(1337)

        def call(self, x, training=None):
            if training:
                keep_prob = 1 - self.drop_prob
                shape = (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
                random_tensor = keep_prob + lib.random.uniform(shape, 0, 1,
                                                               seed=self.seed_generator)
                return (x / keep_prob) * ops.floor(random_tensor)
            return x

        def get_config(self):
            return {**super().get_config(), "drop_prop": self.drop_prob}

    @register("zoo2")
    class SequencePooling(L.Layer):
        """CCT's SeqPool: softmax attention weights over the tokens, their weighted sum."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.attention = L.Dense(1)

        def call(self, x):
            weights = ops.softmax(self.attention(x), axis=1)
            pooled = ops.matmul(ops.transpose(weights, axes=(0, 2, 1)), x)
            return ops.squeeze(pooled, -2)

    @register("zoo2")
    class AddPositionEmbedding(L.Layer):
        """A learned position embedding added to a token sequence (add_weight)."""

        def build(self, input_shape):
            self.position = self.add_weight(shape=(1, *input_shape[1:]),
                                            initializer="random_normal", name="position")

        def call(self, x):
            return x + self.position

    @register("zoo2")
    class OrthogonalRegularizer(lib.regularizers.Regularizer):
        """keras.io pointnet: pushes the T-net's feature transform to orthogonal."""

        def __init__(self, num_features, l2reg=0.001):
            self.num_features, self.l2reg = num_features, l2reg
            self.identity = ops.eye(num_features)

        def __call__(self, x):
            x = ops.reshape(x, (-1, self.num_features, self.num_features))
            xxt = ops.tensordot(x, x, axes=(2, 2))
            xxt = ops.reshape(xxt, (-1, self.num_features, self.num_features))
            return ops.sum(self.l2reg * ops.square(xxt - self.identity))

        def get_config(self):
            return {"num_features": self.num_features, "l2reg": self.l2reg}

    @register("zoo2")
    class GraphAttention(L.Layer):
        """keras.io gnn_citations' graph attention on a fixed edge list (the config
        holds it): node states gathered per edge (ops.take), scores normalized per
        target node and messages summed (ops.segment_sum). Nodes lead the batch axis
        inside, as segment_sum sums the first axis."""

        def __init__(self, units, edges, **kwargs):
            super().__init__(**kwargs)
            self.units, self.edges = units, [list(map(int, e)) for e in edges]
            self.num_nodes = 1 + max(max(e) for e in self.edges)

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                          initializer="glorot_uniform", name="kernel")
            self.kernel_attention = self.add_weight(shape=(2 * self.units, 1),
                                                    initializer="glorot_uniform",
                                                    name="kernel_attention")

        def call(self, nodes):
            edges = np.asarray(self.edges, "int32")
            states = ops.transpose(ops.matmul(nodes, self.kernel), (1, 0, 2))
            target = ops.take(states, edges[:, 0], axis=0)
            source = ops.take(states, edges[:, 1], axis=0)
            scores = ops.matmul(ops.concatenate([target, source], -1),
                                self.kernel_attention)
            scores = ops.exp(ops.clip(ops.leaky_relu(scores, 0.2), -2.0, 2.0))
            totals = ops.segment_sum(scores, edges[:, 0], num_segments=self.num_nodes)
            weights = scores / ops.take(totals, edges[:, 0], axis=0)
            messages = ops.segment_sum(weights * source, edges[:, 0],
                                       num_segments=self.num_nodes)
            return ops.transpose(messages, (1, 0, 2))

        def compute_output_shape(self, input_shape):
            return (*input_shape[:-1], self.units)

        def get_config(self):
            return {**super().get_config(), "units": self.units, "edges": self.edges}

    @register("zoo2")
    class FactorizationMachine(L.Layer):
        """DeepFM's second-order term: 0.5 * sum((sum_i v_i)^2 - sum_i v_i^2)."""

        def call(self, embeddings):  # (batch, fields, k)
            square_of_sum = ops.square(ops.sum(embeddings, axis=1))
            sum_of_square = ops.sum(ops.square(embeddings), axis=1)
            return 0.5 * ops.sum(square_of_sum - sum_of_square, axis=1, keepdims=True)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], 1)

    @register("zoo2")
    class LatentArray(L.Layer):
        """Perceiver's learned latent array, the same for every sample."""

        def __init__(self, latent_dim, projection_dim, **kwargs):
            super().__init__(**kwargs)
            self.latent_dim, self.projection_dim = latent_dim, projection_dim

        def build(self, input_shape):
            self.latents = self.add_weight(shape=(self.latent_dim, self.projection_dim),
                                           initializer="random_normal", name="latents")

        def call(self, inputs):
            batch = ops.shape(inputs)[0]
            return ops.broadcast_to(self.latents[None],
                                    (batch, self.latent_dim, self.projection_dim))

        def compute_output_shape(self, input_shape):
            return (input_shape[0], self.latent_dim, self.projection_dim)

        def get_config(self):
            return {**super().get_config(), "latent_dim": self.latent_dim,
                    "projection_dim": self.projection_dim}

    @register("zoo2")
    class Patches(L.Layer):
        """keras.io perceiver / ViT: non-overlapping patches by
        ops.image.extract_patches, flattened to a sequence."""

        def __init__(self, patch_size, **kwargs):
            super().__init__(**kwargs)
            self.patch_size = patch_size

        def call(self, images):
            patches = ops.image.extract_patches(images, self.patch_size)
            _, rows, cols, depth = ops.shape(patches)
            return ops.reshape(patches, (-1, rows * cols, depth))

        def get_config(self):
            return {**super().get_config(), "patch_size": self.patch_size}

    @register("zoo2")
    class Involution(L.Layer):
        """keras.io involution: a kernel generated per pixel from the input, applied to
        the pixel's k x k neighbourhood (ops.image.extract_patches); returns the
        output and the kernel (two tensors)."""

        def __init__(self, channel, group_number, kernel_size, stride, reduction_ratio,
                     **kwargs):
            super().__init__(**kwargs)
            self.channel, self.group_number = channel, group_number
            self.kernel_size, self.stride = kernel_size, stride
            self.reduction_ratio = reduction_ratio

        def build(self, input_shape):
            _, height, width, channels = input_shape
            height, width = height // self.stride, width // self.stride
            k2, groups = self.kernel_size * self.kernel_size, self.group_number
            self.stride_layer = (L.AveragePooling2D(self.stride, self.stride, "same")
                                 if self.stride > 1 else L.Identity())
            self.kernel_gen = lib.Sequential([
                L.Conv2D(self.channel // self.reduction_ratio, 1),
                L.BatchNormalization(), L.ReLU(), L.Conv2D(k2 * groups, 1)])
            self.kernel_reshape = L.Reshape((height, width, k2, 1, groups))
            self.input_patches_reshape = L.Reshape(
                (height, width, k2, channels // groups, groups))
            self.output_reshape = L.Reshape((height, width, channels))

        def call(self, x):
            kernel = self.kernel_reshape(self.kernel_gen(self.stride_layer(x)))
            patches = ops.image.extract_patches(x, self.kernel_size, strides=self.stride,
                                                dilation_rate=1, padding="same")
            patches = self.input_patches_reshape(patches)
            output = ops.sum(ops.multiply(kernel, patches), axis=3)
            return self.output_reshape(output), kernel

        def get_config(self):
            return {**super().get_config(), "channel": self.channel,
                    "group_number": self.group_number, "kernel_size": self.kernel_size,
                    "stride": self.stride, "reduction_ratio": self.reduction_ratio}

    @register("zoo2")
    class ActivationPenalty(L.Layer):
        """keras.io making_new_layers_and_models_via_subclassing: Layer.add_loss."""

        def __init__(self, rate=1e-2, **kwargs):
            super().__init__(**kwargs)
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * ops.mean(ops.square(inputs)))
            return inputs

        def get_config(self):
            return {**super().get_config(), "rate": self.rate}

    return {cls.__name__: cls for cls in (
        TokenAndPositionEmbedding, GPTBlock, PositionalEmbedding, TransformerEncoder,
        TransformerDecoder, WindowAttention, LayerScale, StochasticDepth, SequencePooling,
        AddPositionEmbedding, OrthogonalRegularizer, GraphAttention, FactorizationMachine,
        LatentArray, Patches, Involution, ActivationPenalty)}
