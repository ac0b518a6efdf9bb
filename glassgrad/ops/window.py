"""Sliding windows: `unfold` (im2col) and its adjoint `fold` (col2im), the base of convolution
and pooling; and `Tensor.unfold(dim, size, step)` for windows along one dimension.

unfold cuts every window of an image out and lays the windows side by side, in one of two
layouts (the channel axis is a parameter):

    channels first   (N, C, *spatial) → cols (N, C·Πk, L)    one column per window position
    channels last    (N, *spatial, C) → rows (N·L, Πk·C)     one row per window position

A convolution is then one matrix product with the weights, and pooling a reduction over each
window. Channels last copies contiguous runs of C values instead of single floats and makes the
convolution a single large product: measured on the benchmark's second 1-D conv (N 100, C 32,
k 5, L 40), building rows from channels-last memory 72 µs, from (N, C, L) memory 843 µs;
forward + backward 3.1 → 2.0 ms (conv uses it from 16 channels on, nn/functional/conv.py).

fold sums windows back into place, which is exactly unfold's backward (a value that sits in
several windows gets all their gradients); unfold is fold's. Each backward is the other op, so
both are differentiable to any order. Where the windows lie (kernel, stride, padding, dilation,
sizes) comes from ops/window_geometry.py as one `Window`.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd.function import Function
from .indexing import getitem
from .window_geometry import window_geometry


def tap_slices(offset, window):
    """Per spatial dimension, where one kernel tap sits in every window: the slice of the
    padded image that tap reads (unfold) or that its gradient is added back into (fold)."""
    return tuple(slice(o * d, o * d + s * (p - 1) + 1, s) for o, d, s, p
                 in zip(offset, window.dilation, window.stride, window.positions))


def padded_image(x, window, first, fill=0.0, copy=False):
    """`x` with window.padding around its spatial axes (from axis `first` on): a new array of
    `fill` with x copied in, or x itself when there is no padding and no `copy` is asked for.
    A negative hi pads nothing (the windows just stop short of the end)."""
    pads = tuple((lo, max(hi, 0)) for lo, hi in window.padding)
    if not copy and not any(lo or hi for lo, hi in pads):
        return x
    nd = len(pads)
    sizes = tuple(lo + s + hi for (lo, hi), s in zip(pads, window.image))
    out = np.full(x.shape[:first] + sizes + x.shape[first + nd:], fill, dtype=x.dtype)
    out[(slice(None),) * first + tuple(slice(lo, lo + s) for (lo, _), s
                                       in zip(pads, window.image))] = x
    return out


class Unfold(Function):
    """im2col: (N, C, *image) → (N, C·Πkernel, Πpositions), or with channels_last
    (N, *image, C) → (N·Πpositions, Πkernel·C)."""

    reads_inputs = False

    @staticmethod
    def forward(ctx, x, window, channels_last=False):
        ctx.window, ctx.channels_last = window, channels_last
        kernel, positions, nd = window.kernel, window.positions, len(window.kernel)
        n, c = x.shape[0], x.shape[-1 if channels_last else 1]
        first = 1 if channels_last else 2                     # the first spatial axis
        # Channels last: always one copy, which pads and makes each channel run contiguous
        # (the row copy below is fast only then).
        x = padded_image(x, window, first, copy=channels_last)
        spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, window.dilation))
        views = sliding_window_view(x, spans, axis=tuple(range(first, first + nd)))
        # views: (N, [C,] *window starts, [C,] *span offsets); keep every stride-th start and
        # every dilation-th offset: (N, [C,] *positions, [C,] *kernel).
        select = (slice(None),) * first
        select += tuple(slice(None, s * (p - 1) + 1, s) for s, p in zip(window.stride, positions))
        select += (slice(None),) * (2 - first)          # channels last: the C axis
        select += tuple(slice(None, None, d) for d in window.dilation)
        views = views[select]
        taps, count = int(np.prod(kernel)), int(np.prod(positions))
        if channels_last:                  # (N, *positions, *kernel, C), then one copy
            order = tuple(range(1 + nd)) + tuple(range(2 + nd, 2 + 2 * nd)) + (1 + nd,)
            return views.transpose(order).reshape(n * count, taps * c)
        order = (0, 1) + tuple(range(2 + nd, 2 + 2 * nd)) + tuple(range(2, 2 + nd))
        return views.transpose(order).reshape(n, c * taps, count)     # (N, C, *kernel, *pos)

    @staticmethod
    def backward(ctx, grad):
        return Fold.apply(grad, ctx.window, ctx.channels_last)


class Fold(Function):
    """col2im: (N, C·Πkernel, Πpositions) → (N, C, *image), or with channels_last
    (N·Πpositions, Πkernel·C) → (N, *image, C), summing the values of overlapping windows."""

    reads_inputs = False

    @staticmethod
    def forward(ctx, cols, window, channels_last=False):
        ctx.window, ctx.channels_last = window, channels_last
        kernel, positions, nd = window.kernel, window.positions, len(window.kernel)
        taps, count = int(np.prod(kernel)), int(np.prod(positions))
        if channels_last:
            n, c = cols.shape[0] // count, cols.shape[1] // taps
            blocks = cols.reshape((n,) + positions + kernel + (c,))
            first, tap_axes = 1, 1 + nd            # a tap's block: (N, *positions, C)
        else:
            n, c = cols.shape[0], cols.shape[1] // taps
            blocks = cols.reshape((n, c) + kernel + positions)
            first, tap_axes = 2, 2                 # a tap's block: (N, C, *positions)
        pads = tuple((lo, max(hi, 0)) for lo, hi in window.padding)
        padded = tuple(lo + s + hi for (lo, hi), s in zip(pads, window.image))
        out = np.zeros((n,) + (() if channels_last else (c,)) + padded
                       + ((c,) if channels_last else ()), dtype=cols.dtype)
        # One strided add per kernel tap: a loop over the (few) taps, never over batch,
        # channels or positions.
        lead = (slice(None),) * first
        for offset in np.ndindex(*kernel):
            out[lead + tap_slices(offset, window)] += blocks[(slice(None),) * tap_axes + offset]
        if any(lo or hi for lo, hi in pads):
            out = out[lead + tuple(slice(lo, lo + s) for (lo, _), s in zip(pads, window.image))]
        return out

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, ctx.window, ctx.channels_last)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1, channels_last=False):
    """Extract sliding windows (torch.nn.functional.unfold), for 1-D or 2-D spatial inputs.

    Shape: (N, C, *spatial) → (N, C·Πkernel_size, L), L the number of window positions;
    with channels_last, (N, *spatial, C) → (N·L, Πkernel_size·C): row n·L + l holds window l
    of image n, kernel taps in row-major order, C channels per tap.
    """
    if input.ndim not in (3, 4):
        layout = "(N, L, C) or (N, H, W, C)" if channels_last else "(N, C, L) or (N, C, H, W)"
        raise RuntimeError(f"unfold: expected a 3-D or 4-D input {layout}, got shape "
                           f"{tuple(input.shape)}")
    spatial = input.shape[1:-1] if channels_last else input.shape[2:]
    window = window_geometry("unfold", "window", spatial, kernel_size, stride, padding,
                             dilation, shape=input.shape)
    return Unfold.apply(input, window, channels_last)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1, channels_last=False):
    """Sum sliding-window columns back into an image (torch.nn.functional.fold), unfold's adjoint.

    Shape: (N, C·Πkernel_size, L) → (N, C, *output_size); with channels_last,
    (N·L, Πkernel_size·C) → (N, *output_size, C).
    """
    if not isinstance(output_size, (tuple, list)):
        output_size = (output_size,) * (2 if isinstance(kernel_size, int) else len(kernel_size))
    window = window_geometry("fold", "window", output_size, kernel_size, stride, padding,
                             dilation)
    taps, count = int(np.prod(window.kernel)), int(np.prod(window.positions))
    if channels_last:
        expected, fits = f"(N·{count}, {taps}·C)", input.ndim == 2 and not (
            input.shape[0] % count or input.shape[1] % taps)
    else:
        expected, fits = f"(N, C·{taps}, {count})", input.ndim == 3 and not (
            input.shape[1] % taps or input.shape[2] != count)
    if not fits:
        raise RuntimeError(f"fold: expected input of shape {expected} for output_size "
                           f"{window.image} and kernel_size {window.kernel}, got "
                           f"{tuple(input.shape)}")
    return Fold.apply(input, window, channels_last)


def unfold_dim(input, dimension, size, step):
    """Windows of `size` every `step` along `dimension`, as a new last dimension
    (torch.Tensor.unfold). Built from indexing, so its backward is indexing's scatter-add."""
    dim = dimension % max(input.ndim, 1)
    length = input.shape[dim]
    if size > length or size < 1 or step < 1:
        raise RuntimeError(f"unfold: size {size} and step {step} do not fit dimension {dim} of "
                           f"size {length} (shape {input.shape})")
    count = (length - size) // step + 1
    index = np.arange(count)[:, None] * step + np.arange(size)[None, :]
    windows = getitem(input, (slice(None),) * dim + (index,))   # (..., count, size, ...)
    order = list(range(windows.ndim))
    order.append(order.pop(dim + 1))                            # the window axis goes last
    return windows.permute(order)
