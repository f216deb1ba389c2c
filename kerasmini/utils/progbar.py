"""keras.utils.Progbar: a progress bar for custom loops, drawn as fit draws its own.

`update(current, values)` takes (name, value) pairs; a value is shown as its average
over the steps so far (weighted by the steps each update covers), except the names in
`stateful_metrics`, shown as given, as in Keras.
"""
from kerasmini.callbacks.progbar_logger import Progbar as _Bar


class Progbar:
    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateless_metrics is not None:
            raise NotImplementedError("kerasmini's Progbar averages every metric not in "
                                      "stateful_metrics: stateless_metrics is not supported "
                                      f"(got stateless_metrics={stateless_metrics!r}).")
        if width != 20 or unit_name != "step":
            raise NotImplementedError("kerasmini draws fit's bar: only width=20 and "
                                      f"unit_name='step' are supported (got width={width}"
                                      f", unit_name={unit_name!r}).")
        self.target, self.verbose = target, verbose
        self.stateful_metrics = set(stateful_metrics or ())
        self._bar = _Bar(target, verbose=verbose, interval=interval)
        self._sums, self._seen_so_far = {}, 0

    def update(self, current, values=None, finalize=None):
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        steps = max(current - self._seen_so_far, 1)
        for name, value in values or []:
            if name in self.stateful_metrics:
                self._sums[name] = [float(value), 1]
            else:
                total, count = self._sums.get(name, [0.0, 0])
                self._sums[name] = [total + float(value) * steps, count + steps]
        self._seen_so_far = current
        logs = {name: total / count for name, (total, count) in self._sums.items()}
        self._bar.update(current, logs, finalize=finalize)

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)
