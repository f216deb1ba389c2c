"""tests/helpers.assert_close: the tolerance policy, non-finite values matched exactly."""
import numpy as np
import pytest

from tests.helpers import assert_close


@pytest.mark.parametrize("actual", [
    [1.0, np.inf, 3.0],       # inf where NaN is expected
    [1.0, np.nan, -np.inf],   # -inf for +inf
    [1.0, np.nan, 3.0],       # a finite value for an inf
    [np.nan, np.nan, np.inf],  # NaN where a finite value is expected
    [1.1, np.nan, np.inf],    # a finite value off by 10% (an inf must not set the scale)
])
def test_non_finite_values_must_match_exactly(actual):
    with pytest.raises(AssertionError):
        assert_close(np.array(actual), np.array([1.0, np.nan, np.inf]), "float64", "case")


def test_matching_values_pass():
    assert_close(np.array([1.0 + 1e-13, np.nan, -np.inf]), np.array([1.0, np.nan, -np.inf]),
                 "float64", "case")
