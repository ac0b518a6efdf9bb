"""Pooling: max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool1d/2d (torch's signatures).

Max pooling is the `MaxPool` primitive: a running maximum over one strided view of the input
per kernel tap (for a 2×2 pool, the top-left, top-right, bottom-left and bottom-right element
of every window), so no window is ever copied. Its gradient goes to each window's first
maximum, as torch's does.

Average pooling is composite and gathers its windows in one of two ways:
  - non-overlapping windows (stride = kernel, no padding) are a free reshape
    (N, C, H/k, k, W/k, k) and a mean, the fast path for the common 2×2 pool;
  - any other window is unfold's im2col (N, C·Πk, L) viewed as (N, C, Πk, *out), then a sum
    divided by each window's count.
Adaptive average pooling is a reshape and a mean, or one averaging matrix per dimension.
All are differentiable to any order.
"""
import numpy as np

from ...autograd.function import Function
from ...ops.linalg import matmul
from ...ops.movement import pad as _pad
from ...ops.window import _tuple, fold, tap_slices, unfold
from ...tensor import Tensor

_SPATIAL = {1: ("L",), 2: ("H", "W")}


def _batched(op, nd, input):
    """(N, C, *spatial) as is, (C, *spatial) with a batch dim added; else a clear error."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(input).__name__}")
    if input.ndim == nd + 1:
        return input.unsqueeze(0), True
    if input.ndim != nd + 2:
        names = ", ".join(_SPATIAL[nd])
        raise RuntimeError(f"{op}: expected input of shape (N, C, {names}) or (C, {names}), "
                           f"got {tuple(input.shape)}")
    return input, False


def _window(op, nd, shape, kernel_size, stride, padding, dilation, ceil_mode, max_pad):
    """Normalised (kernel, stride, padding, dilation), output sizes and the extra right padding
    that ceil_mode needs; torch's output-size rule and checks, with errors naming `op`."""
    kernel = _tuple(kernel_size, nd, "kernel_size", op)
    stride = kernel if stride is None or stride == () or stride == [] else \
        _tuple(stride, nd, "stride", op)
    padding = _tuple(padding, nd, "padding", op)
    dilation = _tuple(dilation, nd, "dilation", op)
    if min(kernel + stride + dilation) < 1 or min(padding) < 0:
        raise ValueError(f"{op}: kernel_size, stride and dilation must be positive and padding "
                         f"non-negative, got kernel_size={kernel}, stride={stride}, "
                         f"dilation={dilation}, padding={padding}")
    spatial = shape[2:]
    sizes, extra = [], []
    for size, k, s, p, d in zip(spatial, kernel, stride, padding, dilation):
        span = d * (k - 1) + 1
        if p > (span if max_pad else k) // 2:
            raise ValueError(f"{op}: padding {padding} must be at most half of the kernel size "
                             f"{kernel} (dilation {dilation})")
        out = (size + 2 * p - span + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (out - 1) * s >= size + p:
            out -= 1               # the last window must start inside the input or left padding
        if out < 1:
            raise RuntimeError(f"{op}: input of shape {tuple(shape)} is too small for "
                               f"kernel_size {kernel}, stride {stride}, padding {padding}, "
                               f"dilation {dilation} (output size would be {out})")
        sizes.append(out)
        extra.append(max(0, (out - 1) * s + span - size - 2 * p))
    return kernel, stride, padding, dilation, tuple(sizes), tuple(extra)


def _tiles(x, kernel, sizes):
    """Non-overlapping windows as a view: (N, C, *spatial) → (N, C, o1, k1, o2, k2, ...)."""
    covered = tuple(o * k for o, k in zip(sizes, kernel))
    if covered != tuple(x.shape[2:]):      # floor mode drops the ragged end
        x = x[(slice(None), slice(None)) + tuple(slice(c) for c in covered)]
    split = tuple(v for o, k in zip(sizes, kernel) for v in (o, k))
    return x.reshape(tuple(x.shape[:2]) + split)


def _columns(x, kernel, stride, padding, dilation, sizes):
    """Any windows via unfold: (N, C, *spatial) → (N, C, Πkernel, *sizes)."""
    cols = unfold(x, kernel, dilation, padding, stride)
    return cols.reshape((x.shape[0], x.shape[1], -1) + sizes)


def _non_overlapping(kernel, stride, padding, dilation, extra):
    return stride == kernel and not any(padding) and max(dilation) == 1 and not any(extra)


class MaxPool(Function):
    """Max over each window of (N, C, *spatial) (padding is -inf); the gradient goes to the
    window's first maximum, and NaN propagates, as in torch.

    A primitive for a measured reason: on the 2-D CNN benchmark's 2×2 pools, np.maximum over
    one strided view per kernel tap (no window copy, no argmax over a length-4 axis) runs
    forward + backward about 10× faster than `max(dim)` over the copied windows, or `amax`
    over a reshape (which also splits ties), and made the whole training step ~3× faster.
    The backward stays in glassgrad ops (a one-hot mask times the gradient, folded back into
    place), so it is differentiable again; backward_array is its numpy transcription.
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, sizes, extra):
        best, ctx.which, ctx.padded = _winners(x, kernel, stride, padding, dilation, sizes,
                                               extra)
        ctx.geometry = (kernel, stride, padding, dilation, sizes)
        return best

    @staticmethod
    def backward(ctx, grad):
        kernel, stride, padding, dilation, sizes = ctx.geometry
        taps = int(np.prod(kernel))
        n, c = ctx.which.shape[:2]
        onehot = ctx.which[:, :, None] == np.arange(taps).reshape((taps,) + (1,) * len(sizes))
        cols = grad.unsqueeze(2) * onehot.astype(grad.dtype)         # (N, C, Πk, *sizes)
        out = fold(cols.reshape(n, c * taps, -1), ctx.padded, kernel, dilation, 0, stride)
        return out[_crop(padding, ctx.padded, ctx.inputs[0].shape[2:])]

    @staticmethod
    def backward_array(ctx, grad):
        kernel, stride, padding, dilation, sizes = ctx.geometry
        shape = ctx.which.shape[:2] + ctx.padded
        overlapping = any(s < d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))
        tiled = stride == kernel and max(dilation) == 1 and all(
            o * s == size for o, s, size in zip(sizes, stride, ctx.padded))
        # Windows that tile the input exactly write every element once: no zeros needed.
        out = np.empty(shape, dtype=grad.dtype) if tiled else np.zeros(shape, dtype=grad.dtype)
        for tap, offset in enumerate(np.ndindex(*kernel)):
            target = out[_tap(offset, stride, dilation, sizes)]
            if overlapping:
                target += grad * (ctx.which == tap)
            else:
                np.multiply(grad, ctx.which == tap, out=target)
        return out[_crop(padding, ctx.padded, ctx.inputs[0].shape[2:])]


def _winners(x, kernel, stride, padding, dilation, sizes, extra):
    """Numpy: each window's maximum, the index of its winning tap (its first maximum) and the
    padded spatial shape; one pass per kernel tap over strided views, no window copy.

    np.maximum propagates NaN into the maximum, as torch does (a NaN's gradient then goes to
    the window's last tap).
    """
    if any(padding) or any(extra):
        widths = ((0, 0), (0, 0)) + tuple((p, p + e) for p, e in zip(padding, extra))
        x = np.pad(x, widths, constant_values=-np.inf)
    views = [x[_tap(offset, stride, dilation, sizes)] for offset in np.ndindex(*kernel)]
    best = views[0].copy()
    for view in views[1:]:
        np.maximum(best, view, out=best)
    # The first tap equal to the maximum, found backwards from the last: which ← 0 where tap t
    # holds the maximum, else (which + 1) (it counts taps after t). Whole-array arithmetic
    # only: masked assignment is several times slower.
    which = np.zeros(best.shape, dtype=np.uint8 if len(views) < 256 else np.int32)
    differs = np.empty(best.shape, dtype=bool)
    for view in reversed(views[:-1]):
        np.not_equal(view, best, out=differs)
        which += 1
        which *= differs
    return best, which, x.shape[2:]


def _tap(offset, stride, dilation, sizes):
    """Index of one kernel tap's value in every window: a strided view of the padded input."""
    return (slice(None), slice(None)) + tap_slices(offset, dilation, stride, sizes)


def _crop(padding, padded, spatial):
    return (slice(None), slice(None)) + tuple(slice(p, p + size)
                                              for p, size in zip(padding, spatial))


def _max_poolnd(op, nd, input, kernel_size, stride, padding, dilation, ceil_mode,
                return_indices):
    x, unbatched = _batched(op, nd, input)
    kernel, stride, padding, dilation, sizes, extra = _window(
        op, nd, x.shape, kernel_size, stride, padding, dilation, ceil_mode, max_pad=True)
    values = MaxPool.apply(x, kernel, stride, padding, dilation, sizes, extra)
    if return_indices:
        node = values.grad_fn
        taps = node.which if node is not None else \
            _winners(x._data, kernel, stride, padding, dilation, sizes, extra)[1]
    if unbatched:
        values = values.squeeze(0)
    if not return_indices:
        return values
    indices = _flat_indices(taps, input.shape[-nd:], kernel, stride, padding, dilation, sizes)
    return values, Tensor(indices[0] if unbatched else indices)


def _flat_indices(taps, spatial, kernel, stride, padding, dilation, sizes):
    """torch's return_indices: each maximum's flat position in its (H·W) input plane."""
    offsets = np.unravel_index(taps, kernel)               # the winning tap, per dimension
    flat = np.zeros(taps.shape, dtype=np.int64)
    for axis, (offset, s, p, d, o, size) in enumerate(zip(offsets, stride, padding, dilation,
                                                          sizes, spatial)):
        start = (np.arange(o) * s - p).reshape((o,) + (1,) * (len(sizes) - axis - 1))
        flat = flat * size + start + offset * d
    return flat


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over windows of (N, C, L): out = ⌊(L + 2p - d·(k - 1) - 1) / s⌋ + 1 (⌈⌉ with
    ceil_mode); stride defaults to kernel_size; -inf padding. With return_indices, also the
    position of each maximum in L."""
    return _max_poolnd("max_pool1d", 1, input, kernel_size, stride, padding, dilation,
                       ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over windows of (N, C, H, W); sizes as max_pool1d per dimension. With
    return_indices, also each maximum's flat index h·W + w in its input plane.

    Example::

        >>> max_pool2d(glassgrad.randn(8, 16, 28, 28), 2).shape
        (8, 16, 14, 14)
    """
    return _max_poolnd("max_pool2d", 2, input, kernel_size, stride, padding, dilation,
                       ceil_mode, return_indices)


def _divisor(kernel, stride, padding, spatial, sizes, count_include_pad):
    """How many elements each average divides by: the window clipped to the padded input
    (ceil_mode's overhang never counts), and to the input itself without count_include_pad."""
    divisor = np.ones((), dtype=np.float32)
    for k, s, p, size, o in zip(kernel, stride, padding, spatial, sizes):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, size + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, size)
        divisor = np.multiply.outer(divisor, (end - start).astype(np.float32))
    return divisor


def _avg_poolnd(op, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override):
    x, unbatched = _batched(op, nd, input)
    kernel, stride, padding, _, sizes, extra = _window(
        op, nd, x.shape, kernel_size, stride, padding, 1, ceil_mode, max_pad=False)
    if _non_overlapping(kernel, stride, padding, (1,), extra) and divisor_override is None:
        out = _tiles(x, kernel, sizes).mean(tuple(range(3, 3 + 2 * nd, 2)))
    else:
        if any(extra):                 # zeros on the right for ceil_mode's last windows
            x = _pad(x, [w for e in reversed(extra) for w in (0, e)])
        sums = _columns(x, kernel, stride, padding, (1,) * nd, sizes).sum(2)
        if divisor_override is not None:
            if divisor_override == 0:
                raise ValueError(f"{op}: divisor_override must be non-zero")
            out = sums * (1.0 / divisor_override)
        else:
            divisor = _divisor(kernel, stride, padding, input.shape[-nd:], sizes,
                               count_include_pad)
            scale = 1.0 / divisor
            # One number when every window has the same count, else a constant per position.
            out = sums * (float(scale.flat[0]) if np.all(scale == scale.flat[0]) else scale)
    return out.squeeze(0) if unbatched else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over windows of (N, C, L); zero padding counts in the mean unless
    count_include_pad=False."""
    return _avg_poolnd("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                       count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over windows of (N, C, H, W) (divided by divisor_override when given)."""
    return _avg_poolnd("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                       count_include_pad, divisor_override)


def _adaptive_matrix(size, out):
    """(out, size) averaging matrix: row i averages [⌊i·size/out⌋, ⌈(i+1)·size/out⌉)."""
    i = np.arange(out)
    start, end = (i * size) // out, -((-(i + 1) * size) // out)
    positions = np.arange(size)
    inside = (positions >= start[:, None]) & (positions < end[:, None])
    return (inside / (end - start)[:, None]).astype(np.float32)


def _adaptive_avg_poolnd(op, nd, input, output_size):
    x, unbatched = _batched(op, nd, input)
    values = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * nd
    if len(values) != nd:
        raise ValueError(f"{op}: output_size needs {nd} value(s), got {output_size!r}")
    spatial = x.shape[2:]
    sizes = tuple(size if o is None else int(o) for o, size in zip(values, spatial))
    if min(sizes) < 1 or min(spatial) < 1:
        raise ValueError(f"{op}: output_size must be positive and the input non-empty, got "
                         f"output_size {sizes} for input of shape {tuple(input.shape)}")
    if all(size % o == 0 for size, o in zip(spatial, sizes)):
        # Equal windows (global pooling included): a reshape and a mean.
        kernel = tuple(size // o for size, o in zip(spatial, sizes))
        out = _tiles(x, kernel, sizes).mean(tuple(range(3, 3 + 2 * nd, 2)))
    else:
        # Unequal, overlapping windows: one averaging matrix per dimension, applied by matmul.
        out = x
        for axis, (size, o) in enumerate(zip(spatial, sizes)):
            if size == o:
                continue
            matrix = _adaptive_matrix(size, o)
            last = out.ndim - nd + axis == out.ndim - 1
            out = matmul(out, matrix.T) if last else matmul(matrix, out)
    return out.squeeze(0) if unbatched else out


def adaptive_avg_pool1d(input, output_size):
    """Mean over `output_size` windows that tile L as evenly as possible (torch's rule)."""
    return _adaptive_avg_poolnd("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Mean over an output_size grid of windows (None keeps that dimension's size);
    output_size=1 is global average pooling.

    Example::

        >>> adaptive_avg_pool2d(glassgrad.randn(8, 64, 7, 7), 1).shape
        (8, 64, 1, 1)
    """
    return _adaptive_avg_poolnd("adaptive_avg_pool2d", 2, input, output_size)
