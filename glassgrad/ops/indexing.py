"""Indexing and selection: `x[index]`, gather/scatter_add, where/masked_fill, one_hot.

Linear ops come as adjoint pairs: reading elements (getitem, gather) has as backward adding
into zeros at the same places (index_add, scatter_add), and each is the other's backward.
Integer indices may repeat, so the adding uses `np.add.at`, which accumulates repeats.
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor, as_array


def _plain_index(index):
    """Turn Tensors and lists inside an index into numpy arrays; report integer-array use."""
    items = index if isinstance(index, tuple) else (index,)
    plain, repeats_possible = [], False
    for item in items:
        if isinstance(item, Tensor):
            item = item._data
        elif isinstance(item, list):
            item = np.asarray(item)
        if isinstance(item, np.ndarray):
            if item.dtype.kind in "iu":
                repeats_possible = True
            elif item.dtype != bool:
                raise IndexError(f"getitem: tensors used as indices must be integer or boolean, "
                                 f"got dtype {item.dtype}")
        plain.append(item)
    return tuple(plain), repeats_possible


class GetItem(Function):
    """x[index] with ints, slices, None, Ellipsis, integer arrays or boolean masks."""

    reads_inputs = False
    is_view = True

    @staticmethod
    def forward(ctx, a, index, repeats_possible):
        ctx.in_shape, ctx.index, ctx.repeats = a.shape, index, repeats_possible
        try:
            return a[index]
        except IndexError as error:
            raise IndexError(f"getitem: index {_describe(index)} does not fit a tensor of shape "
                             f"{a.shape}: {error}") from None

    @staticmethod
    def backward(ctx, grad):
        return IndexAdd.apply(grad, ctx.in_shape, ctx.index, ctx.repeats)


class IndexAdd(Function):
    """zeros(shape) with `grad` added at `index` (repeated indices accumulate).
    Backward: read the gradient back at `index` (getitem)."""

    reads_inputs = False

    @staticmethod
    def forward(ctx, grad, shape, index, repeats_possible):
        ctx.index, ctx.repeats = index, repeats_possible
        out = np.zeros(shape, dtype=grad.dtype)
        if repeats_possible:
            np.add.at(out, index, grad)
        else:
            out[index] = grad       # slices and masks never hit an element twice
        return out

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, ctx.index, ctx.repeats)


def _describe(index):
    return "(" + ", ".join(f"array{tuple(i.shape)}" if isinstance(i, np.ndarray) else repr(i)
                           for i in index) + ")"


def getitem(a, index):
    index, repeats_possible = _plain_index(index)
    return GetItem.apply(a, index, repeats_possible)


def _along(op, a_shape, dim, index):
    """The full index tuple that picks `index` along `dim` (torch.gather's addressing)."""
    if index.ndim != len(a_shape):
        raise RuntimeError(f"{op}: index has {index.ndim} dimensions, but the input of shape "
                           f"{a_shape} has {len(a_shape)}; they must match")
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected an integer index, got dtype {index.dtype}")
    grids = list(np.ogrid[tuple(slice(s) for s in index.shape)])   # numpy 2 returns a tuple
    grids[dim] = index
    return tuple(grids)


class Gather(Function):
    """out[i][j] = a[i][index[i][j]] (for dim=1): torch.gather. Backward: scatter_add."""

    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.in_shape, ctx.dim, ctx.index = a.shape, dim, index
        try:
            return a[_along("gather", a.shape, dim, index)]
        except IndexError as error:
            raise RuntimeError(f"gather: index of shape {index.shape} out of range for input of "
                               f"shape {a.shape} along dim {dim}: {error}") from None

    @staticmethod
    def backward(ctx, grad):
        zeros = Tensor(np.zeros(ctx.in_shape, dtype=grad.dtype))
        return ScatterAdd.apply(zeros, ctx.dim, ctx.index, grad)


class ScatterAdd(Function):
    """out = a, then out[i][index[i][j]] += src[i][j] (dim=1): torch.scatter_add.
    Backward: the gradient passes to `a` unchanged and is gathered for `src`."""

    @staticmethod
    def forward(ctx, a, dim, index, src):
        ctx.dim, ctx.index = dim, index
        out = a.copy()
        src = src[tuple(slice(s) for s in index.shape)]
        np.add.at(out, _along("scatter_add", a.shape, dim, index), src)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, _, _, src = ctx.inputs
        grad_src = Gather.apply(grad, ctx.dim, ctx.index)
        if grad_src.shape != src.shape:   # src larger than index: only its first part was used
            grad_src = IndexAdd.apply(grad_src, src.shape,
                                      tuple(slice(s) for s in ctx.index.shape), False)
        return grad, None, None, grad_src


class Where(Function):
    """where(cond, a, b): a where cond holds, else b. Backward: the gradient routed by cond."""

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        _, a, b = ctx.inputs
        needs = ctx.needs_input_grad
        grad_a = Where.apply(ctx.cond, grad, 0.0) if needs[1] else None
        grad_b = Where.apply(ctx.cond, 0.0, grad) if needs[2] else None
        return None, grad_a, grad_b



def gather(a, dim, index):
    dim = dim % max(a.ndim, 1)
    return Gather.apply(a, dim, as_array(index))


def scatter_add(a, dim, index, src):
    dim = dim % max(a.ndim, 1)
    return ScatterAdd.apply(a, dim, as_array(index), src)


def index_select(a, dim, index):
    index = as_array(index)
    if index.ndim != 1:
        raise IndexError(f"index_select: index must be 1-D, got shape {index.shape}")
    dim = dim % max(a.ndim, 1)
    return GetItem.apply(a, (slice(None),) * dim + (index,), True)


def where(condition, a, b):
    """Elements of `a` where `condition` is true, else of `b` (both broadcast)."""
    cond = as_array(condition)
    if cond.dtype != bool:
        cond = cond.astype(bool)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        return Tensor(np.where(cond, a, b))
    if isinstance(a, Tensor) and not isinstance(b, Tensor) and np.ndim(b) == 0:
        b = np.asarray(b, dtype=a.dtype)      # keep float32: a Python 0.0 must not widen
    if isinstance(b, Tensor) and not isinstance(a, Tensor) and np.ndim(a) == 0:
        a = np.asarray(a, dtype=b.dtype)
    return Where.apply(cond, a, b)


def masked_fill(a, mask, value):
    """`a` with `value` wherever `mask` is true (the mask broadcasts against `a`)."""
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"masked_fill: value must be a 0-dimensional tensor, got shape "
                           f"{value.shape}")
    return where(mask, value, a)


def one_hot(tensor, num_classes=-1):
    """Integer class indices → int64 one-hot rows (torch.nn.functional.one_hot)."""
    labels = as_array(tensor)
    if labels.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot: expected integer class indices, got dtype {labels.dtype}")
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes}), got "
                           f"min {labels.min()}, max {labels.max()}")
    return Tensor((labels[..., None] == np.arange(num_classes)).astype(np.int64))


# --- nonzero, scatter, the triangles of a matrix ----------------------------------------------
def nonzero(a, as_tuple=False):
    """Where `a` is non-zero: an (n, a.ndim) int64 tensor of indices (torch.nonzero), or with
    as_tuple=True one 1-D tensor of indices per dimension (numpy's nonzero). No gradient."""
    values = as_array(a)
    if as_tuple:
        return tuple(Tensor(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(values)))
    return Tensor(np.argwhere(values).astype(np.int64))


def scatter(a, dim, index, src=None, value=None):
    """`a` with out[i][index[i][j]] = src[i][j] (for dim=1), or = value (torch.scatter).

    Made of scatter_add into zeros and where, so the gradient is zero for the overwritten
    elements of `a` and gathered from those places for `src`. torch leaves unspecified which of
    several values written to one place wins, so with a tensor `src` that is refused.
    """
    fill = src if value is None else value
    if (src is None) == (value is None):
        raise TypeError("scatter: expected either src (a tensor or a number) or value (a number)")
    dim, index = dim % max(a.ndim, 1), as_array(index)
    places = _along("scatter", a.shape, dim, index)
    hit = np.zeros(a.shape, dtype=bool)
    try:
        hit[places] = True
    except IndexError as error:
        raise RuntimeError(f"scatter: index of shape {index.shape} out of range for input of "
                           f"shape {a.shape} along dim {dim}: {error}") from None
    if not isinstance(fill, Tensor):
        return where(hit, fill, a)
    if fill.dtype != a.dtype:
        raise RuntimeError(f"scatter: src has dtype {fill.dtype}, but the input has {a.dtype}; "
                           "they must match")
    if hit.sum() < index.size:
        raise RuntimeError(f"scatter: index of shape {index.shape} writes some places more than "
                           f"once along dim {dim}; which value wins is unspecified (use "
                           "scatter_add to sum them)")
    return where(hit, scatter_add(Tensor(np.zeros(a.shape, dtype=a.dtype)), dim, index, fill), a)


def _triangle(op, a, diagonal, lower):
    if a.ndim < 2:
        raise RuntimeError(f"{op}: expected a tensor with at least 2 dimensions, got shape "
                           f"{tuple(a.shape)}")
    rows, cols = a.shape[-2:]
    below = np.tri(rows, cols, diagonal if lower else diagonal - 1, dtype=bool)
    return where(below if lower else ~below, a, 0)


def tril(a, diagonal=0):
    """The lower triangle of the last two dims (column <= row + diagonal), zeros above it.
    A where() with a constant mask, so the gradient is masked the same way."""
    return _triangle("tril", a, diagonal, lower=True)


def triu(a, diagonal=0):
    """The upper triangle of the last two dims (column >= row + diagonal), zeros below it."""
    return _triangle("triu", a, diagonal, lower=False)

