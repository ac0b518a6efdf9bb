"""Sliding windows: `unfold` (im2col) and its adjoint `fold` (col2im), the base of convolution
and pooling; and `Tensor.unfold(dim, size, step)` for windows along one dimension.

unfold turns an input (N, C, *spatial) into columns (N, C·Πk, L): one column per window
position, holding the window's C·Πk values. A convolution is then one matrix product with the
weights, and pooling a reduction over each window. fold sums columns back into place, which is
exactly unfold's backward (a value that sits in several windows gets all their gradients).
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd.function import Function
from .indexing import getitem


def _tuple(value, n, name, op):
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(values) != n:
        raise ValueError(f"{op}: {name} needs {n} values for {n} spatial dimension(s), got "
                         f"{values}")
    return tuple(int(v) for v in values)


def _geometry(op, spatial, kernel_size, dilation, padding, stride):
    """Normalise the window parameters and compute the number of positions per dimension."""
    n = len(spatial)
    kernel = _tuple(kernel_size, n, "kernel_size", op)
    dilation = _tuple(dilation, n, "dilation", op)
    padding = _tuple(padding, n, "padding", op)
    stride = _tuple(stride, n, "stride", op)
    if min(kernel + dilation + stride) < 1 or min(padding) < 0:
        raise ValueError(f"{op}: kernel_size, dilation and stride must be positive and padding "
                         f"non-negative, got kernel_size={kernel}, dilation={dilation}, "
                         f"stride={stride}, padding={padding}")
    positions = []
    for size, k, d, p, s in zip(spatial, kernel, dilation, padding, stride):
        span = d * (k - 1) + 1
        if size + 2 * p < span:
            raise RuntimeError(f"{op}: the kernel spans {span} (kernel_size {k}, dilation {d}) "
                               f"but the padded input is only {size + 2 * p} long (size {size}, "
                               f"padding {p}) in a spatial shape of {tuple(spatial)}")
        positions.append((size + 2 * p - span) // s + 1)
    return kernel, dilation, padding, stride, tuple(positions)


def tap_slices(offset, dilation, stride, positions):
    """Per spatial dimension, where one kernel tap sits in every window: the slice of the
    padded input that tap reads (unfold) or that its gradient is added back into (fold)."""
    return tuple(slice(o * d, o * d + s * (p - 1) + 1, s)
                 for o, d, s, p in zip(offset, dilation, stride, positions))


class Unfold(Function):
    """im2col: (N, C, *spatial) → (N, C·Πkernel, Πpositions)."""

    reads_inputs = False

    @staticmethod
    def forward(ctx, x, kernel, dilation, padding, stride, positions):
        ctx.params = (kernel, dilation, padding, stride, positions)
        ctx.spatial = x.shape[2:]
        n, c, nd = x.shape[0], x.shape[1], len(kernel)
        if any(padding):
            x = np.pad(x, ((0, 0), (0, 0)) + tuple((p, p) for p in padding))
        spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        windows = sliding_window_view(x, spans, axis=tuple(range(2, 2 + nd)))
        # windows: (N, C, *window starts, *span offsets); keep every stride-th start and every
        # dilation-th offset, then order as (N, C, *kernel, *positions).
        select = (slice(None), slice(None))
        select += tuple(slice(None, s * (p - 1) + 1, s) for s, p in zip(stride, positions))
        select += tuple(slice(None, None, d) for d in dilation)
        windows = windows[select]
        order = (0, 1) + tuple(range(2 + nd, 2 + 2 * nd)) + tuple(range(2, 2 + nd))
        return windows.transpose(order).reshape(n, c * int(np.prod(kernel)), -1)

    @staticmethod
    def backward(ctx, grad):
        return Fold.apply(grad, ctx.spatial, *ctx.params)

    @staticmethod
    def backward_array(ctx, grad):
        return Fold.forward(Function(), grad, ctx.spatial, *ctx.params)


class Fold(Function):
    """col2im: (N, C·Πkernel, Πpositions) → (N, C, *output_size), summing overlapping windows."""

    reads_inputs = False

    @staticmethod
    def forward(ctx, cols, output_size, kernel, dilation, padding, stride, positions):
        ctx.params = (kernel, dilation, padding, stride, positions)
        n = cols.shape[0]
        c = cols.shape[1] // int(np.prod(kernel))
        cols = cols.reshape((n, c) + kernel + positions)
        padded = tuple(s + 2 * p for s, p in zip(output_size, padding))
        out = np.zeros((n, c) + padded, dtype=cols.dtype)
        # One strided add per kernel offset: a loop over the (few) kernel taps, never over
        # batch, channels or positions.
        for offset in np.ndindex(*kernel):
            target = (slice(None), slice(None)) + tap_slices(offset, dilation, stride, positions)
            out[target] += cols[(slice(None), slice(None)) + offset]
        crop = (slice(None), slice(None)) + tuple(slice(p, p + s)
                                                  for p, s in zip(padding, output_size))
        return out[crop] if any(padding) else out

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, *ctx.params)

    @staticmethod
    def backward_array(ctx, grad):
        return Unfold.forward(Function(), grad, *ctx.params)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding windows (torch.nn.functional.unfold), for 1-D or 2-D spatial inputs.

    Shape: (N, C, *spatial) → (N, C·Πkernel_size, L), L the number of window positions.
    """
    if input.ndim not in (3, 4):
        raise RuntimeError(f"unfold: expected a 3-D (N, C, L) or 4-D (N, C, H, W) input, got "
                           f"shape {input.shape}")
    params = _geometry("unfold", input.shape[2:], kernel_size, dilation, padding, stride)
    return Unfold.apply(input, *params)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding-window columns back into an image (torch.nn.functional.fold), unfold's adjoint.

    Shape: (N, C·Πkernel_size, L) → (N, C, *output_size).
    """
    output_size = tuple(output_size) if isinstance(output_size, (tuple, list)) else \
        (int(output_size),) * (2 if isinstance(kernel_size, int) else len(kernel_size))
    params = _geometry("fold", output_size, kernel_size, dilation, padding, stride)
    kernel, positions = params[0], params[4]
    blocks = int(np.prod(kernel))
    if input.ndim != 3 or input.shape[1] % blocks or input.shape[2] != int(np.prod(positions)):
        raise RuntimeError(f"fold: expected input of shape (N, C·{blocks}, {int(np.prod(positions))})"
                           f" for output_size {output_size} and kernel_size {kernel}, got "
                           f"{input.shape}")
    return Fold.apply(input, output_size, *params)


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
