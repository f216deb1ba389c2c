"""What every keras.applications builder shares (keras.src.applications.imagenet_utils):
argument checks, the input, the pooling/classifier top, the finished model with its
weights; and ImageNet's preprocess_input / decode_predictions.

kerasmini downloads nothing: `weights="imagenet"` reads the file Keras would have
downloaded only from Keras's own cache (`$KERAS_HOME/models` or `~/.keras/models`), and
otherwise says so and how to pass a local file instead.
"""
import json
import os
import warnings

import numpy as np

from kerasmini import activations, config
from kerasmini.layers.keras_tensor import KerasTensor

WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"
CLASS_INDEX_URL = ("https://storage.googleapis.com/download.tensorflow.org/data/"
                   "imagenet_class_index.json")
_class_index = None  # {"0": ["n01440764", "tench"], ...} once read


# ----- where Keras caches downloads --------------------------------------------------
def keras_home():
    """Keras's cache folder: $KERAS_HOME, else ~/.keras (/tmp/.keras if home is
    read-only)."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    home = os.path.expanduser("~")
    return os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")


def cached_file(file_name, url, what):
    """The path of `file_name` in Keras's download cache; FileNotFoundError (kerasmini
    downloads nothing) saying where to put it and how to do without."""
    path = os.path.join(os.path.expanduser(keras_home()), "models", file_name)
    if os.path.isfile(path):
        return path
    raise FileNotFoundError(
        f"{what} needs the file '{file_name}', which kerasmini does not download (it "
        f"makes no network access). Download it yourself from {url} and put it at {path}"
        " (Keras's cache, where tf.keras would have saved it), or pass its local path "
        "instead: weights='/path/to/file.h5' (or a .weights.h5 file).")


# ----- arguments ---------------------------------------------------------------------
def check_weights(weights, include_top, classes):
    """Keras's two checks before anything is built."""
    if not (weights in {"imagenet", None} or os.path.exists(weights)):
        raise ValueError("The `weights` argument should be either `None` (random "
                         "initialization), 'imagenet' (pre-training on ImageNet), or the "
                         "path to the weights file to be loaded.  Received: "
                         f"weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("If using `weights='imagenet'` with `include_top=True`, "
                         f"`classes` should be 1000.  Received classes={classes}")


def check_pooling(pooling):
    """Keras ignores an unknown `pooling` in silence; kerasmini refuses it."""
    if pooling not in (None, "avg", "max"):
        raise ValueError("The `pooling` argument should be one of None, 'avg' or 'max'. "
                         f"Received: pooling={pooling!r}")


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None):
    """The model's input shape: `input_shape` checked (channels, minimum size, static
    when a Flatten/Dense top needs it), or the default one."""
    channels_first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels not in {1, 3}:
            warnings.warn("This model usually expects 1 or 3 input channels. However, it "
                          f"was passed an input_shape with {channels} input channels.",
                          stacklevel=2)
        default_shape = ((input_shape[0], default_size, default_size) if channels_first
                         else (default_size, default_size, input_shape[-1]))
    else:
        default_shape = ((3, default_size, default_size) if channels_first
                         else (default_size, default_size, 3))
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError("When setting `include_top=True` and loading `imagenet` "
                             f"weights, `input_shape` should be {default_shape}.  "
                             f"Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        channels, sizes = ((input_shape[0], input_shape[1:]) if channels_first
                           else (input_shape[-1], input_shape[:2]))
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received "
                             f"`input_shape={input_shape}`")
        if any(size is not None and size < min_size for size in sizes):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; "
                             f"Received: input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static "
                         f"`input_shape`. Received: input_shape={input_shape}")
    return input_shape


def validate_activation(classifier_activation, weights):
    """Pretrained weights go with a softmax or linear classifier only."""
    if weights is None:
        return
    function = activations.get(classifier_activation)
    if function not in (activations.get("softmax"), activations.get(None)):
        raise ValueError("Only `None` and `softmax` activations are allowed for the "
                         "`classifier_activation` argument when using pretrained "
                         "weights, with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation}")


def channel_axis():
    """BatchNormalization's axis for 4D images in the configured layout."""
    return 1 if config.image_data_format() == "channels_first" else 3


def correct_pad(inputs, kernel_size):
    """((top, bottom), (left, right)) zero padding before a stride-2 'valid' convolution,
    so that it sees the pixels a 'same' one would (one pixel less before on even
    sizes)."""
    first = 2 if config.image_data_format() == "channels_first" else 1
    rows, cols = inputs.shape[first:first + 2]
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    adjust = (1, 1) if rows is None else (1 - rows % 2, 1 - cols % 2)
    return ((kh // 2 - adjust[0], kh // 2), (kw // 2 - adjust[1], kw // 2))


# ----- the model's ends ----------------------------------------------------------------
def image_input(input_tensor, input_shape):
    """The graph's starting tensor: `input_tensor` when it is a symbolic tensor, else a
    new Input of `input_shape`."""
    from kerasmini.layers import Input  # lazy: layers/ imports this package
    if input_tensor is None:
        return Input(shape=input_shape)
    if not isinstance(input_tensor, KerasTensor):
        raise ValueError("kerasmini builds an application on a symbolic tensor only "
                         "(the output of `keras.Input()` or of a layer); wrapping an "
                         "array in an Input is not supported. Received: "
                         f"input_tensor={type(input_tensor).__name__}")
    return input_tensor


def pooled(x, pooling, names=(None, None)):
    """The feature extractor's end: global average or max pooling, or none."""
    from kerasmini import layers
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=names[0])(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=names[1])(x)
    return x


def classifier(x, classes, classifier_activation, weights, name="predictions"):
    """The Dense layer of class scores (the activation checked against the weights)."""
    from kerasmini import layers
    validate_activation(classifier_activation, weights)
    return layers.Dense(classes, activation=classifier_activation, name=name)(x)


def source_inputs(tensor):
    """The Input tensors `tensor` is computed from, each once, in Keras's order."""
    operation, node_index, _ = tensor._keras_history
    node = operation._inbound_nodes[node_index]
    if node.is_input:
        return list(node.outputs)
    sources = []
    for parent in node.input_tensors:
        sources += [t for t in source_inputs(parent) if all(t is not s for s in sources)]
    return sources


def imagenet_file(weights, include_top, folder, files):
    """The cached path of Keras's ImageNet weights, `files` = (with top, without top)
    under WEIGHTS_URL/folder; looked up before anything is built. None unless
    weights='imagenet'."""
    if weights != "imagenet":
        return None
    name = files[0] if include_top else files[1]
    return cached_file(name, f"{WEIGHTS_URL}{folder}/{name}", "weights='imagenet'")


def finish(input_tensor, img_input, x, name, weights, imagenet_path=None):
    """The Functional model from the inputs to `x`, loaded with `weights` (a path or
    the cached ImageNet file)."""
    from kerasmini.models.functional import Functional  # lazy: models/ imports this
    inputs = img_input if input_tensor is None else source_inputs(input_tensor)
    model = Functional(inputs, x, name=name)
    if imagenet_path is not None:
        model.load_weights(imagenet_path)
    elif weights is not None:
        model.load_weights(weights)
    return model


# ----- preprocessing and decoding --------------------------------------------------------
CAFFE_MEAN = (103.939, 116.779, 123.68)  # BGR
TORCH_MEAN, TORCH_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def preprocess_input(x, data_format=None, mode="caffe"):
    """Scale a batch of 0..255 RGB images (3D or 4D) as a model's ImageNet weights expect.

    mode "caffe": RGB -> BGR, each channel minus ImageNet's mean, no scaling; "tf": to
    [-1, 1]; "torch": to [0, 1], then each channel standardized with ImageNet's mean and
    std. Like Keras, a float array is changed in place (and returned); any other array
    is converted to floatx() first.
    """
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError("Expected mode to be one of `caffe`, `tf` or `torch`. "
                         f"Received: mode={mode}")
    if data_format is None:
        data_format = config.image_data_format()
    elif data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Expected data_format to be one of `channels_first` or "
                         f"`channels_last`. Received: data_format={data_format}")
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(config.floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    axis = -1 if data_format == "channels_last" else (0 if x.ndim == 3 else 1)
    shape = [1] * x.ndim
    shape[axis] = 3
    if mode == "torch":
        x /= 255.0
        x -= np.reshape(TORCH_MEAN, shape).astype(x.dtype)
        x /= np.reshape(TORCH_STD, shape).astype(x.dtype)
        return x
    x = np.flip(x, axis=axis)  # RGB -> BGR, a view as in Keras
    x -= np.reshape(CAFFE_MEAN, shape).astype(x.dtype)
    return x


def decode_predictions(preds, top=5):
    """[[(class id, class name, score), ...] per sample]: the `top` best ImageNet classes.

    Needs ImageNet's class index, which Keras downloads into its cache: kerasmini reads
    it from there (see cached_file) and raises FileNotFoundError when it is missing.
    """
    global _class_index
    if len(preds.shape) != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D "
                         "array of shape (samples, 1000)). Received array with shape: "
                         f"{preds.shape}")
    if _class_index is None:
        path = cached_file("imagenet_class_index.json", CLASS_INDEX_URL,
                           "decode_predictions")
        if os.path.getsize(path) > 1 << 20:  # the real index is about 35 KB
            raise ValueError(f"{path} is larger than 1 MiB: not ImageNet's class index.")
        with open(path) as f:
            _class_index = json.load(f)
    results = []
    for pred in np.asarray(preds):
        best = pred.argsort()[-top:][::-1]
        result = [tuple(_class_index[str(i)]) + (pred[i],) for i in best]
        result.sort(key=lambda item: item[2], reverse=True)
        results.append(result)
    return results


def application(features, top, *, include_top, weights, input_tensor, input_shape,
                pooling, classes, name, default_size=224, min_size=32, imagenet=None,
                imagenet_url=None, pool_names=(None, None)):
    """The steps every builder takes, in Keras's order: check the arguments, settle the
    input shape, find the ImageNet file (`imagenet` = (folder under WEIGHTS_URL, (top
    file, no-top file)), or `imagenet_url` = (file, its URL)), build `features` on the
    input, then `top` (include_top) or the pooling, and make the model with its
    weights."""
    check_weights(weights, include_top, classes)
    check_pooling(pooling)
    input_shape = obtain_input_shape(input_shape, default_size, min_size,
                                     config.image_data_format(), include_top, weights)
    path = imagenet_file(weights, include_top, *imagenet) if imagenet else None
    if imagenet_url and weights == "imagenet":
        path = cached_file(*imagenet_url, "weights='imagenet'")
    img_input = image_input(input_tensor, input_shape)
    x = features(img_input)
    x = top(x) if include_top else pooled(x, pooling, pool_names)
    return finish(input_tensor, img_input, x, name, weights, path)
