"""The one error class of differentiation."""


class NoGradientError(LookupError):
    """An operation on the path from a target to a source has no gradient the tape can
    compute: a layer or op without a gradient rule, or NumPy arithmetic the tape did not
    record. (LookupError, as TensorFlow's "No gradient defined for operation".)"""
