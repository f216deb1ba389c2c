"""keras.utils: the helpers training scripts call.

The registry (register_keras_serializable, custom_object_scope, ...) is keras.saving's,
the same objects. Names that need the layers and models (serialize_keras_object,
get_source_inputs, Progbar, ...) are imported on first use: the training code below
them imports this package for its random-number helpers.
"""
from kerasmini.lazy_exports import lazy_exports
from kerasmini.object_registration import (CustomObjectScope, custom_object_scope,
                                           get_custom_objects, get_registered_name,
                                           get_registered_object,
                                           register_keras_serializable)
from kerasmini.utils.config import Config
from kerasmini.utils.data_utils import (array_to_img, audio_dataset_from_directory,
                                        get_file, image_dataset_from_directory,
                                        img_to_array, load_img, model_to_dot, normalize,
                                        pack_x_y_sample_weight, plot_model, save_img,
                                        split_dataset, text_dataset_from_directory,
                                        timeseries_dataset_from_array,
                                        unpack_x_y_sample_weight)
from kerasmini.utils.io_utils import (disable_interactive_logging, enable_interactive_logging,
                                      is_interactive_logging_enabled)
from kerasmini.utils.numerical_utils import to_categorical
from kerasmini.utils.py_dataset import PyDataset, Sequence
from kerasmini.utils.rng_utils import numpy_generator, set_random_seed
from kerasmini.utils.sequence_utils import pad_sequences

__getattr__, __dir__ = lazy_exports(__name__, {
    "standardize_dtype": "kerasmini.ops.dtypes",
    "serialize_keras_object": "kerasmini.saving.serialization_lib",
    "deserialize_keras_object": "kerasmini.saving.serialization_lib",
    "get_source_inputs": "kerasmini.utils.summary_utils",
    "is_keras_tensor": "kerasmini.utils.summary_utils",
    "Progbar": "kerasmini.utils.progbar",
    "clear_session": "kerasmini.backend"})
__all__ = ["Config", "CustomObjectScope", "Progbar", "PyDataset", "Sequence",
           "array_to_img", "audio_dataset_from_directory", "clear_session",
           "custom_object_scope", "deserialize_keras_object",
           "disable_interactive_logging", "enable_interactive_logging",
           "get_custom_objects", "get_file", "get_registered_name",
           "get_registered_object", "get_source_inputs", "image_dataset_from_directory",
           "img_to_array", "is_interactive_logging_enabled", "is_keras_tensor",
           "load_img", "model_to_dot", "normalize", "numpy_generator",
           "pack_x_y_sample_weight", "pad_sequences", "plot_model",
           "register_keras_serializable", "save_img", "serialize_keras_object",
           "set_random_seed", "split_dataset", "standardize_dtype",
           "text_dataset_from_directory", "timeseries_dataset_from_array",
           "to_categorical", "unpack_x_y_sample_weight"]
