"""explain_gradients: the shapes it derives are the shapes the tape returns, and the
transposed-convolution arithmetic of each axis lands on the input length."""
import re

import numpy as np
import pytest

from kerasmini import layers, ops
from kerasmini.autodiff import GradientTape
from kerasmini.explain import explain_gradients

CASES = [
    (layers.Conv2D, dict(filters=5, kernel_size=3, strides=2, padding="same"), (2, 8, 16, 3)),
    (layers.Conv2D, dict(filters=4, kernel_size=(2, 3), strides=(3, 1), groups=2), (1, 9, 7, 4)),
    (layers.Conv2D, dict(filters=2, kernel_size=3, dilation_rate=2, padding="same",
                         data_format="channels_first"), (1, 3, 7, 6)),
    (layers.Conv1D, dict(filters=2, kernel_size=3, strides=2), (2, 10, 3)),
    (layers.Dense, dict(units=4), (3, 7)),
    (layers.MaxPooling2D, dict(pool_size=3, strides=2, padding="same"), (1, 7, 7, 2)),
    (layers.DepthwiseConv2D, dict(kernel_size=3, strides=2, depth_multiplier=2), (1, 7, 8, 3)),
    (layers.SeparableConv1D, dict(filters=4, kernel_size=3, padding="same"), (2, 9, 3)),
    (layers.Conv2DTranspose, dict(filters=4, kernel_size=3, strides=2), (1, 4, 5, 3)),
]


@pytest.mark.parametrize("cls,kwargs,shape", CASES, ids=str)
def test_derived_shapes_are_the_gradient_shapes(cls, kwargs, shape):
    layer = cls(**kwargs)
    text = str(explain_gradients(layer, shape))
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    with GradientTape() as tape:
        tape.watch(x)
        loss = ops.sum(layer(x))
    grads = tape.gradient(loss, [x, *layer.trainable_weights])
    assert f"dL/dinput: {tuple(shape)}" in text
    for variable, grad in zip(layer.trainable_weights, grads[1:]):
        derived = re.search(rf"dL/d{variable.name}: (\([0-9, ]*\))", text).group(1)
        assert derived.replace(",)", ")") == str(grad.shape).replace(",)", ")")
    for match in re.finditer(r"= (\d+)$", text, re.MULTILINE):
        assert int(match.group(1)) in shape  # each axis's arithmetic ends on its length


def test_every_axis_line_adds_up():
    text = str(explain_gradients(layers.Conv2D(3, 3, strides=2), (1, 8, 16, 1)))
    rows = next(line for line in text.splitlines() if line.strip().startswith("rows:"))
    assert "spread 2 apart" in rows and "plus 1 last position" in rows and rows.endswith("= 8")
