"""Pooling's one primitive: `MaxPool`, the maximum over each window, and `max_pool`, which also
gives torch's return_indices. (Average and adaptive pooling are composites, in
nn/functional/pooling.py: a reshape and a mean, or unfold and a sum.)

Where the windows lie comes from ops/window_geometry.py as one `Window` (kind 'max_pool').
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .window import Fold, padded_image, tap_slices


class MaxPool(Function):
    """Max over each window of (N, C, *spatial) (padding is -inf); the gradient goes to the
    window's first maximum, and NaN propagates, as in torch.

    A primitive for a measured reason: on the 2-D CNN benchmark's 2×2 pools, np.maximum over
    one strided view per kernel tap (no window copy, no argmax over a length-4 axis) runs
    forward + backward about 10× faster than `max(dim)` over the copied windows, or `amax`
    over a reshape (which also splits ties), and made the whole training step ~3× faster.

    `backward` is written in glassgrad ops (a one-hot mask of the winners times the gradient,
    folded back into place), so it is differentiable again. `backward_array` is a different
    algorithm for the engine's no-graph path: one multiply per kernel tap written straight
    into the input's gradient (no one-hot (N, C, Πk, *out) array, no fold, and no zeros at all
    when the windows tile the input); the op table checks that it agrees with `backward`.
    Measured on the benchmarks' pools (float32, one thread, best of 30): cnn2d's 2×2 pools of
    (64, 32, 28, 28) backward 3.0 ms, backward_array 0.85 ms, and of (64, 64, 14, 14) 1.9 vs
    0.51 ms; cnn1d's pool of (100, 32, 40) 0.22 vs 0.061 ms.
    """

    @staticmethod
    def forward(ctx, x, window):
        best, ctx.which = _winners(x, window)
        ctx.window = window
        return best

    @staticmethod
    def backward(ctx, grad):
        window = ctx.window
        taps = int(np.prod(window.kernel))
        n, c = ctx.which.shape[:2]
        onehot = ctx.which[:, :, None] == np.arange(taps).reshape((taps,) + (1,) * len(
            window.kernel))
        cols = grad.unsqueeze(2) * onehot.astype(grad.dtype)         # (N, C, Πk, *positions)
        return Fold.apply(cols.reshape(n, c * taps, -1), window)

    @staticmethod
    def backward_array(ctx, grad):
        window = ctx.window
        padded = tuple(lo + size + hi for (lo, hi), size in zip(window.padding, window.image))
        shape = ctx.which.shape[:2] + padded
        overlapping = any(s < d * (k - 1) + 1 for k, s, d
                          in zip(window.kernel, window.stride, window.dilation))
        tiled = window.stride == window.kernel and max(window.dilation) == 1 and all(
            o * s == size for o, s, size in zip(window.positions, window.stride, padded))
        # Windows that tile the input exactly write every element once: no zeros needed.
        out = np.empty(shape, dtype=grad.dtype) if tiled else np.zeros(shape, dtype=grad.dtype)
        for tap, offset in enumerate(np.ndindex(*window.kernel)):
            target = out[(slice(None), slice(None)) + tap_slices(offset, window)]
            if overlapping:
                target += grad * (ctx.which == tap)
            else:
                np.multiply(grad, ctx.which == tap, out=target)
        return out[(slice(None), slice(None)) + tuple(
            slice(lo, lo + size) for (lo, _), size in zip(window.padding, window.image))]


def _winners(x, window):
    """Numpy: each window's maximum and the index of its winning tap (its first maximum); one
    pass per kernel tap over strided views, no window copy.

    np.maximum propagates NaN into the maximum, as torch does (a NaN's gradient then goes to
    the window's last tap).
    """
    x = padded_image(x, window, 2, fill=-np.inf)
    views = [x[(slice(None), slice(None)) + tap_slices(offset, window)]
             for offset in np.ndindex(*window.kernel)]
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
    return best, which


def _flat_indices(which, window):
    """torch's return_indices: each maximum's flat position in its (H·W) input plane."""
    offsets = np.unravel_index(which, window.kernel)       # the winning tap, per dimension
    flat = np.zeros(which.shape, dtype=np.int64)
    nd = len(window.kernel)
    for axis, (offset, s, (lo, _), d, o, size) in enumerate(zip(
            offsets, window.stride, window.padding, window.dilation, window.positions,
            window.image)):
        start = (np.arange(o) * s - lo).reshape((o,) + (1,) * (nd - axis - 1))
        flat = flat * size + start + offset * d
    return flat


def max_pool(input, window, return_indices=False):
    """Max over the windows of (N, C, *spatial) laid out by `window` (kind 'max_pool'); with
    return_indices also (values, flat index of each maximum in its input plane, int64)."""
    values = MaxPool.apply(input, window)
    if not return_indices:
        return values
    node = values.grad_fn
    which = node.which if node is not None else _winners(input._data, window)[1]
    return values, Tensor(_flat_indices(which, window))
