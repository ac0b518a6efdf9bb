"""Splitting samples into train / validation / test as index arrays.

- `train_val_test_split`: a random (optionally stratified) split by fractions.
- `kfold_indices`: k folds for cross-validation (optionally stratified).
- `walk_forward`: folds for time series, where the model may only learn from the past: each
  fold trains on a stretch and validates on the stretch right after it, and a final test
  stretch at the end is seen by no fold. `check_walk_forward` refuses folds that break that.

Every function returns int64 index arrays; take `x[split.train]`, or `Subset(ds, split.train)`.
`SplitIndices.take(x)` also flags each part with its split name, so a fitted transform refuses
to fit on the validation or test part (glassgrad.data.scalers).
"""
from typing import NamedTuple

import numpy as np

from ..random import Generator, _generator
from ..tensor import as_array


def _num_samples(n_samples, name):
    if isinstance(n_samples, (int, np.integer)) and not isinstance(n_samples, bool):
        n = int(n_samples)
    elif hasattr(n_samples, "__len__"):
        n = len(n_samples)
    else:
        raise TypeError(f"{name}: n_samples must be an int or something with len(), "
                        f"got {type(n_samples).__name__}")
    if n < 1:
        raise ValueError(f"{name}: need at least one sample, got n_samples={n}")
    return n


def _rng(generator, seed, name):
    if generator is not None and seed is not None:
        raise ValueError(f"{name}: pass generator= or seed=, not both")
    return _generator(Generator(seed) if seed is not None else generator)


def _labels(stratify, n, name):
    labels = as_array(stratify)
    if labels.shape != (n,):
        raise ValueError(f"{name}: stratify must hold one label per sample, shape ({n},), "
                         f"got shape {labels.shape}")
    return labels


def _class_groups(labels, rng):
    """The indices of each class (in sorted class order), each group shuffled."""
    classes, inverse = np.unique(labels, return_inverse=True)
    return [rng.permutation(np.flatnonzero(inverse == c)) for c in range(len(classes))]


def _counts(n, fractions):
    """Whole counts from fractions of n: floors, then the leftover to the largest remainders."""
    exact = np.asarray(fractions, dtype=np.float64) * n
    counts = np.floor(exact).astype(np.int64)
    leftover = n - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:leftover]] += 1
    return counts


class SplitIndices(NamedTuple):
    """Index arrays of a train / validation / test split."""
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    def take(self, array):
        """(train, val, test) parts of `array`, each flagged with its split name."""
        from .scalers import flag_split
        array = as_array(array)
        return tuple(flag_split(array[idx], name) for name, idx in zip(self._fields, self))


def train_val_test_split(n_samples, fractions=(0.8, 0.1, 0.1), stratify=None, shuffle=True,
                         generator=None, seed=None):
    """Split n_samples indices into train / validation / test by `fractions`.

    Args:
        n_samples: the number of samples, or anything with len() (an array, a data set).
        fractions: (train, val, test), non-negative, summing to 1 (val or test may be 0).
        stratify: one class label per sample: each class is split in the same fractions
            (counts rounded per class), so rare classes appear in every part.
        shuffle: if False, the parts are consecutive stretches in order (no stratify then).
        generator / seed: the randomness (a glassgrad.Generator, or an int seed).
    Returns:
        SplitIndices(train, val, test) of sorted int64 indices.
    """
    name = "train_val_test_split"
    n = _num_samples(n_samples, name)
    fractions = tuple(float(f) for f in fractions)
    if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1) > 1e-6:
        raise ValueError(f"{name}: fractions must be three non-negative numbers "
                         f"(train, val, test) summing to 1, got {fractions}")
    if not shuffle:
        if stratify is not None:
            raise ValueError(f"{name}: stratify needs shuffle=True")
        bounds = np.cumsum([0, *_counts(n, fractions)])
        return SplitIndices(*(np.arange(a, b, dtype=np.int64)
                              for a, b in zip(bounds[:-1], bounds[1:])))
    rng = _rng(generator, seed, name)
    groups = ([rng.permutation(n)] if stratify is None
              else _class_groups(_labels(stratify, n, name), rng))
    parts = ([], [], [])
    for group in groups:
        bounds = np.cumsum([0, *_counts(len(group), fractions)])
        for part, a, b in zip(parts, bounds[:-1], bounds[1:]):
            part.append(group[a:b])
    return SplitIndices(*(np.sort(np.concatenate(p)).astype(np.int64) for p in parts))


def kfold_indices(n_samples, n_splits=5, shuffle=True, stratify=None, generator=None,
                  seed=None):
    """Split n_samples into `n_splits` folds; each fold validates once, the rest train it.

    Folds differ in size by at most one sample. With `stratify` (one label per sample) every
    class is dealt round-robin over the folds, so each fold holds nearly the same share of it.

    Returns:
        a list of (train_indices, val_indices) pairs, sorted int64 arrays.
    """
    name = "kfold_indices"
    n = _num_samples(n_samples, name)
    if not isinstance(n_splits, (int, np.integer)) or not 2 <= n_splits <= n:
        raise ValueError(f"{name}: n_splits must be an integer from 2 to n_samples={n}, "
                         f"got {n_splits!r}")
    if stratify is not None:
        if not shuffle:
            raise ValueError(f"{name}: stratify needs shuffle=True")
        order = np.concatenate(_class_groups(_labels(stratify, n, name),
                                             _rng(generator, seed, name)))
        fold_of = np.empty(n, dtype=np.int64)
        fold_of[order] = np.arange(n) % n_splits       # deal each class round-robin
    else:
        order = _rng(generator, seed, name).permutation(n) if shuffle else np.arange(n)
        sizes = _counts(n, [1 / n_splits] * n_splits)
        fold_of = np.empty(n, dtype=np.int64)
        fold_of[order] = np.repeat(np.arange(n_splits), sizes)
    return [(np.flatnonzero(fold_of != k).astype(np.int64),
             np.flatnonzero(fold_of == k).astype(np.int64)) for k in range(n_splits)]


class WalkForward(NamedTuple):
    """Walk-forward splits: `folds` [(train, val), ...] in time order, the held-out `test`
    stretch, and `final_train`: what to train the last model on before touching `test`."""
    folds: list
    test: np.ndarray
    final_train: np.ndarray


def walk_forward(n_samples, n_splits=5, val_size=None, test_size=0.2, window="expanding",
                 train_size=None, gap=0):
    """Time-series folds: train on the past only, validate on the stretch right after.

    Samples must be in time order. The last `test_size` samples are the test stretch, used
    once at the end and by no fold. Before it, `n_splits` validation stretches of `val_size`
    follow each other; each fold trains on what comes before its stretch:

        expanding:  [train.........][gap][val]          every sample since the start
        sliding:         [train....][gap][val]          only the last `train_size` samples

    Args:
        n_samples: the number of samples (or anything with len()), oldest first.
        n_splits: the number of folds.
        val_size: samples per validation stretch; default: an equal share, as for
            sklearn's TimeSeriesSplit, (n_dev // (n_splits + 1)).
        test_size: a count, or a fraction of n_samples (0 for no test stretch).
        window: "expanding" or "sliding".
        train_size: the length of the training window of "sliding" (default: all that fits
            before the first validation stretch); not used by "expanding".
        gap: samples left out between train and val (and before the test stretch), for
            targets that look ahead (a horizon h > 1 needs gap >= h - 1).
    Returns:
        WalkForward(folds, test, final_train), int64 index arrays.
    """
    name = "walk_forward"
    n = _num_samples(n_samples, name)
    if window not in ("expanding", "sliding"):
        raise ValueError(f"{name}: window must be 'expanding' or 'sliding', got {window!r}")
    if not isinstance(n_splits, (int, np.integer)) or n_splits < 1:
        raise ValueError(f"{name}: n_splits must be a positive integer, got {n_splits!r}")
    if window == "expanding" and train_size is not None:
        raise ValueError(f"{name}: train_size is the window of window='sliding'; "
                         f"window='expanding' always trains from the first sample")
    if gap < 0:
        raise ValueError(f"{name}: gap must be >= 0, got {gap}")
    is_fraction = isinstance(test_size, float) and test_size < 1
    n_test = int(round(test_size * n)) if is_fraction else int(test_size)
    if not 0 <= n_test < n:
        raise ValueError(f"{name}: test_size={test_size!r} gives {n_test} test samples out "
                         f"of {n}; need 0 <= test < n_samples")
    n_dev = n - n_test
    if val_size is None:
        val_size = n_dev // (n_splits + 1)
    if val_size < 1:
        raise ValueError(f"{name}: {n_dev} samples before the test stretch are too few for "
                         f"{n_splits} validation stretches (val_size={val_size})")
    first_val = n_dev - n_splits * val_size
    if window == "sliding" and train_size is None:
        train_size = first_val - gap
    room = first_val - gap
    needed = train_size if train_size is not None else 1
    if room < needed or needed < 1:
        raise ValueError(f"{name}: n_samples={n}, test={n_test}, n_splits={n_splits}, "
                         f"val_size={val_size}, gap={gap} leave {max(room, 0)} training samples "
                         f"for the first fold; need at least {max(needed, 1)}")

    def train_before(stop):
        start = 0 if train_size is None else stop - train_size
        return np.arange(start, stop, dtype=np.int64)

    folds = []
    for k in range(n_splits):
        val_start = first_val + k * val_size
        folds.append((train_before(val_start - gap),
                      np.arange(val_start, val_start + val_size, dtype=np.int64)))
    test = np.arange(n_dev, n, dtype=np.int64)
    result = WalkForward(folds, test, train_before(n_dev - gap))
    check_walk_forward(result.folds, result.test)
    return result


def check_walk_forward(folds, test=None):
    """Raise ValueError if a fold validates on a sample older than one it trains on, or if
    any fold trains or validates on a test index. Returns None when the folds are sound."""
    test = np.asarray([] if test is None else test, dtype=np.int64)
    for k, (train, val) in enumerate(folds):
        train, val = np.asarray(train), np.asarray(val)
        if train.size == 0 or val.size == 0:
            raise ValueError(f"check_walk_forward: fold {k} has {train.size} training and "
                             f"{val.size} validation indices; both must be non-empty")
        if val.min() <= train.max():
            raise ValueError(f"check_walk_forward: fold {k} validates on index {val.min()}, "
                             f"which is not after its last training index {train.max()}; "
                             f"a time-series model may only learn from the past")
        if test.size and (np.isin(train, test).any() or np.isin(val, test).any()):
            raise ValueError(f"check_walk_forward: fold {k} uses indices of the test stretch "
                             f"[{test.min()}, {test.max()}]; the test stretch is for the end only")
