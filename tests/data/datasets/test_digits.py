"""scikit-learn's digits: read from the shipped CSV, equal to sklearn's own loader."""
import numpy as np
import pytest

from glassgrad.data import split_of
from glassgrad.data.datasets import load_digits

pytest.importorskip("sklearn")


def test_digits_split_shapes_and_values():
    x_train, y_train, x_test, y_test = load_digits()
    assert x_train.shape == (1438, 1, 8, 8) and x_test.shape == (359, 1, 8, 8)
    assert x_train.dtype == np.float32 and y_test.dtype == np.int64
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert np.bincount(y_test).min() >= 35                 # stratified: every digit is tested
    assert split_of(x_test) == "test"
    again = load_digits(flat=True)
    np.testing.assert_array_equal(again.x_train, x_train.reshape(-1, 64))
    np.testing.assert_array_equal(again.y_test, y_test)


def test_digits_equal_sklearn_loader():
    from sklearn.datasets import load_digits as sklearn_load_digits
    pixels, labels = sklearn_load_digits(return_X_y=True)
    x_train, y_train, x_test, y_test = load_digits(flat=True)
    ours = np.concatenate([x_train, x_test]) * 16
    theirs = pixels.astype(np.float32)
    order_ours = np.lexsort(ours.T)
    order_theirs = np.lexsort(theirs.T)
    np.testing.assert_array_equal(ours[order_ours], theirs[order_theirs])
    np.testing.assert_array_equal(np.concatenate([y_train, y_test])[order_ours],
                                  labels[order_theirs])
