"""`DataLoader`: batches from a data set, shuffled each epoch from a seeded generator, and
`default_collate`, which stacks samples (arrays, numbers, tuples, dicts) into Tensors.

Like torch.utils.data.DataLoader without worker processes. A `TensorDataset` (or a `Subset`
of one) with the default collate is indexed a whole batch at a time, which gives the same
batches as collating sample by sample, only faster.
"""
import collections.abc
import math
import numbers

import numpy as np

from .. import dtypes
from ..random import _generator
from ..tensor import Tensor, as_array
from .dataset import Subset, TensorDataset


def default_collate(batch):
    """Stack a list of samples into one batch, keeping the samples' structure.

    Tensors and numpy arrays are stacked along a new first dimension (dtype kept); Python
    floats become the default float dtype (float32), ints int64, bools bool; strings stay a
    list; tuples/lists and dicts are collated field by field.
    """
    first = batch[0]
    if isinstance(first, (Tensor, np.ndarray, np.generic)):
        arrays = [as_array(e) for e in batch]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise RuntimeError(f"default_collate: every sample's array must have the same "
                               f"shape to be stacked into a batch, got shapes {sorted(shapes)}; "
                               f"pad the samples or pass a collate_fn")
        return Tensor(np.stack(arrays))
    if isinstance(first, bool):
        return Tensor(np.array(batch, dtype=np.bool_))
    if isinstance(first, numbers.Integral):
        return Tensor(np.array(batch, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return Tensor(np.array(batch, dtype=dtypes.get_default_dtype()))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, collections.abc.Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):      # a namedtuple
        return type(first)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        if len({len(sample) for sample in batch}) > 1:
            raise RuntimeError("default_collate: every sample in the batch must have the same "
                               "number of fields")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError(f"default_collate: samples must be Tensors, numpy arrays, numbers, strings, "
                    f"dicts or sequences of these; got {type(first).__name__}")


def _whole_batch_indexer(dataset):
    """A function giving a whole batch from an index array, if the data set allows one."""
    if isinstance(dataset, TensorDataset):
        return dataset._take
    if isinstance(dataset, Subset):
        inner = _whole_batch_indexer(dataset.dataset)
        if inner is not None:
            return lambda indices: inner(dataset.indices[indices])
    return None


class DataLoader:
    """Iterate over `dataset` in batches.

    Args:
        dataset: a data set (len() and [i]).
        batch_size: samples per batch; None yields single samples, not batched.
        shuffle: draw a new order each epoch (each `iter()`) from `generator`.
        drop_last: drop the last batch if it is smaller than `batch_size`.
        collate_fn: turns a list of samples into a batch (default: `default_collate`).
        generator: a glassgrad.Generator for the shuffling; the default generator if None
            (then `glassgrad.manual_seed` makes the order reproducible).
    Example:
        >>> loader = DataLoader(ds, batch_size=32, shuffle=True, generator=Generator(0))
        >>> for x, y in loader: ...
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, collate_fn=None,
                 generator=None):
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                       or isinstance(batch_size, bool) or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size must be a positive integer or None, "
                             f"got {batch_size!r}")
        if batch_size is None and drop_last:
            raise ValueError("DataLoader: drop_last=True needs a batch_size, got None")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        self.generator = generator

    def __len__(self):
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if self.shuffle:
            return _generator(self.generator).permutation(n)
        return np.arange(n)

    def __iter__(self):
        order = self._order()
        if self.batch_size is None:
            convert = self.collate_fn or (lambda sample: sample)
            for i in order:
                yield convert(self.dataset[int(i)])
            return
        indexer = _whole_batch_indexer(self.dataset) if self.collate_fn is None else None
        collate = self.collate_fn or default_collate
        for start in range(0, len(order), self.batch_size):
            indices = order[start:start + self.batch_size]
            if self.drop_last and len(indices) < self.batch_size:
                return
            if indexer is not None:
                yield indexer(indices)
            else:
                yield collate([self.dataset[int(i)] for i in indices])
