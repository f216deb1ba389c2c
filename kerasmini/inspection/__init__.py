"""`python -m kerasmini inspect MODEL`: what an untrusted .keras / .weights.h5 / .h5 file
holds, read with NumPy and h5py only. Nothing from the file runs, no model is built,
no weight array is read (only dataset headers), nothing is written."""
