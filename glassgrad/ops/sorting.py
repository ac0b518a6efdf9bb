"""Sorting: sort, argsort, topk, and unique.

The order is found in numpy: indices are piecewise constant, so no gradient flows through them.
The sorted values are `gather(a, dim, order)`, so their gradient is gather's (scatter_add, the
gradient put back where each value came from), differentiable again.
"""
from collections import namedtuple

import numpy as np

from ..tensor import Tensor
from .indexing import gather
from .movement import _dim

SortResult = namedtuple("SortResult", ["values", "indices"])     # torch.return_types.sort
TopkResult = namedtuple("TopkResult", ["values", "indices"])     # torch.return_types.topk


def _order(op, a, dim, descending):
    """(dim, indices that sort `a` along dim); ties keep their original order (stable)."""
    values = a._data.reshape(1) if a.ndim == 0 else a._data     # a 0-d tensor: one element
    dim = _dim(op, dim, values.ndim)
    if not descending:
        return dim, np.argsort(values, axis=dim, kind="stable")
    # Descending and still stable: sort the reversed values, reverse that order and map it back
    # (sorting -values would put ties the other way round, and fails for unsigned and bool).
    ascending = np.argsort(np.flip(values, dim), axis=dim, kind="stable")
    return dim, values.shape[dim] - 1 - np.flip(ascending, dim)


def _gathered(a, dim, order, result):
    if a.ndim == 0:
        return result(gather(a.reshape(1), dim, order).reshape(()), Tensor(order.reshape(())))
    return result(gather(a, dim, order), Tensor(order))


def sort(a, dim=-1, descending=False, stable=False):
    """(values, indices) of `a` sorted along `dim` (torch.sort). Always stable: equal values
    keep their order. NaN sorts as the largest value, as in torch."""
    dim, order = _order("sort", a, dim, descending)
    return _gathered(a, dim, order, SortResult)


def argsort(a, dim=-1, descending=False, stable=False):
    """The indices that sort `a` along `dim` (sort's indices); no gradient."""
    _, order = _order("argsort", a, dim, descending)
    return Tensor(order.reshape(a.shape))


def topk(a, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (or smallest) elements along `dim`, in order
    (torch.topk; with sorted=False torch's order is unspecified, here it is sorted anyway)."""
    dim, order = _order("topk", a, dim, descending=largest)
    if not 0 <= k <= order.shape[dim]:
        raise RuntimeError(f"topk: k={k} is out of range: dim {dim} of a tensor of shape "
                           f"{tuple(a.shape)} has {order.shape[dim]} elements")
    return _gathered(a, dim, np.take(order, np.arange(k), axis=dim), TopkResult)


def unique(a, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values of `a` in ascending order (or the distinct slices along `dim`), and
    optionally where each element went (`inverse`, shaped as `a`) and how often each occurs.
    No gradient, as in torch."""
    values, inverse, counts = np.unique(a._data, return_inverse=True, return_counts=True,
                                        axis=dim)
    inverse = inverse.reshape(a.shape if dim is None else -1)
    extras = [Tensor(x.astype(np.int64)) for x, wanted in ((inverse, return_inverse),
                                                           (counts, return_counts)) if wanted]
    return (Tensor(values), *extras) if extras else Tensor(values)
