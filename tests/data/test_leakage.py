"""check_leakage: exact copies by hashing, near copies by nearest neighbour, the report."""
import sys

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import check_leakage


def data(n_train=200, n_test=50, d=6, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n_train, d)).astype(np.float32),
            rng.normal(size=(n_test, d)).astype(np.float32))


def test_clean_data_gives_a_clean_report():
    train, test = data()
    report = check_leakage(train, test, near_tol=0.01)
    assert report.clean and report.exact_count == 0 and report.near_count == 0
    assert report.near_checked == 50
    assert "clean: no test row is a copy" in str(report)


@pytest.mark.parametrize("d", [6, 40])       # cKDTree (few features) and the matrix product
def test_exact_and_near_copies_are_found(d):
    train, test = data(d=d)
    test[3] = train[17]                      # exact copies
    test[8] = -0.0 * train[5] + train[5]     # -0.0 and 0.0 must hash alike
    test[10] = train[40] + 1e-3              # a near copy
    report = check_leakage(gg.tensor(train), test, near_tol=0.05)
    assert report.exact_count == 2 and report.near_count == 1 and not report.clean
    assert (3, 17) in report.exact_pairs and (8, 5) in report.exact_pairs
    assert report.near_pairs == [(10, 40)]
    assert report.near_distances[0] == pytest.approx(1e-3 * np.sqrt(d), rel=1e-2)
    text = str(report)
    assert "exact duplicates: 2 test rows (4.00 %)" in text and "test[3] == train[17]" in text
    assert "test[10] ~ train[40]" in text and "LEAK" in text


def test_images_are_flattened_and_near_check_is_sampled():
    rng = np.random.default_rng(1)
    train = rng.random((100, 1, 5, 5)).astype(np.float32)
    test = rng.random((300, 1, 5, 5)).astype(np.float32)
    test[:30] = train[:30]
    report = check_leakage(train, test, near_tol=0.1, max_near_checks=50,
                           generator=gg.Generator(0))
    assert report.exact_count == 30 and report.near_checked == 50 and report.near_count == 0
    assert "a sample of 50 test rows" in str(report)
    exact_only = check_leakage(train, test)
    assert exact_only.near_checked == 0 and "near duplicates" not in str(exact_only)


def test_errors():
    with pytest.raises(ValueError, match="same number of values, got 6 and 5"):
        check_leakage(np.zeros((3, 6)), np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"test must hold at least one row.*shape \(0, 6\)"):
        check_leakage(np.zeros((3, 6)), np.zeros((0, 6)))
    with pytest.raises(ValueError, match="near_tol must be >= 0"):
        check_leakage(np.zeros((3, 6)), np.zeros((3, 6)), near_tol=-1)


def test_without_scipy_the_matrix_product_finds_the_same(monkeypatch):
    train, test = data(d=3)
    test[7] = train[9] + 1e-4
    with_tree = check_leakage(train, test, near_tol=0.01)
    for name in ("scipy", "scipy.spatial"):
        monkeypatch.setitem(sys.modules, name, None)
    without = check_leakage(train, test, near_tol=0.01)
    assert with_tree.near_pairs == without.near_pairs == [(7, 9)]
    assert without.near_distances[0] == pytest.approx(with_tree.near_distances[0], rel=1e-6)
