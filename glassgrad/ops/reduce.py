"""Reductions: sum, mean, var, std, max/min, prod, logsumexp, argmax/argmin, norm.

`dim` is an int, a tuple of ints, or None for all dimensions; `keepdim` keeps reduced
dimensions as size 1 (torch's names). Each backward first restores the reduced dimensions
(`_unreduce`) and then broadcasts the gradient back over them.
"""
import builtins
import math
from collections import namedtuple

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from ._broadcast import expand
from . import elementwise as ew

MaxResult = namedtuple("MaxResult", ["values", "indices"])   # torch.return_types.max


def _axes(op, ndim, dim):
    """Normalise `dim` to a sorted tuple of non-negative axes, with an error naming the op."""
    if dim is None:
        return tuple(range(ndim))
    if type(dim) is int and -ndim <= dim < ndim:      # the common case, quickly
        return (dim % ndim,)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    axes = []
    bound = builtins.max(ndim, 1)     # a 0-d tensor accepts dim 0 or -1, as in torch
    for d in dims:
        if not -bound <= d < bound:
            raise IndexError(f"{op}: dim {d} is out of range for a tensor with {ndim} "
                             f"dimension(s) (expected -{bound} to {bound - 1})")
        if ndim:                      # a 0-d tensor has nothing to reduce over
            axes.append(d % ndim)
    return tuple(sorted(set(axes)))


def _unreduce(grad, in_shape, axes, keepdim):
    """Give `grad` back the reduced axes (as size 1), then expand it to the input's shape."""
    if not keepdim and axes and len(in_shape):
        kept = tuple(1 if i in axes else s for i, s in enumerate(in_shape))
        grad = grad.reshape(kept)
    return expand(grad, in_shape)


class Sum(Function):
    """scale · Σ a over `axes` (scale 1 for a sum). Backward: the gradient, times scale, copied
    back over the summed axes."""

    reads_inputs = False

    @staticmethod
    def forward(ctx, a, axes, keepdim, scale=1.0):
        ctx.axes, ctx.keepdim, ctx.in_shape, ctx.scale = axes, keepdim, a.shape, scale
        total = np.add.reduce(a, axis=axes, keepdims=keepdim)    # a.sum's Python layer: +1 µs
        return total if scale == 1.0 else total * scale     # a Python float keeps float32

    @staticmethod
    def backward(ctx, grad):
        grad = grad if ctx.scale == 1.0 else grad * ctx.scale
        return _unreduce(grad, ctx.in_shape, ctx.axes, ctx.keepdim)


class Mean(Sum):
    """(1/n) Σ a over `axes`: a Sum with scale 1/n (its own name, for the graph's nodes)."""


class Extreme(Function):
    """max or min over `axes`. The gradient goes to the winners: the one at `indices` when a
    single dim is reduced (as torch's max(dim)), split evenly among ties otherwise (as amax).
    """

    @staticmethod
    def forward(ctx, a, axes, keepdim, largest, index=None):
        # `index`: the winners along the single reduced dim (keepdims argmax/argmin), or None.
        out = (a.max if largest else a.min)(axis=axes, keepdims=True)
        if index is not None:
            weights = np.zeros(a.shape, dtype=a.dtype if a.dtype.kind == "f" else np.float32)
            np.put_along_axis(weights, index, 1, axis=axes[0])
        else:
            weights = (a == out).astype(a.dtype if a.dtype.kind == "f" else np.float32)
            weights /= weights.sum(axis=axes, keepdims=True)
        ctx.weights, ctx.axes, ctx.keepdim = weights, axes, keepdim
        return out if keepdim else out.reshape([s for i, s in enumerate(a.shape) if i not in axes])

    @staticmethod
    def backward(ctx, grad):
        return _unreduce(grad, ctx.weights.shape, ctx.axes, ctx.keepdim) * ctx.weights


class Prod(Function):
    """Π a over one dim (or all).   d/da_i = Π_{j≠i} a_j, computed without dividing by zero."""

    save_output = True

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        ctx.axes, ctx.keepdim, ctx.in_shape = axes, keepdim, a.shape
        return a.prod(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        a = ctx.inputs[0]
        axes, keepdim, shape = ctx.axes, ctx.keepdim, ctx.in_shape
        out = _unreduce(ctx.output, shape, axes, keepdim)
        grad = _unreduce(grad, shape, axes, keepdim)
        if not (a._data == 0).any():
            return grad * out / a
        return grad * _products_of_the_others(a, axes)


def _products_of_the_others(a, axes):
    """Π_{j≠i} a_j over `axes` for every i, without dividing, so right where some a_j = 0 and
    differentiable again (the second derivative of a product with a zero is not zero).

    The reduced axes go last and are flattened to n; row i of n copies has a_i replaced by 1,
    and each row's product is the answer for i. O(n²) memory, so only used when a has zeros.
    """
    kept = [i for i in range(a.ndim) if i not in axes]
    order = kept + list(axes)
    moved = a.permute(order) if a.ndim else a
    lead = moved.shape[:len(kept)]
    n = int(np.prod(moved.shape[len(kept):]))
    rows = moved.reshape(lead + (1, n))
    copies = where(np.eye(n, dtype=bool), 1.0, rows)      # (..., n, n), a_i -> 1 in row i
    others = prod(copies, -1).reshape(moved.shape)
    return others.permute(tuple(np.argsort(order))) if a.ndim else others


def sum(a, dim=None, keepdim=False):
    return Sum.apply(a, _axes("sum", a.ndim, dim), keepdim)


def mean(a, dim=None, keepdim=False):
    if a.dtype.kind not in "fc":
        raise RuntimeError(f"mean: expected a floating-point tensor, got dtype {a.dtype}")
    axes = _axes("mean", a.ndim, dim)
    count = math.prod([a.shape[i] for i in axes]) if a.ndim else 1
    return Mean.apply(a, axes, keepdim, 1.0 / count if count else math.nan)   # mean of nothing: NaN


def var(a, dim=None, unbiased=True, keepdim=False, *, correction=None):
    """Σ (a - mean)² / (n - correction); correction defaults to 1 (Bessel's) when unbiased."""
    if correction is None:
        correction = 1 if unbiased else 0
    axes = _axes("var", a.ndim, dim)
    n = math.prod([a.shape[i] for i in axes]) if a.ndim else 1
    centred = a - mean(a, axes, keepdim=True)
    # n <= correction leaves no degrees of freedom: as torch, the divisor stops at 0, so the
    # variance is inf (or NaN where every value is the same), never negative.
    with np.errstate(divide="ignore", invalid="ignore"):
        return sum(centred * centred, axes, keepdim) / np.float32(builtins.max(n - correction, 0))


def std(a, dim=None, unbiased=True, keepdim=False, *, correction=None):
    return _root(var(a, dim, unbiased, keepdim, correction=correction), 2)


def _root(s, p):
    """s^(1/p) for s >= 0, with gradient 0 at s = 0 (torch's choice for norm and std) instead
    of inf · 0 = NaN: the zeros are routed around the root on both sides of a `where`."""
    zero = s._data == 0
    root = ew.sqrt if p == 2 else (lambda x: x ** (1.0 / p))
    if not zero.any():
        return root(s)
    return where(zero, 0.0, root(where(zero, 1.0, s)))


def _extreme(a, dim, keepdim, largest):
    op = "max" if largest else "min"
    if a._data.size == 0:
        raise RuntimeError(f"{op}: cannot reduce an empty tensor of shape {a.shape}")
    if dim is None:
        return Extreme.apply(a, _axes(op, a.ndim, None), False, largest)
    axes = _axes(op, a.ndim, dim)
    if not axes:                      # a 0-d tensor, dim 0 or -1: itself, at index 0 (torch)
        return MaxResult(Extreme.apply(a, (), keepdim, largest), Tensor(np.zeros((), np.int64)))
    arg = a._data.argmax if largest else a._data.argmin
    index = arg(axis=axes[0], keepdims=True)          # computed once: indices and gradient
    values = Extreme.apply(a, axes, keepdim, largest, index)
    return MaxResult(values, Tensor(index if keepdim else index.squeeze(axes[0])))


def max(a, dim=None, keepdim=False):
    """The largest element, or `(values, indices)` along `dim` (as torch.max)."""
    if isinstance(dim, Tensor):   # torch.max(a, b) is the element-wise maximum
        return ew.maximum(a, dim)
    return _extreme(a, dim, keepdim, True)


def min(a, dim=None, keepdim=False):
    """The smallest element, or `(values, indices)` along `dim` (as torch.min)."""
    if isinstance(dim, Tensor):
        return ew.minimum(a, dim)
    return _extreme(a, dim, keepdim, False)


def amax(a, dim=None, keepdim=False):
    """Largest values over `dim` (one or several dims); ties share the gradient evenly."""
    return Extreme.apply(a, _axes("amax", a.ndim, dim), keepdim, True)


def amin(a, dim=None, keepdim=False):
    return Extreme.apply(a, _axes("amin", a.ndim, dim), keepdim, False)


def prod(a, dim=None, keepdim=False):
    return Prod.apply(a, _axes("prod", a.ndim, dim), keepdim)


def logsumexp(a, dim, keepdim=False):
    """log Σ exp(a) over `dim`, computed as m + log Σ exp(a - m) with m the (constant) max."""
    axes = _axes("logsumexp", a.ndim, dim)
    if a._data.size == 0:     # numpy's max has no identity; log Σ over nothing is -inf anyway
        m = np.zeros([1 if i in axes else s for i, s in enumerate(a.shape)], dtype=a.dtype)
    else:
        m = a._data.max(axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0).astype(a.dtype)   # all -inf: keep -inf, not NaN
    out = ew.log(sum(ew.exp(a - m), axes, keepdim=True)) + m
    return out if keepdim else out.reshape([s for i, s in enumerate(a.shape) if i not in axes])


def argmax(a, dim=None, keepdim=False):
    if dim is None:
        return Tensor(np.asarray(a._data.argmax()))
    return Tensor(a._data.argmax(axis=dim, keepdims=keepdim))


def argmin(a, dim=None, keepdim=False):
    if dim is None:
        return Tensor(np.asarray(a._data.argmin()))
    return Tensor(a._data.argmin(axis=dim, keepdims=keepdim))


def norm(a, p=2, dim=None, keepdim=False):
    """The p-norm over `dim` (all elements by default): (Σ |a|^p)^(1/p); p may be inf."""
    if p == 2:
        return _root(sum(a * a, dim, keepdim), 2)
    if p == 1:
        return sum(ew.abs(a), dim, keepdim)
    if p == float("inf"):
        return amax(ew.abs(a), dim, keepdim)
    return _root(sum(ew.abs(a) ** p, dim, keepdim), p)


from .indexing import where  # noqa: E402


# --- running sums; any and all ----------------------------------------------------------------
class Cumsum(Function):
    """Running sums along `dim`: out_i = Σ_{j<=i} a_j. Backward: a_j feeds every out_i with
    i >= j, so its gradient is the running sum of the gradient taken from the other end."""

    reads_inputs = False

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        return np.cumsum(a, axis=dim).reshape(a.shape)     # reshape: a 0-d input stays 0-d

    @staticmethod
    def backward(ctx, grad):
        return flip(Cumsum.apply(flip(grad, ctx.dim), ctx.dim), ctx.dim)


def cumsum(a, dim):
    """Running sums along `dim` (torch.cumsum); integers and bools sum in int64, as in torch."""
    axes = _axes("cumsum", a.ndim, dim)
    return Cumsum.apply(a, axes[0] if axes else 0)      # a 0-d tensor: numpy's axis 0


def any(a, dim=None, keepdim=False):
    """True where some element over `dim` (all of them by default) is non-zero; no gradient."""
    return Tensor(np.any(a._data, axis=_axes("any", a.ndim, dim), keepdims=keepdim))


def all(a, dim=None, keepdim=False):
    """True where every element over `dim` (all of them by default) is non-zero; no gradient."""
    return Tensor(np.all(a._data, axis=_axes("all", a.ndim, dim), keepdims=keepdim))


from .movement import flip  # noqa: E402
