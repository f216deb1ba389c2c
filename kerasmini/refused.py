"""The base of Keras classes kerasmini names but does not provide (callbacks/
refused_callbacks.py, optimizers/refused_optimizers.py): a script that constructs one
stops at once with the reason, instead of an AttributeError or an argument accepted and
ignored."""


class Refused:
    namespace = ""  # "keras.callbacks", ...
    reason = ""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(f"kerasmini does not provide {self.namespace}."
                                  f"{type(self).__name__}: {self.reason}")
