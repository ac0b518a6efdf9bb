"""train_val_test_split, kfold_indices and walk_forward: partitions, stratification, seeds,
time order, and the errors."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import (check_walk_forward, kfold_indices, split_of, train_val_test_split,
                            walk_forward)


def assert_partition(parts, n):
    every = np.concatenate(parts)
    assert every.dtype == np.int64
    assert sorted(every.tolist()) == list(range(n))


def test_train_val_test_split_sizes_partition_and_seed():
    split = train_val_test_split(100, (0.7, 0.2, 0.1), seed=0)
    assert [len(p) for p in split] == [70, 20, 10]
    assert_partition(split, 100)
    again = train_val_test_split(np.zeros((100, 3)), (0.7, 0.2, 0.1),
                                 generator=gg.Generator(0))
    assert all(np.array_equal(a, b) for a, b in zip(split, again))
    other = train_val_test_split(100, (0.7, 0.2, 0.1), seed=1)
    assert not np.array_equal(split.test, other.test)


def test_split_without_shuffle_is_consecutive():
    split = train_val_test_split(10, (0.6, 0.2, 0.2), shuffle=False)
    assert split.train.tolist() == list(range(6)) and split.test.tolist() == [8, 9]


def test_stratified_split_keeps_each_class_share():
    labels = np.repeat([0, 1, 2], [50, 30, 20])
    split = train_val_test_split(len(labels), (0.6, 0.2, 0.2), stratify=labels, seed=3)
    assert_partition(split, 100)
    for part, fraction in zip(split, (0.6, 0.2, 0.2)):
        counts = np.bincount(labels[part], minlength=3)
        np.testing.assert_allclose(counts, np.array([50, 30, 20]) * fraction, atol=1)
    # a rare class still reaches every part
    rare = np.array([0] * 95 + [1] * 5)
    split = train_val_test_split(100, (0.6, 0.2, 0.2), stratify=rare, seed=0)
    assert all((rare[p] == 1).any() for p in split)


def test_take_flags_each_part():
    x = np.arange(20.0).reshape(10, 2)
    train, val, test = train_val_test_split(10, seed=0).take(x)
    assert (split_of(train), split_of(val), split_of(test)) == ("train", "val", "test")
    assert train.shape[1] == 2 and len(train) + len(val) + len(test) == 10


def test_split_errors():
    with pytest.raises(ValueError, match=r"fractions must be three.*summing to 1, got "
                                         r"\(0.5, 0.2, 0.2\)"):
        train_val_test_split(10, (0.5, 0.2, 0.2))
    with pytest.raises(ValueError, match=r"stratify must hold one label per sample, shape "
                                         r"\(10,\), got shape \(9,\)"):
        train_val_test_split(10, stratify=np.zeros(9))
    with pytest.raises(ValueError, match="pass generator= or seed=, not both"):
        train_val_test_split(10, seed=0, generator=gg.Generator(0))
    with pytest.raises(ValueError, match="need at least one sample"):
        train_val_test_split(0)


@pytest.mark.parametrize("shuffle", [True, False])
def test_kfold_folds_partition_and_complement(shuffle):
    folds = kfold_indices(23, n_splits=5, shuffle=shuffle, seed=0)
    assert len(folds) == 5
    assert_partition([val for _, val in folds], 23)
    assert sorted(len(val) for _, val in folds) == [4, 4, 5, 5, 5]
    for train, val in folds:
        assert not set(train) & set(val) and len(train) + len(val) == 23
    if not shuffle:
        assert folds[0][1].tolist() == [0, 1, 2, 3, 4]


def test_stratified_kfold_balances_classes():
    labels = np.repeat([0, 1, 2], [40, 25, 10])
    folds = kfold_indices(75, n_splits=5, stratify=labels, generator=gg.Generator(2))
    assert_partition([val for _, val in folds], 75)
    for _, val in folds:
        np.testing.assert_allclose(np.bincount(labels[val], minlength=3), [8, 5, 2], atol=1)
    assert max(len(v) for _, v in folds) - min(len(v) for _, v in folds) <= 1


def test_kfold_errors():
    with pytest.raises(ValueError, match="n_splits must be an integer from 2 to n_samples=4"):
        kfold_indices(4, n_splits=5)


def test_walk_forward_expanding():
    wf = walk_forward(100, n_splits=4, val_size=10, test_size=20)
    assert wf.test.tolist() == list(range(80, 100))
    starts = [val[0] for _, val in wf.folds]
    assert starts == [40, 50, 60, 70]
    for train, val in wf.folds:
        assert train[0] == 0 and train[-1] == val[0] - 1 and len(val) == 10
        assert val[-1] < wf.test[0]
    assert wf.final_train.tolist() == list(range(80))


def test_walk_forward_sliding_with_gap_and_default_sizes():
    wf = walk_forward(120, n_splits=3, val_size=15, test_size=0.25, window="sliding",
                      train_size=30, gap=2)
    assert len(wf.test) == 30 and wf.test[0] == 90
    for train, val in wf.folds:
        assert len(train) == 30 and train[-1] == val[0] - 3      # two samples left out
    assert len(wf.final_train) == 30 and wf.final_train[-1] == 87
    # defaults: an equal share per validation stretch, as sklearn's TimeSeriesSplit
    wf = walk_forward(60, n_splits=5, test_size=0)
    assert [len(v) for _, v in wf.folds] == [10] * 5 and len(wf.folds[0][0]) == 10


def test_walk_forward_matches_sklearn_time_series_split():
    sklearn = pytest.importorskip("sklearn.model_selection")
    ours = walk_forward(57, n_splits=4, test_size=0).folds
    theirs = list(sklearn.TimeSeriesSplit(n_splits=4).split(np.zeros(57)))
    for (a_train, a_val), (b_train, b_val) in zip(ours, theirs):
        np.testing.assert_array_equal(a_train, b_train)
        np.testing.assert_array_equal(a_val, b_val)


def test_walk_forward_errors():
    with pytest.raises(ValueError, match="window must be 'expanding' or 'sliding'"):
        walk_forward(50, window="rolling")
    with pytest.raises(ValueError, match="train_size is the window of window='sliding'"):
        walk_forward(50, train_size=10)
    with pytest.raises(ValueError, match="leave 0 training samples for the first fold"):
        walk_forward(50, n_splits=5, val_size=10, test_size=0)
    with pytest.raises(ValueError, match="need at least 30"):
        walk_forward(100, n_splits=4, val_size=10, test_size=20, window="sliding",
                     train_size=30, gap=15)
    with pytest.raises(ValueError, match="need 0 <= test < n_samples"):
        walk_forward(10, test_size=10)


def test_check_walk_forward_refuses_the_future_and_the_test_stretch():
    check_walk_forward([(np.arange(5), np.arange(5, 8))], test=np.arange(8, 10))
    with pytest.raises(ValueError, match=r"fold 0 validates on index 3, which is not after "
                                         r"its last training index 6"):
        check_walk_forward([(np.array([0, 1, 6]), np.array([3, 4]))])
    with pytest.raises(ValueError, match=r"fold 1 uses indices of the test stretch \[8, 9\]"):
        check_walk_forward([(np.arange(3), np.arange(3, 5)), (np.arange(5), np.arange(5, 9))],
                           test=np.arange(8, 10))
    with pytest.raises(ValueError, match="fold 0 has 0 training"):
        check_walk_forward([(np.array([], dtype=np.int64), np.arange(3))])


def test_more_argument_errors():
    with pytest.raises(ValueError, match="n_splits must be a positive integer, got 0"):
        walk_forward(50, n_splits=0)
    with pytest.raises(ValueError, match="gap must be >= 0, got -1"):
        walk_forward(50, gap=-1)
    with pytest.raises(ValueError, match=r"too few for 5 validation stretches \(val_size=0\)"):
        walk_forward(8, n_splits=5, test_size=4)
    with pytest.raises(TypeError, match="n_samples must be an int or something with len"):
        train_val_test_split(3.5)
    with pytest.raises(ValueError, match="stratify needs shuffle=True"):
        kfold_indices(10, stratify=np.zeros(10), shuffle=False)
    with pytest.raises(ValueError, match="stratify needs shuffle=True"):
        train_val_test_split(10, stratify=np.zeros(10), shuffle=False)
