"""The digit-string tasks: targets are what their names say (checked against plain Python),
the pattern classes have their properties and are balanced, seeds repeat, errors are clear."""
import numpy as np
import pytest

from glassgrad.data.datasets.digit_strings import (has_pattern, pattern_strings, seq2seq_task,
                                                   tagging_task)


def test_seq2seq_targets():
    source, target = seq2seq_task("reverse", 50, 7, seed=1)
    assert source.shape == target.shape == (50, 7) and source.max() <= 9
    assert all(list(t) == list(s)[::-1] for s, t in zip(source, target))
    source, target = seq2seq_task("sort", 50, 7, seed=1)
    assert all(list(t) == sorted(s) for s, t in zip(source, target))
    np.testing.assert_array_equal(seq2seq_task("sort", 5, 3, seed=2)[0],
                                  seq2seq_task("sort", 5, 3, seed=2)[0])


def test_tagging_targets():
    tokens, tags = tagging_task("new_max", 40, 9, seed=0)
    for row, tag in zip(tokens, tags):
        assert list(tag) == [int(all(row[t] > row[s] for s in range(t))) for t in range(9)]
    tokens, tags = tagging_task("parity", 40, 9, seed=0)
    for row, tag in zip(tokens, tags):
        assert list(tag) == [sum(int(d) % 2 for d in row[:t + 1]) % 2 for t in range(9)]


def test_patterns():
    strings, labels = pattern_strings(400, 8, seed=0)
    assert np.bincount(labels).tolist() == [100] * 4
    for label in range(4):
        assert has_pattern(strings[labels == label], label).all()
        # the other classes' strings mostly lack the property (a few by chance)
        assert has_pattern(strings[labels != label], label).mean() < 0.2
    assert has_pattern([[1, 2, 2, 5]], 0).all() and not has_pattern([[1, 3, 2]], 0).any()


def test_errors():
    with pytest.raises(ValueError, match="seq2seq_task: task must be one of reverse, sort, got "
                                         "'copy'"):
        seq2seq_task("copy", 3, 3)
    with pytest.raises(ValueError, match="tagging_task: length must be a positive integer, got "
                                         "0"):
        tagging_task("parity", 3, 0)
    with pytest.raises(ValueError, match="has_pattern: label must be one of 0..3"):
        has_pattern([[1]], 4)
