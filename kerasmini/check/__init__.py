"""`python -m kerasmini check`: a model file, layer by layer, kerasmini against tf.keras.

TensorFlow is imported only when a check runs (kerasmini/check/twins.py); the tolerance
policy and the divergence names are shared with conformance/.
"""
