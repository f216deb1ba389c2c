"""Keras 3 model files: `.keras` archives and `.weights.h5` weight files."""
from kerasmini.saving.saving_lib import load_model, load_weights, save_model, save_weights

__all__ = ["load_model", "load_weights", "save_model", "save_weights"]
