"""compile() for a model with several outputs: a loss and metrics per output, loss_weights.

As Keras 3 (keras/src/trainers/compile_utils.py), for outputs named by their layers:
- `loss` is one loss for every output, a list (one per output, None for none) or a dict
  {output name: loss}; `loss_weights` a list or dict the same way (a float for one output);
- the total loss is sum(loss_weight * loss_i), each loss_i with its output's targets and
  sample weights (one array for all outputs, or a list / dict of them);
- with more than one loss, each output's unweighted loss is tracked as `<name>_loss`;
- `metrics` is a list with one entry per output (a metric or a list of them) or a dict
  {output name: metrics}; each is logged as `<output name>_<metric name>`.
Targets `y` come as a list in the outputs' order or a dict by output name.
"""
import numpy as np

from kerasmini import losses as losses_module
from kerasmini import metrics as metrics_module


def per_output(value, names, argument):
    """`value` (a list with one entry per output or a dict by output name) as a list in
    the outputs' order; a dict entry may be missing (no loss / metric for that output)."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(f"Expected keys {names} in `{argument}` dict, but found "
                             f"{argument}.keys()={list(value)}; unknown: {unknown}")
        return [value.get(name) for name in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise ValueError(f"`{argument}` must have one entry per output: the model has "
                             f"{len(names)} outputs {names}, but {argument} has "
                             f"{len(value)} entries. Received: {argument}={value!r}")
        return list(value)
    return [value] * len(names)


class OutputLosses(losses_module.Loss):
    """The compiled loss of a model with several outputs (or one with a loss weight)."""

    def __init__(self, loss, loss_weights, names):
        super().__init__(name="compile_loss")
        if isinstance(loss, dict) and len(names) == 1 and set(loss) != set(names):
            raise ValueError(f"Expected keys {names} in loss dict, but found "
                             f"loss.keys()={list(loss)}")
        self.names = list(names)
        self.losses = [None if entry is None else wrap_loss(entry)
                       for entry in per_output(loss, names, "loss")]
        self.loss_weights = self._weights(loss_weights)
        named = [name for name, entry in zip(self.names, self.losses) if entry is not None]
        if isinstance(loss, dict):  # Keras builds the trackers in the loss dict's order
            named.sort(key=list(loss).index)
        self.trackers = ([metrics_module.Mean(name=f"{name}_loss") for name in named]
                         if len(named) > 1 else [])
        self._tracker_of = {t.name: t for t in self.trackers}

    def _weights(self, loss_weights):
        if loss_weights is None:
            return [None] * len(self.names)
        if not isinstance(loss_weights, (list, tuple, dict, int, float)) or \
                isinstance(loss_weights, bool):
            raise ValueError("Expected `loss_weights` argument to be a float (single "
                             "output case) or a list, tuple, or dict (multiple output "
                             f"case). Received instead: loss_weights={loss_weights} of "
                             f"type {type(loss_weights)}")
        weights = per_output(loss_weights, self.names, "loss_weights")
        for weight in weights:
            if weight is not None and (isinstance(weight, bool)
                                       or not isinstance(weight, (int, float))):
                raise ValueError("Each entry of `loss_weights` must be a number. "
                                 f"Received: loss_weights={loss_weights!r}")
        return weights

    def targets(self, y, argument="y"):
        """The targets as a list in the outputs' order (a dict by output name)."""
        if len(self.names) == 1 and not isinstance(y, (list, tuple, dict)):
            return [y]
        if not isinstance(y, (list, tuple, dict)):
            raise ValueError(f"The model has {len(self.names)} outputs {self.names}: pass "
                             f"`{argument}` as a list or a dict by output name. Received: "
                             f"{argument} of type {type(y).__name__}")
        if isinstance(y, dict) and set(y) != set(self.names):
            raise ValueError(f"Expected keys {self.names} in the `{argument}` dict, but "
                             f"found {argument}.keys()={list(y)}")
        return per_output(y, self.names, argument)

    def sample_weights(self, sample_weight):
        """One array for every output, or a list / dict with one per output."""
        if isinstance(sample_weight, (list, tuple, dict)) and len(self.names) > 1:
            return self.targets(sample_weight, "sample_weight")
        return sample_weight

    def __call__(self, y_true, y_pred, sample_weight=None):
        preds = self.predictions(y_pred)
        weights = sample_weight if isinstance(sample_weight, list) else \
            [sample_weight] * len(self.names)
        total = None
        for name, loss, weight, y, p, sw in zip(self.names, self.losses, self.loss_weights,
                                                y_true, preds, weights):
            if loss is None:
                continue
            value = loss(y, p, sw)
            tracker = self._tracker_of.get(f"{name}_loss")
            if tracker is not None:  # the unweighted loss, as Keras records it
                tracker.update_state(np.asarray(value), sample_weight=len(y))
            if weight is not None:
                value = value * np.asarray(weight, dtype=np.asarray(value).dtype)
            total = value if total is None else total + value
        return total

    def predictions(self, y_pred):
        if isinstance(y_pred, dict):
            return [y_pred[name] for name in self.names]
        return list(y_pred) if isinstance(y_pred, (list, tuple)) else [y_pred]

    def get_config(self):
        raise NotImplementedError("compile_loss is rebuilt from compile()'s arguments.")


def wrap_loss(identifier):
    """A Loss object for a compile() entry (a name, a function or a Loss)."""
    resolved = losses_module.get(identifier)
    if isinstance(resolved, losses_module.Loss):
        return resolved
    name = identifier if isinstance(identifier, str) else getattr(resolved, "__name__",
                                                                  None)
    return losses_module.LossFunctionWrapper(resolved, name=name)


class OutputMetric:
    """A metric of one output: reads that output's targets, predictions and weights out
    of the lists fit passes, and is named `<output name>_<metric name>`."""

    def __init__(self, metric, index, output_name):
        self.metric, self.index = metric, index
        self.prefix = "" if output_name is None else f"{output_name}_"
        self.name = self.prefix + metric.name

    def update_state(self, y_true, y_pred, sample_weight=None):
        if isinstance(sample_weight, list):
            sample_weight = sample_weight[self.index]
        self.metric.update_state(y_true[self.index], y_pred[self.index],
                                 sample_weight=sample_weight)

    def result(self):
        return self.metric.result()

    def reset_state(self):
        self.metric.reset_state()


def output_metrics(identifiers, names, y_true, y_pred):
    """The OutputMetrics for per_output(metrics) entries, from the first batch's shapes
    (named after their output only when there are several, as Keras names them)."""
    found = []
    for index, (entry, name) in enumerate(zip(identifiers, names)):
        for identifier in as_entries(entry):
            metric = metrics_module.get_metric(identifier, np.shape(y_true[index]),
                                               np.shape(y_pred[index]))
            found.append(OutputMetric(metric, index, name if len(names) > 1 else None))
    return found


def as_entries(entry):
    """One output's metrics entry as a list: None, one metric, or a list of them."""
    if entry is None:
        return []
    return list(entry) if isinstance(entry, (list, tuple)) else [entry]
