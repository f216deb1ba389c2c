"""Functional-graph shapes users build beyond keras.applications, built in tf.keras at a
small size: skip connections, shared weights, nested models, several inputs and outputs,
dicts, a fixed batch size, unknown spatial sizes, mixed dtypes, backbones with new heads.

applications.check() runs each of them like an application (load in kerasmini, compare
predictions and every layer call, summary(), .weights.h5 and legacy .h5 both ways, save
back). Each builder returns a tf.keras model; `keras` is tf.keras.
"""
from conformance.models import tf_keras

keras = tf_keras()  # fails loudly here without TensorFlow
L = keras.layers


def unet():
    """Encoder-decoder with Concatenate skips; Conv2DTranspose and UpSampling2D up."""
    inputs = keras.Input((16, 16, 3))
    down1 = L.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    down2 = L.Conv2D(8, 3, padding="same", activation="relu")(L.MaxPooling2D(2)(down1))
    bottom = L.Conv2D(8, 3, padding="same", activation="relu")(L.MaxPooling2D(2)(down2))
    up2 = L.Conv2DTranspose(8, 2, strides=2, padding="same")(bottom)
    up2 = L.Conv2D(8, 3, padding="same", activation="relu")(L.Concatenate()([up2, down2]))
    up1 = L.concatenate([L.UpSampling2D(2)(up2), down1], axis=-1)
    up1 = L.Conv2D(4, 3, padding="same", activation="relu")(up1)
    return keras.Model(inputs, L.Conv2D(2, 1, activation="softmax")(up1), name="unet")


def siamese_shared_layer():
    """One Dense called on two inputs: one set of weights, two calls."""
    left, right = keras.Input((8,), name="left"), keras.Input((8,), name="right")
    shared = L.Dense(4, activation="tanh", name="shared")
    difference = L.Subtract()([shared(left), shared(right)])
    return keras.Model([left, right], L.Dense(1, activation="sigmoid")(difference),
                       name="siamese_shared_layer")


def siamese_shared_model():
    """A whole functional tower called on two images; squared distance of embeddings."""
    image = keras.Input((10, 10, 1))
    features = L.GlobalAveragePooling2D()(L.Conv2D(4, 3, activation="relu")(image))
    tower = keras.Model(image, L.Dense(6)(features), name="tower")
    a, b = keras.Input((10, 10, 1), name="a"), keras.Input((10, 10, 1), name="b")
    difference = L.Subtract()([tower(a), tower(b)])
    squared = L.Multiply()([difference, difference])
    return keras.Model([a, b], L.Dense(1, activation="sigmoid")(squared),
                       name="siamese_shared_model")


def nested_models():
    """A Sequential and a functional model, each inside a functional model."""
    block = keras.Sequential([L.Dense(8, activation="relu"), L.Dense(6)], name="block")
    inner_input = keras.Input((6,))
    inner = keras.Model(inner_input, L.Dense(5, activation="relu")(inner_input),
                        name="inner")
    inputs = keras.Input((12,))
    return keras.Model(inputs, L.Dense(2)(inner(block(inputs))), name="nested_models")


def nested_multi_output():
    """A nested model with a dict of two outputs (one float64); the outer model returns
    one of them directly, so its config names the nested model's call as an output."""
    inner_input = keras.Input((5,))
    inner = keras.Model(inner_input, {
        "code": L.Dense(3, activation="relu", name="code")(inner_input),
        "score": L.Dense(1, dtype="float64", name="score")(inner_input)}, name="two_heads")
    inputs = keras.Input((5,))
    heads = inner(inputs)
    joined = L.Concatenate()([heads["code"], heads["score"]])
    return keras.Model(inputs, [L.Dense(2)(joined), heads["score"]],
                       name="nested_multi_output")


def backbone_new_head():
    """MobileNetV2 without its top as one layer of a model, with a new classifier."""
    base = keras.applications.MobileNetV2(weights=None, include_top=False, alpha=0.35,
                                          input_shape=(32, 32, 3))
    inputs = keras.Input((32, 32, 3))
    x = L.Dropout(0.2)(L.GlobalAveragePooling2D()(base(inputs)))
    return keras.Model(inputs, L.Dense(3, activation="softmax")(x), name="backbone_new_head")


def frozen_base():
    """Transfer learning: a small convolutional base with BatchNormalization, frozen
    (`base.trainable = False` freezes its layers: BatchNormalization keeps its moving
    statistics even in fit), under a new trainable head."""
    image = keras.Input((8, 8, 3))
    x = L.BatchNormalization()(L.Conv2D(6, 3, use_bias=False)(image))
    base = keras.Model(image, L.ReLU()(x), name="base")
    base.trainable = False
    inputs = keras.Input((8, 8, 3))
    x = L.GlobalAveragePooling2D()(base(inputs))
    return keras.Model(inputs, L.Dense(3, activation="softmax")(x), name="frozen_base")


def multi_input_output():
    """An image and a vector in; a class and a number out."""
    image, meta = keras.Input((8, 8, 3), name="image"), keras.Input((4,), name="meta")
    x = L.concatenate([L.Flatten()(L.Conv2D(4, 3)(image)), meta])
    hidden = L.Dense(8, activation="relu")(x)
    return keras.Model([image, meta], [L.Dense(3, activation="softmax", name="label")(hidden),
                                       L.Dense(1, name="score")(hidden)],
                       name="multi_input_output")


def dict_inputs_outputs():
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    x = L.concatenate([a, b])
    return keras.Model({"a": a, "b": b}, {"first": L.Dense(2, name="first")(x),
                                          "second": L.Dense(1, name="second")(x)},
                       name="dict_inputs_outputs")


def layer_reused_and_intermediate_output():
    """One Dense applied twice in a chain; a feature map is also an output."""
    inputs = keras.Input((6, 6, 2))
    features = L.Conv2D(5, 3, name="features")(inputs)
    twice = L.Dense(5, activation="relu", name="twice")
    pooled = L.GlobalMaxPooling2D()(features)
    return keras.Model(inputs, [L.Dense(2)(twice(twice(pooled))), features],
                       name="layer_reused")


def fixed_batch_size():
    inputs = keras.Input((7,), batch_size=2)
    return keras.Model(inputs, L.Dense(3)(inputs), name="fixed_batch_size")


def fully_convolutional():
    """Input((None, None, 3)): any image size (checked at 32x32)."""
    inputs = keras.Input((None, None, 3))
    x = L.MaxPooling2D(2)(L.Conv2D(4, 3, padding="same", activation="relu")(inputs))
    return keras.Model(inputs, L.UpSampling2D(2)(L.Conv2D(2, 1)(x)),
                       name="fully_convolutional")


def dense_autoencoder():
    """Flatten -> Dense bottleneck -> Dense -> Reshape back to the image."""
    inputs = keras.Input((8, 8, 1))
    code = L.Dense(16, activation="relu")(L.Flatten()(inputs))
    return keras.Model(inputs, L.Reshape((8, 8, 1))(L.Dense(64, activation="sigmoid")(code)),
                       name="dense_autoencoder")


def mixed_dtypes():
    """A float64 layer between float32 ones (each computes in its own dtype)."""
    inputs = keras.Input((6,))
    x = L.Dense(4, dtype="float64", name="d64")(L.Dense(5, name="d32_in")(inputs))
    return keras.Model(inputs, L.Dense(3, name="d32_out")(x), name="mixed_dtypes")


def _notop(builder, shape, **kwargs):
    return lambda: builder(weights=None, include_top=False, input_shape=shape, **kwargs)


def mobilenet_channels_first():
    keras.config.set_image_data_format("channels_first")
    try:
        return keras.applications.MobileNet(weights=None, include_top=False, alpha=0.25,
                                            input_shape=(3, 32, 32))
    finally:
        keras.config.set_image_data_format("channels_last")


A = keras.applications
GRAPHS = {
    "unet": unet,
    "siamese_shared_layer": siamese_shared_layer,
    "siamese_shared_model": siamese_shared_model,
    "nested_models": nested_models,
    "nested_multi_output": nested_multi_output,
    "backbone_new_head": backbone_new_head,
    "frozen_base": frozen_base,
    "multi_input_output": multi_input_output,
    "dict_inputs_outputs": dict_inputs_outputs,
    "layer_reused": layer_reused_and_intermediate_output,
    "fixed_batch_size": fixed_batch_size,
    "fully_convolutional": fully_convolutional,
    "dense_autoencoder": dense_autoencoder,
    "mixed_dtypes": mixed_dtypes,
    "MobileNetV3Small_notop_max_40x48": _notop(A.MobileNetV3Small, (40, 48, 3),
                                               pooling="max", alpha=0.75),
    "MobileNetV2_notop_any_size_avg": _notop(A.MobileNetV2, (None, None, 3), alpha=0.35,
                                             pooling="avg"),
    "EfficientNetB0_notop_1_channel": _notop(A.EfficientNetB0, (32, 32, 1)),
    "MobileNet_channels_first": mobilenet_channels_first,
}
