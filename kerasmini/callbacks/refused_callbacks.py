"""Keras callbacks kerasmini does not provide, under their Keras names, so that a script
using one stops at once with the reason, instead of an AttributeError or (worse) training
without the logs, backups or reports its author expects.

- TensorBoard writes TensorFlow event files: writing them needs TensorFlow's protobuf
  records, and writing nothing would be an argument accepted and ignored.
- RemoteMonitor posts logs to a server: a runtime with no network code refuses it.
"""
from kerasmini.callbacks.callback import Callback
from kerasmini.refused import Refused


class _Refused(Refused, Callback):
    namespace = "keras.callbacks"


class TensorBoard(_Refused):
    reason = ("it would have to write TensorFlow event files. Log with "
              "keras.callbacks.CSVLogger (or the History that fit returns) instead.")


class RemoteMonitor(_Refused):
    reason = "kerasmini does not send training logs over the network."
