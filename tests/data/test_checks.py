"""check_finite and check_labels: the bad entries counted and located."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import check_finite, check_labels


def test_check_finite():
    x = np.zeros((3, 4), np.float32)
    assert check_finite(x) is x
    x[2, 1] = np.inf
    x[0, 3] = np.nan
    with pytest.raises(ValueError, match=r"images: 2 of 12 values are not finite \(NaN or Inf\); "
                                         r"the first is nan at index \(0, 3\) of shape \(3, 4\)"):
        check_finite(gg.tensor(x), "images")
    check_finite(np.arange(3))                 # integers are always finite


def test_check_labels():
    y = np.array([0, 3, 9, 2])
    assert check_labels(y, 10) is y
    check_labels(np.array([0.0, 2.0]), 3)      # whole floats are accepted
    with pytest.raises(ValueError, match=r"y: labels must lie in \[0, 5\) for 5 classes, got "
                                         r"values from 0 to 9 \(1 out of range; the first is 9 at "
                                         r"index \(2,\)\)"):
        check_labels(y, 5, "y")
    with pytest.raises(ValueError, match=r"from -1 to 3"):
        check_labels(np.array([-1, 3]), 10)
    with pytest.raises(ValueError, match="class labels must be integers, got dtype float64"):
        check_labels(np.array([0.5, 1.0]), 3)
