"""Model: what Sequential and functional models share (weights, summary, predict, files)."""
import json

import numpy as np

from kerasmini.layers import masks
from kerasmini.layers.arguments import integer
from kerasmini.layers.keras_tensor import flatten, is_symbolic, symbolic_call
from kerasmini.layers.layer import Layer, _call_parameters, _unique, name_scope
from kerasmini.models.layer_configs import serialize_layer
from kerasmini.models.summary import print_summary, shape_as_summary
from kerasmini.callbacks.progbar_logger import Progbar
from kerasmini.models import trainer as trainer_module
from kerasmini.models.trainer import Trainer
from kerasmini.models import epoch_batches
from kerasmini.ops.heap import freed_memory_kept


class Model(Trainer, Layer):
    """A model: layers wired together. `Model(inputs, outputs)` makes a functional model.

    `inputs` are tensors from `kerasmini.Input`, `outputs` the tensors that calling
    layers on them returned; either may be one tensor, a list or a dict.
    """
    _builds_by_running = False  # its layers are built by its first call (Layer.build)

    def __new__(cls, *args, **kwargs):
        functional_call = args or "inputs" in kwargs or "outputs" in kwargs
        if functional_call:
            # lazy: functional.py defines Functional as a subclass of this class
            from kerasmini.models.functional import Functional
            if cls is Model:
                return Functional.__new__(Functional)
            if not issubclass(cls, Functional) and not _defines_init(cls):
                # `class CustomModel(keras.Model)` overriding train_step, then
                # CustomModel(inputs, outputs): a functional model of that class, as
                # Keras makes it
                return Functional.__new__(_functional_subclass(cls))
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if type(self) is Model:  # only reached without inputs/outputs
            raise ValueError("Model() needs `inputs` and `outputs` (a functional model); "
                             "or subclass Model and define call(). Received: "
                             f"args={args}, kwargs={kwargs}")
        if args:
            raise NotImplementedError(
                f"A subclass of Model ({type(self).__name__}) passing inputs and outputs "
                "to Model.__init__ is not supported by kerasmini: build a functional "
                "Model(inputs, outputs), or define the layers in __init__ and use them "
                "in call().")
        super().__init__(**kwargs)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """`Model.from_config(model.get_config())` rebuilds a functional model, as Keras."""
        graph = {"layers", "input_layers", "output_layers"} <= set(config)
        if graph and (cls is Model or not _defines_init(cls)):  # CustomModel(inputs, ...)
            from kerasmini.models.functional import functional_from_config  # lazy, as above
            return functional_from_config(cls, config)
        return super().from_config(config)

    # ----- layers and weights ------------------------------------------------------
    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Set on a model, it sets every layer's flag too, as in Keras: a frozen
        backbone's BatchNormalization layers then normalize with their moving statistics
        even in fit(). The constructor's assignment (the first) only records the flag, as
        Keras's does, so layers frozen before the model was built stay frozen."""
        constructed = "_trainable" in vars(self)
        self._trainable = bool(value)
        if constructed:
            for layer in self._layers:
                layer.trainable = value

    @property
    def layers(self):
        """Sequential's and a functional model's own list; a subclassed model's layers
        are those it holds in attributes, as Keras tracks them."""
        if "_layers" in vars(self):
            return list(self._layers)
        return self._sublayers()

    def _children(self):  # Sequential's layers are set after Layer.__init__ runs
        return self.layers if "_layers" in vars(self) else self._sublayers()

    def get_layer(self, name=None, index=None):
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model "
                                 f"only has {len(self.layers)} layers.")
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[layer.name for layer in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    @property
    def weights(self):
        """The model's own weights (from add_weight in a subclass), then every layer's,
        layer by layer (each layer: trainable, then not)."""
        own = [v for v in self._variables if v.trainable] + [
            v for v in self._variables if not v.trainable]
        return _unique(own + [w for layer in self.layers for w in layer.weights])

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        own = [v for v in self._variables if v.trainable]
        return _unique(own + [w for layer in self.layers for w in layer.trainable_weights])

    @property
    def non_trainable_weights(self):
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    def _variable_holders(self):
        return self.layers

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def losses(self):
        own = [*self._added_losses, *self._activity_losses]
        return own + [loss for layer in self.layers for loss in layer.losses]

    # ----- running -----------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for `x`, computed `batch_size` samples at a time (default 32, or
        the samples spread over `steps` batches, as in Keras).

        `callbacks` (Keras's on_predict_* hooks) are not supported: passing any raises
        rather than ignoring them.
        """
        if callbacks:
            raise ValueError("predict(callbacks=...) is not supported by kerasmini. "
                             f"Received: callbacks={callbacks!r}")
        if epoch_batches.is_dataset(x):
            batches = epoch_batches.DatasetBatches(x, lambda x, y, weight: x)
            steps = trainer_module.limited_steps(steps, None)
            return _concatenate_structure([self(batch, training=False)
                                           for batch in batches.epoch(steps)])
        batch_size = None if batch_size is None else integer(batch_size, "batch_size")
        if batch_size is not None and batch_size <= 0:
            raise ValueError(f"Argument `batch_size` must be a positive integer. "
                             f"Received: batch_size={batch_size}")
        steps = trainer_module.steps_or_all(steps, "steps")
        arrays = [np.asarray(a) for a in flatten(x)]
        if not arrays or any(a.ndim == 0 for a in arrays):  # e.g. a list of numbers
            raise ValueError(f"Unrecognized data type: x={str(x)[:200]} (of type "
                             f"{type(x)}). predict() takes a NumPy array, or a list or "
                             "dict of arrays for a model with several inputs.")
        count = arrays[0].shape[0]
        if any(a.shape[0] != count for a in arrays):
            raise ValueError("All inputs to `predict` must have the same number of "
                             f"samples. Received sizes: {[a.shape[0] for a in arrays]}")
        batch_size = batch_size or trainer_module.default_batch_size(count, steps)
        starts = range(0, max(count, 1), batch_size)
        starts = starts[:trainer_module.limited_steps(steps, len(starts))]
        verbose = trainer_module.verbosity(verbose)
        progbar = Progbar(len(starts), verbose=verbose)  # prints only for 1 and 2
        batches = []
        with freed_memory_kept():  # no page faults for the layers' outputs (ops/heap.py)
            for start in starts:
                batch = _slice_structure(x, start, start + batch_size)
                batches.append(self(batch, training=False))
                progbar.update(len(batches), finalize=len(batches) == len(starts))
        return _concatenate_structure(batches)

    def predict_on_batch(self, x):
        """The outputs for `x` as one batch, without progress output."""
        arrays = [np.asarray(a) for a in flatten(x)]
        count = arrays[0].shape[0] if arrays and arrays[0].ndim else 1
        return self.predict(x, batch_size=max(count, 1), verbose=0)

    def __call__(self, inputs, training=None, **kwargs):
        if is_symbolic(inputs):
            return symbolic_call(self, inputs, training=training, **kwargs)
        if not self.built:
            self.build(_structure_shapes(inputs))
            self._build_shape = _structure_shapes(inputs, batch=True)  # as Keras saves it
        self._added_losses = []
        if training is not None and "training" in _call_parameters(type(self)):
            kwargs["training"] = training
        if "mask" in kwargs and "mask" not in _call_parameters(type(self)):
            # recorded in a graph as Keras records it: the inputs carry it in, as
            # Keras's Functional.call sets it on them, for the layers inside to read
            mask = kwargs.pop("mask")
            if mask is not None and not isinstance(inputs, dict):
                inputs = masks.attach(inputs, masks.merged(mask, masks.carried(inputs)))
        # layers built in call() are named inside the model's; a mixed subclassed
        # model's own weights are read in float16
        with name_scope(self), self._autocast_scope():
            return self.call(inputs, **kwargs)

    # ----- summary -----------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print the layer table Keras prints (to `print_fn` if given)."""
        print_summary(self, line_length=line_length, positions=positions,
                      print_fn=print_fn, expand_nested=expand_nested,
                      show_trainable=show_trainable, layer_range=layer_range)

    def _summary_rows(self):
        """A subclassed model's layers, in the order it holds them; without a graph, a
        layer's output shape is that of the input it was built on, "?" before that, as
        Keras shows them."""
        rows = [layer_row(layer, _built_output_shape(layer)) for layer in self.layers]
        return rows, True

    # ----- files -------------------------------------------------------------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Write a Keras 3 `.keras` archive (a zip file) that tf.keras can load, or for a
        `.h5` path Keras's legacy HDF5 model file (`include_optimizer=True`)."""
        from kerasmini.saving.saving_lib import save_model  # lazy: saving/ imports models/
        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Write the weights as a Keras 3 `.weights.h5` file (one file: sharding into
        files of max_shard_size GB is not supported)."""
        if max_shard_size is not None:
            raise ValueError("save_weights(max_shard_size=...) is not supported by kerasmini "
                             f"(it writes one file). Received: max_shard_size={max_shard_size}")
        from kerasmini.saving.saving_lib import save_weights  # lazy: saving/ imports models/
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Read weights from a `.weights.h5` file, a `.keras` archive or a legacy `.h5` /
        `.hdf5` file (tf.keras 2.x's save_weights or save), all or nothing.

        `by_name` and `skip_mismatch` are honoured for legacy files, as Keras 3.15 allows;
        for the others skip_mismatch=True is not supported (a file whose weights do not
        fit the model is refused whole).
        """
        by_name = kwargs.pop("by_name", None)
        objects_to_skip = kwargs.pop("objects_to_skip", None)
        if kwargs:
            raise ValueError(f"Invalid keyword arguments: {kwargs}")
        from kerasmini.saving import legacy_h5, saving_lib  # lazy: saving/ imports models/
        path = str(filepath)
        if legacy_h5.is_legacy_h5(path):
            if objects_to_skip is not None:
                raise ValueError("`objects_to_skip` only supports loading '.weights.h5' "
                                 f"files.Received: {filepath}")
            legacy_h5.load_legacy_weights(self, path, bool(by_name), skip_mismatch)
            return
        if by_name is not None:
            raise ValueError("`by_name` only supports loading legacy '.h5' or '.hdf5' "
                             f"files. Received: {filepath}")
        if skip_mismatch or objects_to_skip is not None:
            raise ValueError(
                "load_weights(skip_mismatch=True) and objects_to_skip are not supported "
                "by kerasmini for `.keras` / `.weights.h5` files: weights that do not fit "
                f"the model are an error. Received: skip_mismatch={skip_mismatch!r}, "
                f"objects_to_skip={objects_to_skip!r}")
        saving_lib.load_weights(self, filepath)

    def to_json(self, **kwargs):
        return json.dumps(serialize_layer(self), **kwargs)


_functional_subclasses = {}


def _defines_init(cls):
    """Whether a subclass of Model (or a class between it and Model) has its own
    __init__: then `cls(4)` is its constructor, not a functional Model(inputs, ...)."""
    return any("__init__" in vars(c) for c in cls.__mro__[:cls.__mro__.index(Model)])


def _functional_subclass(cls):
    """`cls` with Functional's graph behind it (made once per class)."""
    from kerasmini.models.functional import Functional  # lazy: functional.py imports this
    if cls not in _functional_subclasses:
        _functional_subclasses[cls] = type(cls.__name__, (cls, Functional),
                                           {"__module__": cls.__module__,
                                            "_functional_of": cls})  # saved as `cls`
    return _functional_subclasses[cls]


def _built_output_shape(layer):
    shape = getattr(layer, "_build_shape", None)
    if not layer.built or shape is None:
        return None
    if (type(layer).compute_output_shape is Layer.compute_output_shape
            and not type(layer).__module__.startswith("kerasmini.")):
        return None  # a user's layer that declares no shapes: Keras cannot tell them
    try:
        return layer.compute_output_shape(shape)
    except NotImplementedError:  # as Keras: a shape it cannot tell is "?"
        return None


def layer_row(layer, output_shape):
    if not layer.built:
        params = "0 (unbuilt)"
    else:
        params = f"{layer.count_params():,}"
    if output_shape is None:
        shape = "?"
    elif isinstance(output_shape, list):  # a nested model's outputs: as Keras prints them
        shape = "[" + ", ".join(shape_as_summary(s) for s in output_shape) + "]"
    else:
        shape = shape_as_summary(output_shape)
    return [f"{layer.name} ({type(layer).__name__})", shape, params]


def _slice_structure(x, start, stop):
    if isinstance(x, dict):
        return {k: _slice_structure(v, start, stop) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_slice_structure(v, start, stop) for v in x)
    return np.asarray(x)[start:stop]


def _concatenate_structure(batches):
    first = batches[0]
    if isinstance(first, dict):
        return {k: _concatenate_structure([b[k] for b in batches]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_concatenate_structure([b[i] for b in batches])
                           for i in range(len(first)))
    return np.concatenate(batches, axis=0)


def _structure_shapes(x, batch=False):
    """The shapes of `x`'s arrays, the batch size as None unless `batch`."""
    if isinstance(x, dict):
        return {k: _structure_shapes(v, batch) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_structure_shapes(v, batch) for v in x]
    shape = np.shape(x)
    return tuple(shape) if batch else (None, *shape[1:])
