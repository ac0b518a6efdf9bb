"""Ops that move elements without changing them: reshape/view, transpose/permute, squeeze,
concatenation, splitting and padding. Each backward is the inverse move (or its adjoint:
pad ↔ slice, cat ↔ split).
"""
import numpy as np

from ..autograd.function import Function



def _shape_arg(shape):
    """Accept reshape(2, 3) and reshape((2, 3)) alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(int(s) for s in shape)


class Reshape(Function):
    """Same elements, new shape (a view whenever numpy can make one). Backward: reshape back."""

    reads_inputs = False
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        try:
            return a.reshape(shape)
        except ValueError:
            raise RuntimeError(f"reshape: shape {tuple(shape)} is invalid for a tensor of shape "
                               f"{a.shape} ({a.size} elements)") from None

    @staticmethod
    def backward(ctx, grad):
        return Reshape.apply(grad, ctx.in_shape)


class View(Reshape):
    """Like reshape, but never copies: raises where the data's strides do not allow a view.
    Its backward is Reshape's."""

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        out = a.view()
        try:
            out.shape = shape       # numpy refuses (AttributeError) where a copy would be needed
        except (AttributeError, ValueError):
            raise RuntimeError(f"view: size {tuple(shape)} is not compatible with the input's "
                               f"shape {a.shape} and strides {a.strides}; use .reshape(...) "
                               "instead") from None
        return out


class Permute(Function):
    """Reorder dimensions (a view). Backward: the inverse permutation."""

    reads_inputs = False
    is_view = True

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return a.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return Permute.apply(grad, tuple(np.argsort(ctx.dims)))


class Cat(Function):
    """Join tensors along `dim`. Backward: slice each input's part back out (cat ↔ split)."""

    reads_inputs = False

    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.dim = dim
        ctx.sizes = [a.shape[dim] for a in arrays]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [], 0
        for size in ctx.sizes:
            index = (slice(None),) * ctx.dim + (slice(start, start + size),)
            grads.append(grad[index])
            start += size
        return tuple(grads)


class Pad(Function):
    """Constant padding; `widths` is numpy's ((before, after), ...). Backward: slice (pad ↔ slice)."""

    reads_inputs = False

    @staticmethod
    def forward(ctx, a, widths, value):
        ctx.index = tuple(slice(lo, lo + s) for (lo, _), s in zip(widths, a.shape))
        return np.pad(a, widths, constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.index]


def _dim(op, dim, ndim):
    if not -ndim <= dim < max(ndim, 1):
        raise IndexError(f"{op}: dim {dim} is out of range for a tensor with {ndim} dimension(s)")
    return dim % ndim if ndim else 0


def reshape(a, *shape):
    shape = _shape_arg(shape)
    return a if a.shape == shape else Reshape.apply(a, shape)


def view(a, *shape):
    return View.apply(a, _shape_arg(shape))


def flatten(a, start_dim=0, end_dim=-1):
    if a.ndim == 0:
        return reshape(a, (1,))
    start, end = _dim("flatten", start_dim, a.ndim), _dim("flatten", end_dim, a.ndim)
    shape = a.shape[:start] + (-1,) + a.shape[end + 1:]
    return reshape(a, shape)


def permute(a, *dims):
    dims = _shape_arg(dims)
    if sorted(d % max(a.ndim, 1) for d in dims) != list(range(a.ndim)):
        raise RuntimeError(f"permute: dims {dims} are not a permutation of the {a.ndim} "
                           f"dimensions of a tensor of shape {a.shape}")
    dims = tuple(d % a.ndim for d in dims)
    return Permute.apply(a, dims)


def transpose(a, dim0, dim1):
    dims = list(range(a.ndim))
    dim0, dim1 = _dim("transpose", dim0, a.ndim), _dim("transpose", dim1, a.ndim)
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return Permute.apply(a, tuple(dims))


def squeeze(a, dim=None):
    if dim is None:
        shape = tuple(s for s in a.shape if s != 1)
    else:
        dims = {_dim("squeeze", d, a.ndim) for d in ((dim,) if isinstance(dim, int) else dim)}
        shape = tuple(s for i, s in enumerate(a.shape) if not (i in dims and s == 1))
    return reshape(a, shape)


def unsqueeze(a, dim):
    dim = _dim("unsqueeze", dim, a.ndim + 1)
    return Reshape.apply(a, a.shape[:dim] + (1,) + a.shape[dim:])


def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    first = tensors[0]
    dim = _dim("cat", dim, first.ndim)
    for i, t in enumerate(tensors):
        if t.ndim != first.ndim or any(s != f for j, (s, f) in enumerate(zip(t.shape, first.shape))
                                       if j != dim):
            raise RuntimeError(f"cat: tensor {i} has shape {tuple(t.shape)}; expected all sizes "
                               f"but dim {dim} to match tensor 0's shape {tuple(first.shape)}")
    return Cat.apply(*tensors, dim=dim)


concatenate = cat


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack: expects each tensor to be equal size, but got "
                               f"{tuple(tensors[0].shape)} at entry 0 and {tuple(t.shape)} at "
                               f"entry {i}")
    dim = _dim("stack", dim, tensors[0].ndim + 1)
    return cat([unsqueeze(t, dim) for t in tensors], dim)


def split(a, split_size_or_sections, dim=0):
    """Pieces of `split_size` along `dim` (the last may be smaller), or of the listed sizes."""
    dim = _dim("split", dim, a.ndim)
    length = a.shape[dim]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [split_size_or_sections] * (length // split_size_or_sections)
        if length % split_size_or_sections or length == 0:   # an empty dim: one empty piece
            sizes.append(length % split_size_or_sections)
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != length:
            raise RuntimeError(f"split: sections {sizes} sum to {sum(sizes)}, but dim {dim} of "
                               f"shape {a.shape} has size {length}")
    pieces, start = [], 0
    for size in sizes:
        pieces.append(a[(slice(None),) * dim + (slice(start, start + size),)])
        start += size
    return tuple(pieces)


def chunk(a, chunks, dim=0):
    """`chunks` pieces of equal size along `dim` (the last may be smaller), as torch.chunk."""
    length = a.shape[_dim("chunk", dim, a.ndim)]
    if not isinstance(chunks, int) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    if length == 0:                   # torch: `chunks` empty pieces
        return split(a, [0] * chunks, dim)
    return split(a, max(-(-length // chunks), 1), dim)


def pad(a, pad, mode="constant", value=0.0):
    """Pad the last len(pad)//2 dimensions; `pad` = (last_lo, last_hi, prev_lo, prev_hi, ...).

    `mode` is 'constant', 'reflect', 'replicate' or 'circular' (torch.nn.functional.pad). The
    last three gather the border elements with an index array, so their backward is the
    scatter-add of indexing.
    """
    if len(pad) % 2 or len(pad) // 2 > a.ndim:
        raise ValueError(f"pad: expected an even number of widths covering at most {a.ndim} "
                         f"dimensions of a tensor of shape {a.shape}, got {tuple(pad)}")
    widths = [(0, 0)] * a.ndim
    for i in range(len(pad) // 2):
        widths[a.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if mode == "constant":
        if any(lo < 0 or hi < 0 for lo, hi in widths):
            raise ValueError(f"pad: negative widths {tuple(pad)} are not supported")
        return Pad.apply(a, tuple(widths), value)
    out = a
    for axis, (lo, hi) in enumerate(widths):
        if lo == hi == 0:
            continue
        size = a.shape[axis]
        positions = np.arange(-lo, size + hi)
        if mode == "replicate":
            index = np.clip(positions, 0, size - 1)
        elif mode == "circular":
            index = positions % size
        elif mode == "reflect":
            if lo >= size or hi >= size:
                raise ValueError(f"pad: reflect padding ({lo}, {hi}) must be smaller than the "
                                 f"padded dimension's size {size}")
            index = np.abs(positions)
            index = np.where(index > size - 1, 2 * (size - 1) - index, index)
        else:
            raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or "
                             f"'circular', got {mode!r}")
        out = out[(slice(None),) * axis + (index,)]
    return out





# --- transposing a matrix, flipping, tiling, (un)flattening one dim, unbinding ------------------
def t(a):
    """The transpose of a matrix; 0-D and 1-D tensors come back as they are (torch.t)."""
    if a.ndim > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, got shape {tuple(a.shape)} "
                           f"({a.ndim}-D); use transpose(dim0, dim1), permute(...) or .mT")
    return transpose(a, 0, 1) if a.ndim == 2 else a


def flip(a, dims):
    """`a` with the order of its elements reversed along `dims` (numpy's [::-1], a view).
    Its gradient is flipped back, by getitem's backward."""
    dims = (dims,) if isinstance(dims, int) else _shape_arg(tuple(dims))
    axes = {_dim("flip", d, a.ndim) for d in dims}
    return a[tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(a.ndim))]


def repeat(a, *sizes):
    """`a` copied `sizes[i]` times along dim i (torch's Tensor.repeat, numpy's tile); extra
    leading sizes add dimensions. Made of reshape and expand: the gradient sums the copies."""
    sizes = _shape_arg(sizes)
    if len(sizes) < a.ndim:
        raise RuntimeError(f"repeat: {len(sizes)} repeat sizes {sizes} for a tensor of shape "
                           f"{tuple(a.shape)}; give at least one per dimension ({a.ndim})")
    shape = (1,) * (len(sizes) - a.ndim) + tuple(a.shape)
    # (s0, s1) -> (1, s0, 1, s1) -> expanded to (r0, s0, r1, s1) -> (r0·s0, r1·s1)
    spread = tuple(n for s in shape for n in (1, s))
    copies = tuple(n for r, s in zip(sizes, shape) for n in (r, s))
    return reshape(expand(reshape(a, spread), copies), tuple(r * s for r, s in zip(sizes, shape)))


def tile(a, dims):
    """torch.tile: `repeat`, with 1s put in front when `dims` is shorter than a's shape."""
    dims = _shape_arg(tuple(dims))
    return repeat(a, (1,) * (a.ndim - len(dims)) + dims)


def unflatten(a, dim, sizes):
    """Dim `dim` split into `sizes` (one of them may be -1): flatten's inverse."""
    dim, sizes = _dim("unflatten", dim, a.ndim), tuple(sizes)
    known = int(np.prod([s for s in sizes if s != -1]))
    fits = known == a.shape[dim] if -1 not in sizes else known and a.shape[dim] % known == 0
    if not fits or sizes.count(-1) > 1:
        raise RuntimeError(f"unflatten: sizes {sizes} do not multiply to {a.shape[dim]}, the size "
                           f"of dim {dim} of a tensor of shape {tuple(a.shape)}")
    return reshape(a, a.shape[:dim] + sizes + a.shape[dim + 1:])


def unbind(a, dim=0):
    """The slices of `a` along `dim`, as a tuple (torch.unbind)."""
    if a.ndim == 0:
        raise IndexError("unbind: a 0-d tensor has no dimension to unbind")
    dim = _dim("unbind", dim, a.ndim)
    return tuple(a[(slice(None),) * dim + (i,)] for i in range(a.shape[dim]))


from ._broadcast import expand  # noqa: E402
