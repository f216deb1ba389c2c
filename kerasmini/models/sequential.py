"""Sequential: a stack of layers, each feeding the next."""
import numpy as np

from kerasmini.dtype_policies import serialize as serialize_policy
from kerasmini.layers.arguments import shape_tuple
from kerasmini.layers.core.input_layer import InputLayer
from kerasmini.layers.keras_tensor import KerasTensor
from kerasmini.layers.layer import Layer, _build_lock, undone_on_error
from kerasmini.models.functional import Functional
from kerasmini.models.layer_configs import (deserialize_layer, serialize_layer,
                                            serialize_sublayer)
from kerasmini.models.model import Model, layer_row


class Sequential(Model):
    """`Sequential([Input((28, 28, 1)), Conv2D(...), ...])` or `.add()` one at a time.

    The model is built as soon as its input shape is known: from an `Input` (or
    `InputLayer`) first, from `input_shape=` on the first layer, or else on the first
    call / `build()`. Building runs shape inference through every layer, so a bad
    stack fails when it is built, naming the layer.
    """
    keras_call_takes_mask = True  # Keras's call(inputs, training, mask): see Layer

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._layers = []
        self._graph = None
        taken = set()  # the names so far: a list searched per layer would be quadratic
        for layer in layers or []:
            self.add(layer, rebuild=False, _taken=taken)
        self._maybe_build()

    def add(self, layer, rebuild=True, _taken=None):
        """Append a layer (or an `Input` tensor, which becomes the InputLayer)."""
        if isinstance(layer, KerasTensor):
            layer = layer._keras_history.operation
        if not isinstance(layer, Layer):
            raise ValueError("Only instances of `kerasmini.layers.Layer` can be added to a "
                             f"Sequential model. Received: {layer} (of type {type(layer)})")
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("Sequential model '{}' has already been configured to use "
                                 "an input; an InputLayer can only come first."
                                 .format(self.name))
        elif not self._layers and getattr(layer, "_input_shape_arg", None) is not None:
            self._layers.append(InputLayer(shape=layer._input_shape_arg))
            if _taken is not None:
                _taken.add(self._layers[0].name)
        names = {lay.name for lay in self._layers} if _taken is None else _taken
        if layer.name in names:
            raise ValueError(f"All layers added to a Sequential model should have unique "
                             f"names. Name '{layer.name}' is already the name of a layer "
                             "in this model. Update the `name` argument to pass a unique "
                             "name.")
        names.add(layer.name)
        self._layers.append(layer)
        if rebuild:
            self._maybe_build()

    def pop(self, rebuild=True):
        layer = self._layers.pop()
        self.built, self._graph = False, None
        if rebuild:
            self._maybe_build()
        return layer

    def _maybe_build(self):
        """Built as soon as the input shape is known, as Keras: an InputLayer first, or
        a first layer that is a built model (`Sequential([base, Softmax()])`)."""
        if len(self._layers) < 2:
            return
        if isinstance(self._layers[0], InputLayer):
            self.build(self._layers[0].batch_shape)
        elif isinstance(getattr(self._layers[0], "input_shape", None), tuple):
            self.build(self._layers[0].input_shape)

    @property
    def layers(self):
        return [layer for layer in self._layers if not isinstance(layer, InputLayer)]

    @property
    def input_shape(self):
        if self._graph is None:  # so that hasattr() says no, as in Keras
            raise AttributeError(f"Sequential model '{self.name}' has no defined input "
                                 "shape yet.")
        return self._graph.input_shape

    @property
    def output_shape(self):
        if self._graph is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined output "
                                 "shape yet.")
        return self._graph.output_shape

    def build(self, input_shape=None):
        """Shape inference through the stack; builds every layer's weights."""
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        input_shape = tuple(input_shape)
        if not self._layers or not isinstance(self._layers[0], InputLayer):
            # of the first layer's dtype, as Keras: a float64 stack keeps float64 inputs
            dtype = self._layers[0].compute_dtype if self._layers else None
            self._layers = [InputLayer(batch_shape=input_shape, dtype=dtype)] + self._layers
        first = self._layers[0]
        x = first.output
        for layer in self._layers[1:]:
            x = layer(x)
        self._graph = Functional(first.output, x, name=f"{self.name}_graph")
        self.built = True

    def output_masks(self, inputs):
        """The mask of the output for these inputs, as Functional.output_masks."""
        return self._graph.output_masks(inputs) if self._graph is not None else None

    def call(self, inputs, training=None):
        if self._graph is not None and _fits(self._graph.inputs[0], inputs):
            # the graph's walk: at inference its rewrites (models/inference.py)
            return self._graph.call(inputs, training=training)
        x = inputs  # any other input: layer by layer, each layer's own checks and errors
        for layer in self.layers:  # (a mask goes along with the arrays: layers/masks.py)
            x = layer(x, training=training)
        return x

    def __call__(self, inputs, training=None, **kwargs):
        if not self.built and not isinstance(inputs, KerasTensor):
            self._build_from_first_call(inputs)
        return super().__call__(inputs, training=training, **kwargs)

    def _build_from_first_call(self, inputs):
        """Build for the first input's shape, once; if building fails, the model and
        its layers are left unbuilt, so a later call with a valid input still works."""
        with _build_lock:
            if not self.built:
                with undone_on_error([self, *self._layers]):
                    self.build((None, *np.shape(inputs)[1:]))

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def _summary_rows(self):
        rows = []
        for layer in self.layers:
            nodes = getattr(layer, "_inbound_nodes", [])
            shape = nodes[-1].outputs[0].shape if nodes else None
            rows.append(layer_row(layer, shape))
        return rows, True

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": serialize_policy(self.dtype_policy),
                  # each layer with its build_config, as Keras writes it
                  "layers": [serialize_sublayer(layer) for layer in self._layers]}
        if self._graph is not None:
            config["build_input_shape"] = list(self._layers[0].batch_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, make_layer=deserialize_layer):
        """The model a config describes; `make_layer(layer_config)` makes each layer
        (clone_model's hook; by default the layer the config describes)."""
        config = dict(config)
        layer_configs = config.pop("layers", None)
        if not isinstance(layer_configs, list):
            raise ValueError("A Sequential config needs 'layers': a list of layer configs. "
                             f"Received: layers={str(layer_configs)[:200]}")
        build_shape = config.pop("build_input_shape", None)
        if build_shape is not None:  # checked even where an InputLayer makes it redundant
            shape_tuple(build_shape, "build_input_shape")
        config.pop("dtype", None)
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        taken = set()
        for layer_config in layer_configs:
            model.add(make_layer(layer_config), rebuild=False, _taken=taken)
        if model._layers and isinstance(model._layers[0], InputLayer):
            model._maybe_build()
        elif build_shape is not None:
            model.build(build_shape)
        return model


def _fits(tensor, inputs):
    """Whether `inputs` is one numeric array of the shape the built graph expects."""
    if not hasattr(inputs, "shape") or not hasattr(inputs, "dtype"):
        return False
    shape = tuple(inputs.shape)
    return (np.dtype(inputs.dtype).kind in "biuf" and len(shape) == len(tensor.shape)
            and all(e is None or e == a for e, a in zip(tensor.shape[1:], shape[1:])))
