"""benchmarks/conv_step.py's measured alternatives for the training step's convolution
(Winograd in training, kept patches, the full-convolution input gradient) compute what
they claim: the forward and both gradients against the loop references, odd and even
output sizes (a last Winograd tile half outside the output)."""
import functools

import pytest

from benchmarks import conv_step
from tests import reference
from tests.helpers import assert_close, random_input
from tests.test_gradient_fast_paths import conv_gradients_reference

STEPS = [conv_step.im2col_step, conv_step.winograd_forward_step,
         conv_step.kept_patches_step, conv_step.winograd_training]


@functools.lru_cache(maxsize=None)
def _case(shape):
    """x, kernel, g and the loop references' (out, dx, dk), once per shape."""
    x = random_input(shape, seed=1)
    kernel = random_input((3, 3, shape[3], 3), seed=2)
    out = reference.conv2d(x, kernel, None, (1, 1), "valid", (1, 1), 1)
    g = random_input(out.shape, seed=3)
    dx, dk = conv_gradients_reference(x, kernel, g, (1, 1), "valid", (1, 1), 1)
    return (x, kernel, g), (out, dx, dk)


@pytest.mark.parametrize("shape", [(1, 7, 6, 2), (1, 6, 9, 2)], ids=str)
@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.__name__)
def test_step_variant_matches_the_loop_references(step, shape):
    operands, expected = _case(shape)
    for name, value, wanted in zip(["out", "dx", "dk"], step(*operands), expected):
        assert_close(value, wanted, "float64", f"{step.__name__} {name} {shape}")


@pytest.mark.parametrize("path", ["im2col", "winograd"])
def test_full_convolution_input_gradient(path):
    x = random_input((1, 7, 6, 2), seed=4)
    kernel = random_input((3, 3, 2, 3), seed=5)
    g = random_input((1, 5, 4, 3), seed=6)
    expected_dx, _ = conv_gradients_reference(x, kernel, g, (1, 1), "valid", (1, 1), 1)
    assert_close(conv_step.full_convolution_dx(g, kernel, path), expected_dx, "float64",
                 path)
