"""Pooling: max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool1d/2d (torch's signatures).

Max pooling is the `MaxPool` primitive (glassgrad/ops/pool.py): a running maximum over one
strided view of the input per kernel tap (for a 2×2 pool, the top-left, top-right, bottom-left
and bottom-right element of every window), so no window is ever copied. Its gradient goes to
each window's first maximum, as torch's does.

Average pooling is composite and gathers its windows in one of two ways:
  - non-overlapping windows (stride = kernel, no padding) are a free reshape
    (N, C, H/k, k, W/k, k) and a mean, the fast path for the common 2×2 pool;
  - any other window is unfold's im2col (N, C·Πk, L) viewed as (N, C, Πk, *out), then a sum
    divided by each window's count.
Adaptive average pooling is a reshape and a mean, or (unequal windows) a gather and a sum per
dimension.
All are differentiable to any order. This file only checks the input, asks
ops/window_geometry.py where the windows lie (its errors name the op), and composes.
"""
import numpy as np

from ...ops.indexing import where
from ...ops.pool import max_pool
from ...ops.window import Unfold
from ...ops.window_geometry import window_geometry
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


def _tiles(x, kernel, sizes):
    """Non-overlapping windows as a view: (N, C, *spatial) → (N, C, o1, k1, o2, k2, ...)."""
    covered = tuple(o * k for o, k in zip(sizes, kernel))
    if covered != tuple(x.shape[2:]):      # floor mode drops the ragged end
        x = x[(slice(None), slice(None)) + tuple(slice(c) for c in covered)]
    split = tuple(v for o, k in zip(sizes, kernel) for v in (o, k))
    return x.reshape(tuple(x.shape[:2]) + split)


def _max_poolnd(op, nd, input, kernel_size, stride, padding, dilation, ceil_mode,
                return_indices):
    x, unbatched = _batched(op, nd, input)
    window = window_geometry(op, "max_pool", x.shape[2:], kernel_size, stride, padding,
                             dilation, ceil_mode=ceil_mode, shape=input.shape)
    result = max_pool(x, window, return_indices)
    if not unbatched:
        return result
    if return_indices:
        return result[0].squeeze(0), result[1].squeeze(0)
    return result.squeeze(0)


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


def _divisor(window, count_include_pad):
    """How many elements each average divides by: the window clipped to the padded input
    (ceil_mode's overhang never counts), and to the input itself without count_include_pad.
    In float64, exact: the caller casts 1/divisor to the input's dtype."""
    divisor = np.ones((), dtype=np.float64)
    for k, s, (lo, _), size, o in zip(window.kernel, window.stride, window.padding,
                                      window.image, window.positions):
        start = np.arange(o) * s - lo
        end = np.minimum(start + k, size + lo)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, size)
        divisor = np.multiply.outer(divisor, (end - start).astype(np.float64))
    return divisor


def _avg_poolnd(op, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override):
    x, unbatched = _batched(op, nd, input)
    window = window_geometry(op, "avg_pool", x.shape[2:], kernel_size, stride, padding,
                             ceil_mode=ceil_mode, shape=input.shape)
    if divisor_override == 0:
        raise ValueError(f"{op}: divisor_override must be non-zero")
    side_by_side = window.stride == window.kernel and not any(
        lo or hi for lo, hi in window.padding)
    if side_by_side and divisor_override is None:
        out = _tiles(x, window.kernel, window.positions).mean(tuple(range(3, 3 + 2 * nd, 2)))
    else:
        # Any other windows: unfold's (N, C·Πk, L) as (N, C, Πk, *positions), summed over Πk.
        cols = Unfold.apply(x, window)
        taps = cols.shape[1] // x.shape[1]          # not -1: an empty batch must work too
        sums = cols.reshape((x.shape[0], x.shape[1], taps) + window.positions).sum(2)
        if divisor_override is not None:
            out = sums * (1.0 / divisor_override)
        else:
            # 1/count in the input's dtype (float32 constants would cost float64 input its
            # precision): one number when every window has the same count, else one per position.
            scale = (1.0 / _divisor(window, count_include_pad)).astype(x.dtype)
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


def _adaptive_windows(size, out):
    """Window i covers [⌊i·size/out⌋, ⌈(i+1)·size/out⌉) (torch's rule). Returns the (out, K)
    positions of each window padded to the longest K (padding repeats the window's start), the
    (out, K) mask of real positions, and each window's length."""
    i = np.arange(out)
    start, end = (i * size) // out, -((-(i + 1) * size) // out)
    longest = int((end - start).max())
    offsets = np.arange(longest)
    inside = offsets < (end - start)[:, None]
    index = np.where(inside, start[:, None] + offsets, start[:, None])
    return index, inside, end - start


def _adaptive_axis(x, axis, size, out):
    """Average the `out` windows of `axis` (of length `size`) by gathering each window and
    summing it. Not a matmul with an averaging matrix: its zeros would multiply a NaN or inf
    into every window (0 · NaN = NaN), where torch keeps it in the windows that hold it."""
    index, inside, length = _adaptive_windows(size, out)
    last = x.ndim - 1
    moved = x if axis == last else x.transpose(axis, last)
    windows = moved[..., index]                               # (..., out, K)
    windows = where(inside, windows, 0.0)                     # a select: padding adds 0
    scale = (1.0 / length).astype(x.dtype)                    # in the input's dtype
    pooled = windows.sum(-1) * scale
    return pooled if axis == last else pooled.transpose(axis, last)


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
        # Unequal, overlapping windows: one dimension at a time, each window gathered and summed.
        out = x
        for axis, (size, o) in enumerate(zip(spatial, sizes)):
            if size != o:
                out = _adaptive_axis(out, 2 + axis, size, o)
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
