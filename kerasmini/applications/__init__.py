"""Layers that Keras's applications define privately and save in their model files
(keras.src.applications.*): kerasmini has them so that those files load."""
