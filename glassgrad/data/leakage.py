"""`check_leakage`: rows of the test split that also sit in the training split.

A test sample that is a copy (or a near copy: re-saved, re-scaled by a rounding error) of a
training sample measures memory, not generalisation. Exact copies are found by hashing each
row's bytes (every row checked); near copies by the Euclidean distance to the nearest training
row, on a sample of test rows: scipy's cKDTree for a few features, else a chunked matrix
product (|a - b|^2 = |a|^2 + |b|^2 - 2 a.b), which is fast for images too.
"""
from dataclasses import dataclass, field

import numpy as np

from ..random import _generator
from ..tensor import as_array


@dataclass
class LeakageReport:
    """What `check_leakage` found; `str(report)` is a short human summary.

    `exact_pairs` and `near_pairs` hold up to `max_examples` (test index, train index) pairs;
    `near_distances` the distances of `near_pairs`.
    """
    n_train: int
    n_test: int
    exact_count: int
    near_count: int
    near_tol: float
    near_checked: int
    exact_pairs: list = field(default_factory=list)
    near_pairs: list = field(default_factory=list)
    near_distances: list = field(default_factory=list)

    @property
    def clean(self):
        """True when no test row is an exact or near copy of a training row."""
        return self.exact_count == 0 and self.near_count == 0

    def __str__(self):
        lines = [f"LeakageReport: {self.n_test} test rows against {self.n_train} train rows",
                 f"  exact duplicates: {self.exact_count} test rows "
                 f"({_percent(self.exact_count, self.n_test)})"]
        lines += [f"    test[{t}] == train[{r}]" for t, r in self.exact_pairs]
        if self.near_tol > 0:
            scope = ("all test rows" if self.near_checked == self.n_test
                     else f"a sample of {self.near_checked} test rows")
            lines.append(f"  near duplicates (distance <= {self.near_tol:g}, not exact): "
                         f"{self.near_count} of {scope} "
                         f"({_percent(self.near_count, self.near_checked)})")
            lines += [f"    test[{t}] ~ train[{r}]  distance {d:.3g}"
                      for (t, r), d in zip(self.near_pairs, self.near_distances)]
        lines.append("  clean: no test row is a copy of a training row" if self.clean
                     else "  LEAK: fix the split before trusting a test score")
        return "\n".join(lines)


def _percent(count, total):
    return f"{100.0 * count / total:.2f} %" if total else "n/a"


def _rows(x, name):
    array = as_array(x)
    if array.ndim == 0 or array.shape[0] == 0:
        raise ValueError(f"check_leakage: {name} must hold at least one row (samples along the "
                         f"first dimension), got shape {array.shape}")
    return array.reshape(array.shape[0], -1)


def _exact_matches(train, test):
    """For each test row, the index of an identical training row, or -1 (hashing bytes)."""
    dtype = np.result_type(train.dtype, test.dtype)
    # + 0 turns -0.0 into 0.0, so the two zeros hash alike.
    train = np.ascontiguousarray(train.astype(dtype, copy=False) + 0)
    test = np.ascontiguousarray(test.astype(dtype, copy=False) + 0)
    first_seen = {}
    for i, row in enumerate(train):
        first_seen.setdefault(row.tobytes(), i)
    return np.array([first_seen.get(row.tobytes(), -1) for row in test], dtype=np.int64)


def _nearest(train, test, chunk=256):
    """The nearest training row (index, Euclidean distance) to each test row."""
    if train.shape[1] <= 16:
        try:
            from scipy.spatial import cKDTree
            distance, index = cKDTree(train).query(test, k=1)
            return index.astype(np.int64), distance
        except ImportError:
            pass
    train_sq = np.einsum("ij,ij->i", train, train)
    index = np.empty(len(test), dtype=np.int64)
    distance = np.empty(len(test))
    for start in range(0, len(test), chunk):
        block = test[start:start + chunk]
        squared = (np.einsum("ij,ij->i", block, block)[:, None] + train_sq[None, :]
                   - 2.0 * block @ train.T)
        best = squared.argmin(axis=1)
        index[start:start + chunk] = best
        # The expansion above cancels badly for close rows; measure the winners directly.
        difference = block.astype(np.float64) - train[best].astype(np.float64)
        distance[start:start + chunk] = np.sqrt(np.einsum("ij,ij->i", difference, difference))
    return index, distance


def check_leakage(train, test, near_tol=0.0, max_near_checks=2000, max_examples=5,
                  generator=None):
    """Report test rows that duplicate training rows, exactly or within `near_tol`.

    Args:
        train, test: arrays or Tensors with samples along the first dimension (any shape after;
            rows are flattened).
        near_tol: also count test rows whose nearest training row is within this Euclidean
            distance (and not an exact copy); 0 checks exact copies only.
        max_near_checks: the near search looks at a random sample of this many test rows
            (all if fewer); its count is for that sample.
        max_examples: how many (test, train) index pairs to keep as examples.
        generator: a glassgrad.Generator choosing that sample.
    Returns:
        a LeakageReport; print it, or test `report.clean`.
    """
    train, test = _rows(train, "train"), _rows(test, "test")
    if train.shape[1] != test.shape[1]:
        raise ValueError(f"check_leakage: train and test rows must have the same number of "
                         f"values, got {train.shape[1]} and {test.shape[1]}")
    if near_tol < 0:
        raise ValueError(f"check_leakage: near_tol must be >= 0, got {near_tol}")
    match = _exact_matches(train, test)
    exact = np.flatnonzero(match >= 0)
    report = LeakageReport(n_train=len(train), n_test=len(test), exact_count=len(exact),
                           near_count=0, near_tol=float(near_tol), near_checked=0,
                           exact_pairs=[(int(t), int(match[t])) for t in exact[:max_examples]])
    if near_tol > 0:
        checked = np.arange(len(test))
        if len(test) > max_near_checks:
            checked = np.sort(_generator(generator).choice(len(test), max_near_checks,
                                                           replace=False))
        dtype = np.result_type(train.dtype, test.dtype, np.float32)
        index, distance = _nearest(train.astype(dtype, copy=False),
                                   test[checked].astype(dtype, copy=False))
        near = np.flatnonzero((distance <= near_tol) & (match[checked] < 0))
        report.near_checked = len(checked)
        report.near_count = len(near)
        report.near_pairs = [(int(checked[k]), int(index[k])) for k in near[:max_examples]]
        report.near_distances = [float(distance[k]) for k in near[:max_examples]]
    return report
