"""Initializers, by Keras's class names and snake_case names ('glorot_uniform', ...)."""
import numpy as np

from kerasmini.initializers.constant_initializers import (STFT, Constant, Identity, Ones,
                                                          Zeros)
from kerasmini.initializers.initializer import Initializer, standardize_dtype, standardize_shape
from kerasmini.initializers.random_initializers import (GlorotNormal, GlorotUniform,
                                                        HeNormal, HeUniform, LecunNormal,
                                                        LecunUniform, Orthogonal,
                                                        RandomNormal, RandomUniform,
                                                        TruncatedNormal, VarianceScaling,
                                                        compute_fans)
from kerasmini.object_configs import deserialize as _deserialize
from kerasmini.object_configs import serialize_keras_object, snake_case

ALL_OBJECTS = (
    Initializer, Constant, Identity, Ones, Zeros, GlorotNormal, GlorotUniform, HeNormal,
    HeUniform, LecunNormal, LecunUniform, Orthogonal, RandomNormal, RandomUniform,
    TruncatedNormal, VarianceScaling, STFT,
)


ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({  # the older names Keras still accepts
    "IdentityInitializer": Identity,
    "STFTInitializer": STFT,
    "OrthogonalInitializer": Orthogonal,
    "normal": RandomNormal,
    "uniform": RandomUniform,
    "one": Ones,
    "zero": Zeros,
})

# Keras's lower-case aliases of the classes, e.g. initializers.glorot_uniform()
constant, identity, ones, zeros = Constant, Identity, Ones, Zeros
glorot_normal, glorot_uniform = GlorotNormal, GlorotUniform
he_normal, he_uniform = HeNormal, HeUniform
lecun_normal, lecun_uniform = LecunNormal, LecunUniform
orthogonal, random_normal, random_uniform = Orthogonal, RandomNormal, RandomUniform
truncated_normal, variance_scaling = TruncatedNormal, VarianceScaling


def serialize(initializer):
    """Keras 3's dict: {'module': 'keras.initializers', 'class_name', 'config', ...}."""
    return serialize_keras_object(initializer, "keras.initializers")


def deserialize(config, custom_objects=None):
    """The initializer a name or config dict describes."""
    return _deserialize(config, ALL_OBJECTS_DICT, "initializer", custom_objects=custom_objects)


def get(identifier):
    """None -> None; a name, config dict or class -> a new instance; a callable -> itself;
    an array -> an initializer that returns it (cast), for its own shape only."""
    if isinstance(identifier, (np.ndarray, np.generic)):
        return _from_array(identifier)
    return deserialize(identifier)


def _from_array(array):
    def initialize_fn(shape, dtype=None):
        if standardize_shape(shape) != array.shape:
            raise ValueError(
                f"Expected `shape` to be {array.shape} for direct tensor as initializer. "
                f"Received shape={shape}"
            )
        return np.array(array, dtype=standardize_dtype(dtype))

    return initialize_fn


__all__ = [cls.__name__ for cls in ALL_OBJECTS] + [
    "IdentityInitializer", "OrthogonalInitializer", "STFTInitializer", "compute_fans",
    "deserialize", "get",
    "serialize", "constant", "identity", "ones", "zeros", "glorot_normal", "glorot_uniform",
    "he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "orthogonal",
    "random_normal", "random_uniform", "truncated_normal", "variance_scaling",
]
IdentityInitializer = Identity
STFTInitializer = STFT
OrthogonalInitializer = Orthogonal
