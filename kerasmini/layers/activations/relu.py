"""ReLU layer: max(x, 0) with an optional cap, slope and threshold."""
from kerasmini import activations
from kerasmini.layers.layer import Layer


class ReLU(Layer):
    """x above `threshold` (capped at `max_value`), `negative_slope * (x - threshold)` below.

    Args:
        max_value: float >= 0 or None (no cap).
        negative_slope: float >= 0; default 0.
        threshold: float; default 0.
    """

    supports_masking = True  # hands the mask on unchanged, as Keras's does

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        if max_value is not None and max_value < 0.0:
            raise ValueError("max_value of a ReLU layer cannot be a negative value. "
                             f"Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError("negative_slope of a ReLU layer cannot be a negative value. "
                             f"Received: negative_slope={negative_slope}")
        if threshold is None or threshold < 0.0:
            raise ValueError("threshold of a ReLU layer cannot be a negative value. "
                             f"Received: threshold={threshold}")
        super().__init__(**kwargs)
        self._build_at_init()
        self.max_value, self.negative_slope, self.threshold = (
            max_value, float(negative_slope), float(threshold))

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}
