"""The known ways tf.keras gets a layer wrong, by the names conformance/ reports them.

`python -m kerasmini check` and the conformance suite both name a TensorFlow divergence
(kerasmini agrees with the float64 arbiter, tf.keras does not) by one of these kinds, so a
user's report and the suite's list group by the same causes. `classify` recognises them
in a user's model from the layer's config, its input and kerasmini's float64 twin.
"""
import numpy as np

from kerasmini import activations
from kerasmini.check.tolerance import compare

NONDETERMINISTIC = "tf-nondeterministic-values"
CHANNELS_FIRST_BIAS = {"Conv2D": "tf-conv2d-channels-first-bias-on-width-axis",
                       "Conv1D": "tf-conv1d-channels-first-bias-on-steps-axis"}
CHANNELS_FIRST_BIAS_KIN = "tf-channels-first-bias-on-last-axis"  # depthwise, separable, ...
CONV_KIN = ("DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
            "Conv1DTranspose", "Conv2DTranspose")
FLOAT64_RESIZE = "tf-float64-resize-computed-in-float32"
RESIZING = ("Resizing", "UpSampling2D", "CenterCrop")
FLOAT64_CONSTANTS = "tf-float64-constants-rounded-to-float32"
MAXPOOL_NAN = "tf-maxpool-ignores-nan"
MAXPOOL_NEG_INF = "tf-maxpool-neg-inf-becomes-lowest-finite"
MAXPOOL3D_TIES = "tf-maxpool3d-gradient-to-every-tied-maximum"
WRONG_VALUES = "tf-wrong-values"
SPECTRAL_CAST_TO_INPUT_DTYPE = "tf-spectral-normalization-output-cast-to-input-dtype"
FLOAT32_LEVEL = 1e-6  # a float64 layer off by float32 roundings, not by a wrong formula
# Where tf.keras's float64 layers hold float32-rounded constants (see the reproducer).
FLOAT32_CONSTANT_LAYERS = ("LeakyReLU", "ReLU", "Rescaling")
FLOAT32_CONSTANT_ACTIVATIONS = ("gelu", "leaky_relu")


def raised(error):
    return f"tf-raises-{type(error).__name__}"


REPRODUCERS = {
    SPECTRAL_CAST_TO_INPUT_DTYPE: (
        "python -c \"import keras,numpy as np; l=keras.layers.SpectralNormalization("
        "keras.layers.Embedding(5,2)); print(np.asarray(l(np.array([[1,2]]))))\"  # expect "
        "the embeddings of ids 1 and 2; TF prints integers (zeros): call() ends with "
        "ops.cast(output, inputs.dtype)"),
    "tf-ignores-explicit-query-mask": (
        "python -c \"import keras,numpy as np; l=keras.layers.MultiHeadAttention(2,3); "
        "x=np.random.rand(1,4,6); m=np.array([[1,1,0,0]],bool); "
        "print(np.allclose(l(x,x),l(x,x,query_mask=m)))\"  # expect False; TF prints True: "
        "call() replaces query_mask by the query's own Keras mask (None for an array)"),
    "tf-channels-first-bias-on-last-axis": (
        "python -c \"import keras,numpy as np; l=keras.layers.DepthwiseConv1D(1,"
        "data_format='channels_first'); l.build((1,2,2)); l.set_weights([np.zeros((1,2,1)),"
        "np.array([1.,2.])]); print(np.asarray(l(np.zeros((1,2,2),'float32'))))\"  "
        "# expect [[1,1],[2,2]] (bias per channel, axis 1); TF prints [[1,2],[1,2]] (along "
        "the steps), and raises when the steps do not broadcast"),
    "tf-float64-resize-computed-in-float32": (
        "python -c \"import keras,numpy as np; x=np.random.rand(1,3,3,1); "
        "print(np.asarray(keras.layers.Resizing(5,5,dtype='float64')(x)).dtype, "
        "abs(np.asarray(keras.layers.Resizing(5,5,dtype='float64')(x))"
        "-keras.ops.image.resize(x.astype('float32'),(5,5)).numpy()).max())\"  "
        "# float64 output, equal to the float32 resize"),
    "tf-conv2d-channels-first-bias-on-width-axis": (
        "python -c \"import keras,numpy as np; l=keras.layers.Conv2D(3,1,data_format="
        "'channels_first',bias_initializer=keras.initializers.Constant([1.,2.,3.])); "
        "print(np.asarray(l(np.zeros((1,1,2,3),'float32')))[0,:,0])\"  # expect rows "
        "[1 1 1],[2 2 2],[3 3 3]; TF 2.21 CPU prints [1 2 3] thrice (bias along width)"),
    "tf-nondeterministic-values": (
        "python -c \"import keras,numpy as np; l=keras.layers.Conv2D(1,(1,5),strides=(1,2)); "
        "x=np.ones((2,8,6,1),'float32'); print(np.array_equal(l(x),l(x)))\"  # TF 2.21 CPU: "
        "False (garbage in some elements, different on every call)"),
    "tf-raises-UnimplementedError": (
        "python -c \"import keras,numpy as np; keras.layers.Conv2D(2,3,data_format="
        "'channels_first',dtype='float64')(np.ones((1,1,5,5)))\"  # UnimplementedError: "
        "no float64 NCHW conv on CPU"),
    "tf-maxpool-ignores-nan": (
        "python -c \"import keras,numpy as np; print(np.asarray(keras.layers.MaxPool2D()"
        "(np.array([np.nan,1,2,3],'float32').reshape(1,2,2,1))))\"  # TF: 3.0; IEEE/NumPy "
        "max and kerasmini: nan"),
    "tf-maxpool-neg-inf-becomes-lowest-finite": (
        "python -c \"import keras,numpy as np; print(np.asarray(keras.layers.MaxPool2D()"
        "(np.full((1,2,2,1),-np.inf,'float32'))))\"  # TF: -3.4028235e+38; kerasmini: -inf"),
    "tf-maxpool3d-gradient-to-every-tied-maximum": (
        "python -c \"import tensorflow as tf; x=tf.ones((1,2,2,2,1)); "
        "g=tf.GradientTape(); g.__enter__(); g.watch(x); y=tf.keras.layers.MaxPool3D()(x); "
        "g.__exit__(None,None,None); print(tf.reduce_sum(g.gradient(y,x)).numpy())\"  "
        "# TF 2.21 CPU: 8.0 (all 8 tied voxels get the whole gradient, 8x the output's); "
        "MaxPool2D and kerasmini: 1.0 (the first maximum, a true subgradient)"),
    "tf-zero-batch-conv-output-shape": (
        "python -c \"import keras,numpy as np; print(keras.layers.Conv2D(2,3)"
        "(np.zeros((0,5,5,1),'float32')).shape)\"  # TF: (0, 5, 5, 2); compute_output_shape "
        "and kerasmini: (0, 3, 3, 2)"),
    "tf-conv1d-channels-first-bias-on-steps-axis": (
        "python -c \"import keras,numpy as np; l=keras.layers.Conv1D(3,1,data_format="
        "'channels_first',bias_initializer=keras.initializers.Constant([1.,2.,3.])); "
        "print(np.asarray(l(np.zeros((1,1,3),'float32')))[0])\"  # expect rows [1 1 1],"
        "[2 2 2],[3 3 3]; TF 2.21 CPU prints [1 2 3] thrice (bias along the steps axis "
        "when the output length equals filters)"),
    "tf-float64-constants-rounded-to-float32": (
        "python -c \"import keras,numpy as np; x=np.array([-1.0]); print(np.asarray("
        "keras.layers.LeakyReLU(0.3,dtype='float64')(x))[0]+0.3)\"  # expect 0.0; "
        "TF 2.21 prints -1.19e-08: float64 layers use float32-rounded constants (LeakyReLU/"
        "ReLU slopes and thresholds, Rescaling scale/offset, gelu's 1/sqrt(2), leaky_relu's 0.2)"),
}




def classify(layer, tf_out, x64, ref_out, rerun):
    """The kind of divergence when tf.keras's `tf_out` disagrees with `ref_out`, the float64
    output of kerasmini's twin of `layer` on `x64`; `rerun()` calls tf.keras again."""
    if isinstance(tf_out, BaseException):
        return raised(tf_out)
    again = rerun()
    if not isinstance(again, BaseException) and not np.array_equal(again, tf_out,
                                                                     equal_nan=True):
        return NONDETERMINISTIC
    kind = type(layer).__name__
    config = layer.get_config()
    if kind in CHANNELS_FIRST_BIAS and _bias_on_last_axis(layer, config, tf_out, x64):
        return CHANNELS_FIRST_BIAS[kind]
    if kind in CONV_KIN and _bias_on_last_axis(layer, config, tf_out, x64):
        return CHANNELS_FIRST_BIAS_KIN
    if tf_out.dtype == np.float64 and kind in RESIZING and \
            compare(tf_out, ref_out, "float32")[0]:
        return FLOAT64_RESIZE
    if tf_out.dtype == np.float64 and _has_float32_constants(kind, config) and \
            compare(tf_out, ref_out, "float64", FLOAT32_LEVEL)[0]:
        return FLOAT64_CONSTANTS
    if kind.startswith("MaxPool"):
        if any(np.isnan(x).any() for x in _arrays(x64)):
            return MAXPOOL_NAN
        if any(np.isneginf(x).any() for x in _arrays(x64)):
            return MAXPOOL_NEG_INF
    return WRONG_VALUES


def _has_float32_constants(kind, config):
    activation = config.get("activation")
    return kind in FLOAT32_CONSTANT_LAYERS or activation in FLOAT32_CONSTANT_ACTIVATIONS


def _arrays(x):
    return x if isinstance(x, (list, tuple)) else [x]


def _bias_on_last_axis(layer, config, tf_out, x64):
    """Would tf.keras's output be right if the bias were added along the last axis?"""
    if config.get("data_format") != "channels_first" or not config.get("use_bias"):
        return False
    *kernels, bias = (w.astype(np.float64) for w in layer.get_weights())
    no_bias = type(layer).from_config({**config, "use_bias": False, "activation": None,
                                       "dtype": "float64", "name": f"{layer.name}_no_bias"})
    no_bias.build((None, *x64.shape[1:]))
    no_bias.set_weights(kernels)
    out = no_bias(x64)
    if out.shape[-1] != bias.shape[0]:
        return False
    with np.errstate(all="ignore"):
        wrong = activations.get(config.get("activation"))(out + bias)
    return compare(tf_out, wrong, tf_out.dtype.name)[0]
