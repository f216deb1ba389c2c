"""keras.preprocessing: Keras 3 keeps here only aliases of keras.utils' functions (the
same objects), and `image` / `sequence` namespaces of a few more."""
from kerasmini.lazy_exports import lazy_exports

_EXPORTS = {
    "image": (".image", None),
    "sequence": (".sequence", None),
    "image_dataset_from_directory": "kerasmini.utils",
    "text_dataset_from_directory": "kerasmini.utils",
    "timeseries_dataset_from_array": "kerasmini.utils",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
