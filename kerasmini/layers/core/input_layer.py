"""InputLayer and Input(): where a functional model's graph starts."""
from kerasmini.layers.arguments import shape_tuple
from kerasmini.layers.keras_tensor import KerasHistory, KerasTensor, Node
from kerasmini.layers.layer import Layer, standardize_dtype

_INDEX_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                 "bool")


def standardize_input_dtype(dtype):
    """A layer's float dtype, or an integer/bool one: inputs may hold indices (Embedding),
    or "string": category names for a StringLookup."""
    name = dtype.get("config", {}).get("name") if isinstance(dtype, dict) else dtype
    if name in ("string", str):
        return "string"
    if name is not None and str(getattr(name, "name", name)) in _INDEX_DTYPES:
        return str(getattr(name, "name", name))
    return standardize_dtype(dtype)


class InputLayer(Layer):
    """The layer behind `Input`: no weights; its output is the model's input tensor.

    Args:
        shape: the shape of one sample, without the batch axis, e.g. (28, 28, 1).
        batch_size: optional fixed batch size.
        dtype: the input's dtype (default `config.floatx()`); integer dtypes (e.g.
            'int32') are for indices fed to an Embedding; "string" for StringLookup.
        batch_shape: the full shape with the batch axis; instead of shape/batch_size.
        name: the layer's name (default 'input_layer', 'input_layer_1', ...).
    """
    output = None  # its own tensor, set in __init__ (not Layer's first-call property)

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None,
                 batch_shape=None, input_tensor=None, optional=False, name=None,
                 ragged=None, **kwargs):
        if shape is None and "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if batch_shape is None and "batch_input_shape" in kwargs:  # older configs
            batch_shape = kwargs.pop("batch_input_shape")
        if sparse or ragged:
            raise ValueError("kerasmini supports only dense inputs: sparse=True and "
                             f"ragged=True are not supported. Received: sparse={sparse}, "
                             f"ragged={ragged}")
        if input_tensor is not None:
            raise ValueError("Argument `input_tensor` is not supported by kerasmini.")
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the "
                             "same time.")
        if batch_size is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `batch_size` and `batch_shape` at the "
                             "same time.")
        if shape is None and batch_shape is None:
            raise ValueError("You must pass a `shape` argument.")
        if shape is not None:
            batch_shape = (batch_size, *shape_tuple(shape, "shape"))
        batch_shape = shape_tuple(batch_shape, "batch_shape")
        dtype = standardize_input_dtype(dtype)
        super().__init__(name=name, **kwargs)
        self._dtype = dtype
        self.batch_shape = batch_shape
        self.sparse = self.ragged = False
        self.optional = bool(optional)
        self.built = True
        self.output = KerasTensor(batch_shape, dtype=self.dtype, name=self.name,
                                  history=KerasHistory(self, 0, 0))
        self._inbound_nodes = [Node(self, None, [self.output])]

    @property
    def dtype(self):
        """The input's dtype: a float, an integer dtype or "string" (not a policy's)."""
        return self._dtype

    compute_dtype = variable_dtype = dtype

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return self.batch_shape

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype,
                "sparse": False, "ragged": False, "name": self.name,
                "optional": self.optional}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
          name=None, tensor=None, optional=False):
    """A symbolic input tensor: `x = Input((28, 28, 1))`, then `layer(x)`, then `Model`."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, input_tensor=tensor,
                       optional=optional)
    return layer.output
