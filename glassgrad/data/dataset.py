"""Data sets with PyTorch's names: `Dataset` (indexable samples), `TensorDataset` (tensors
that share their first dimension), `Subset`, `ConcatDataset` and `random_split`.

A data set only answers `len(ds)` and `ds[i]`; batching and shuffling belong to `DataLoader`.
"""
import bisect

import numpy as np

from ..random import _generator
from ..tensor import Tensor
from . import checks


class Dataset:
    """A collection of samples: subclasses define `__getitem__(i)` and `__len__()`."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are slices along the first dimension of each tensor: `ds[i] = (x[i], y[i])`.

    Args:
        *tensors: Tensors or numpy arrays with the same first dimension (arrays are wrapped
            without a copy).
        check_finite: raise if a floating-point tensor holds NaN or Inf.
    Example:
        >>> ds = TensorDataset(np.zeros((4, 3), np.float32), np.arange(4))
        >>> x, y = ds[1]
    """

    def __init__(self, *tensors, check_finite=False):
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor, got none")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(np.asarray(t))
                             for t in tensors)
        sizes = [t.shape[0] if t.ndim else None for t in self.tensors]
        if None in sizes or len(set(sizes)) != 1:
            shapes = ", ".join(str(t.shape) for t in self.tensors)
            raise ValueError(f"TensorDataset: every tensor needs the same first dimension "
                             f"(the number of samples), got shapes {shapes}")
        if check_finite:
            for position, t in enumerate(self.tensors):
                checks.check_finite(t, f"TensorDataset tensor {position}")

    def __getitem__(self, index):
        return tuple(Tensor(t._data[index]) for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]

    def _take(self, indices):
        """A whole batch at once: each tensor indexed by an integer array (the fast path)."""
        return tuple(Tensor(t._data[indices]) for t in self.tensors)



class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order (`Subset(ds, idx)[k] = ds[idx[k]]`)."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices._data if isinstance(indices, Tensor) else indices,
                                  dtype=np.int64).reshape(-1)
        n = len(dataset)
        if self.indices.size and (self.indices.min() < -n or self.indices.max() >= n):
            raise IndexError(f"Subset: indices must lie in [0, {n}) for a data set of "
                             f"{n} samples, got values from {self.indices.min()} to "
                             f"{self.indices.max()}")

    def __getitem__(self, index):
        return self.dataset[int(self.indices[index])]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several data sets one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: expected at least one data set, got none")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]))

    def __len__(self):
        return int(self.cumulative_sizes[-1]) if self.cumulative_sizes else 0

    def __getitem__(self, index):
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"ConcatDataset: index {index} out of range for {n} samples")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def _split_lengths(n, lengths):
    """Whole lengths from `lengths`: integers summing to n, or fractions summing to 1.

    Fractions are floored and the remainder handed out one at a time from the first split,
    as torch.utils.data.random_split does.
    """
    lengths = list(lengths)
    total = sum(lengths)
    if all(isinstance(v, (int, np.integer)) for v in lengths):
        if total != n:
            raise ValueError(f"random_split: lengths {lengths} sum to {total}, but the data set "
                             f"has {n} samples")
        return [int(v) for v in lengths]
    if any(v < 0 for v in lengths) or abs(total - 1) > 1e-6:
        raise ValueError(f"random_split: fractions must be non-negative and sum to 1, "
                         f"got {lengths} (sum {total})")
    counts = [int(np.floor(n * f)) for f in lengths]
    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def random_split(dataset, lengths, generator=None):
    """Split `dataset` at random into non-overlapping `Subset`s of the given lengths.

    Args:
        dataset: any data set with len().
        lengths: sizes (summing to len(dataset)) or fractions (summing to 1).
        generator: a glassgrad.Generator for a reproducible split.
    """
    counts = _split_lengths(len(dataset), lengths)
    order = _generator(generator).permutation(len(dataset))
    bounds = np.cumsum([0] + counts)
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
